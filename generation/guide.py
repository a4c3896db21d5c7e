"""What the API guide (/docs/) lists: one spec table per endpoint, the brief's response examples,
the errorCode catalog and the billing rules, built from the code they document (the request
serializers' fields and defaults, generation/failures.py, the pricing settings)."""

import json

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billing.pricing import credits_per_second, job_price
from generation.failures import CATALOG
from generation.models import Mode

REQUIRED, OPTIONAL = _("required"), _("optional")

MEANINGS = {
    "webhook": _("your callback URL (HTTPS): the finished job object is POSTed to it, signed"),
    "formState": _("object with the generation parameters below"),
    "video": _("public URL of the source video (MP4, MOV, WebM, MKV…); lipsync-video only, "
               "required"),
    "image": _("public URL of the image (PNG, JPEG, WebP); image modes, required"),
    "audio": _("public URL of the speech audio (MP3, WAV, M4A, OGG, FLAC…)"),
    "left_audio": _("lipsync-image-multi: the speech of the person on the left / right"),
    "right_audio": _("lipsync-image-multi: the speech of the person on the left / right"),
    "order": _("lipsync-image-multi: meanwhile (default), left_right or right_left"),
    "resolution": _('"480p" (default) or "720p"'),
    "mask_image": _("optional mask: white = the area that may change"),
    "prompt": _("optional style guidance text"),
    "seed": _("optional integer for reproducibility"),
    "model": _("the endpoint's name: lipsync-video, lipsync-image or lipsync-image-multi"),
    "status": _("filter: processing, completed or failed"),
    "limit": _("jobs per page, 1-100 (default 20)"),
    "cursor": _("the next or previous page, from a page's next/previous URL"),
    "from": _("first day (UTC), YYYY-MM-DD; default: 29 days before to"),
    "to": _("last day (UTC), YYYY-MM-DD; default: today"),
    "group_by": _("day (default) or key"),
    "file": _("the media file (multipart/form-data)"),
    "kind": _("image, audio or video; found from the file when absent"),
}

# (field, required, type, default) per formState of each mode, then the webhook row.
_COMMON = [("resolution", False, "string", '"480p"'), ("mask_image", False, "string (URL)", "null"),
           ("prompt", False, "string", '""'), ("seed", False, "integer", "null (-1: random)")]
FORM_STATES = {
    Mode.VIDEO: [("video", True, "string (URL)", ""), ("audio", True, "string (URL)", "")],
    Mode.IMAGE: [("image", True, "string (URL)", ""), ("audio", True, "string (URL)", "")],
    Mode.IMAGE_MULTI: [("image", True, "string (URL)", ""),
                       ("left_audio", True, "string (URL)", ""),
                       ("right_audio", True, "string (URL)", ""),
                       ("order", False, "string", '"meanwhile"')],
}
TOP_LEVEL = [("webhook", False, "string (URL)", "null"), ("formState", True, "object", "")]

OTHER_ENDPOINTS = [
    ("POST", "/api/v1/estimate", _("the price of a job before submitting it; nothing is held"),
     [("model", True, "string", "")] + TOP_LEVEL),
    ("GET", "/api/v1/jobs", _("your jobs, newest first (filters: status, model; cursor "
                              "pagination)"),
     [("status", False, "string", ""), ("model", False, "string", ""),
      ("limit", False, "integer", "20"), ("cursor", False, "string", "")]),
    ("GET", "/api/v1/usage", _("credits spent and seconds rendered, by day or by API key"),
     [("from", False, "date", ""), ("to", False, "date", ""),
      ("group_by", False, "string", '"day"')]),
    ("POST", "/api/v1/uploads", _("upload a media file (multipart field file); use the returned "
                                  "url in formState"),
     [("file", True, "binary", ""), ("kind", False, "string", "")]),
]

ID = "550e8400-e29b-41d4-a716-446655440000"
# The brief's examples, byte for byte in its fields, with our additive fields after them.
RESPONSE_EXAMPLES = {
    "processing": {"id": ID, "model": "lipsync-image", "status": "processing", "output": None,
                   "error": "", "executionTime": None, "timings": None, "progress": 0.42,
                   "credits": 20, "warnings": [], "errorCode": None,
                   "createdAt": "2026-11-25T12:00:00Z", "completedAt": None, "expiresAt": None},
    "completed": {"id": ID, "model": "lipsync-image", "status": "completed",
                  "output": "https://.../result.mp4", "error": "", "executionTime": 12345,
                  "timings": {"queue": 120, "download": 800, "analysis": 2100, "render": 8000,
                              "encode": 1100, "upload": 225},
                  "progress": 1.0, "credits": 20, "warnings": [], "errorCode": None,
                  "createdAt": "2026-11-25T12:00:00Z", "completedAt": "2026-11-25T12:00:13Z",
                  "expiresAt": "2026-12-02T12:00:13Z"},
    "failed": {"id": ID, "model": "lipsync-image", "status": "failed", "output": None,
               "error": "formState.audio is not an audio file we can read.",
               "executionTime": None, "timings": None, "progress": 0.1, "credits": 0,
               "warnings": [], "errorCode": "input_not_media",
               "createdAt": "2026-11-25T12:00:00Z", "completedAt": "2026-11-25T12:00:02Z",
               "expiresAt": None},
}


def spec_rows(rows) -> list[dict]:
    return [{"field": field, "required": REQUIRED if required else OPTIONAL, "type": kind,
             "default": default, "meaning": MEANINGS[field]}
            for field, required, kind, default in rows]


def guide_context() -> dict:
    submits = [{"method": "POST", "path": f"/api/v1/{mode.value}", "what": mode.label,
                "rows": spec_rows(TOP_LEVEL), "form_rows": spec_rows(FORM_STATES[mode] + _COMMON)}
               for mode in Mode]
    others = [{"method": method, "path": path, "what": what, "rows": spec_rows(rows)}
              for method, path, what, rows in OTHER_ENDPOINTS]
    return {
        "submits": submits, "others": others,
        "examples": {name: json.dumps(body, indent=2) for name, body in RESPONSE_EXAMPLES.items()},
        "catalog": [{"code": code, "message": str(message) % {"input": gettext("the input")}}
                    for code, (_meaning, message) in CATALOG.items()],
        "pricing": _pricing(),
        "retention_days": settings.LIPSYNC_OUTPUT_RETENTION_DAYS,
    }


def _pricing() -> dict:
    return {
        "per_second_480": credits_per_second(resolution="480p"),
        "per_second_720": credits_per_second(resolution="720p"),
        "min_seconds": settings.LIPSYNC_MIN_BILLED_SECONDS,
        "max_seconds": settings.LIPSYNC_MAX_JOB_SECONDS,
        "example_720": job_price(resolution="720p", seconds=3),
        "example_480": job_price(resolution="480p", seconds=10),
    }
