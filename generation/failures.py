"""Why jobs fail: the catalog of `errorCode`s (one per distinct cause, listed in the API guide),
how a worker's exception maps to one, and the failure worded for a reader of the site.

The API's `error` stays the English sentence the worker wrote (it names the field,
`formState.image`); the site words the failure from the code and the input instead, in the
reader's language ("We could not find a face in the image.").
"""

from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# code -> (what it means, for the API guide; what the site tells the user)
CATALOG = {
    "no_face": (
        "The image shows no face the engine can find.",
        _("We could not find a face in %(input)s. Use a portrait where the face is clearly "
          "visible.")),
    "fewer_than_two_faces": (
        "lipsync-image-multi: the image shows fewer than two faces.",
        _("We could not find two faces in %(input)s. Use a picture where both faces are "
          "clearly visible.")),
    "mask_misses_face": (
        "The mask image leaves every speaker's lips outside its white area.",
        _("The mask leaves the lips outside its white area. Paint the mouth white in the mask "
          "image.")),
    "input_unreachable": (
        "An input URL could not be downloaded (connection, HTTP error, timeout, unknown upload).",
        _("We could not download %(input)s. Check that its URL is public and try again.")),
    "input_not_allowed": (
        "An input URL points at an address this server may not fetch (private network).",
        _("We may not download %(input)s: its address is not a public one.")),
    "input_not_media": (
        "An input is not media of the expected kind that can be read (or is the wrong upload "
        "kind).",
        _("We could not read %(input)s. Use a supported file of the right kind.")),
    "input_empty": (
        "An input is empty: no bytes, no sound or no frames.",
        _("We could not use %(input)s: it is empty or has no sound.")),
    "input_too_large": (
        "An input is larger than the server's byte or pixel limit.",
        _("We could not use %(input)s: it is larger than the limit.")),
    "input_too_long": (
        "The output would be longer than the server's maximum job length "
        "(LIPSYNC_MAX_JOB_SECONDS).",
        _("We could not use %(input)s: the video would be longer than this server allows.")),
    "insufficient_credits": (
        "The balance was below the job's price once its inputs were measured.",
        _("There were not enough credits for this video's length. Buy credits and try again.")),
    "cancelled": (
        "The job was cancelled (API, studio or support).",
        _("This job was cancelled.")),
    "timeout": (
        "Rendering took longer than the job's time limit.",
        _("Making the video took longer than its time limit. Try a shorter clip or 480p.")),
    "worker_lost": (
        "The worker running the job stopped unexpectedly, twice.",
        _("The server making this video stopped unexpectedly. Submit it again.")),
    "internal": (
        "An internal error; try again, and contact support if it keeps happening.",
        _("An internal error stopped this job. Try again, and contact support if it keeps "
          "happening.")),
}

INPUT_WORDS = {
    "video": _("the video"), "image": _("the image"), "audio": _("the audio"),
    "left_audio": _("the left audio"), "right_audio": _("the right audio"),
    "mask_image": _("the mask image"),
}

# media_intake's InputError.reason -> code
_REASON_CODES = {
    "download_failed": "input_unreachable", "timeout": "input_unreachable",
    "not_found": "input_unreachable", "not_allowed": "input_not_allowed",
    "too_large": "input_too_large", "too_long": "input_too_long", "empty": "input_empty",
}


@dataclass(frozen=True)
class Failure:
    code: str
    input: str = ""  # the formState field it concerns, e.g. "left_audio"


def input_failure(field: str, reason: str) -> Failure:
    """The failure of an InputError (media_intake) or EngineInputError (its `code`)."""
    code = reason if reason in CATALOG else _REASON_CODES.get(reason, "input_not_media")
    return Failure(code, field.removeprefix("formState."))


def failure_message(job) -> str:
    """A failed job's failure in the active language, naming the input in words."""
    _meaning, message = CATALOG.get(job.error_code, CATALOG["internal"])
    word = INPUT_WORDS.get(job.error_input) or gettext("the input")
    return str(message) % {"input": word}
