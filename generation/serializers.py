"""Request bodies of the three modes (contract: "Request body" and "formState") and the one
rendering of the job object (GET /jobs/{id}, the job list, webhook bodies, the OpenAPI schema)."""

import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from generation.failures import CATALOG
from generation.models import Mode, Status
from generation.outputs import output_url

MAX_URL_LENGTH = 2000
MAX_PROMPT_LENGTH = 2000


class StrictSerializer(serializers.Serializer):
    """Rejects fields it does not know, naming them (catches typos such as `resolutoin`)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field; check its spelling."] for name in unknown}
                )
        return super().to_internal_value(data)


class StringsOnly:
    """A text field that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class NullMeansAbsent:
    """JSON clients send `null` for an optional field they leave out: the contract treats it as
    absent (the field's default, or no value at all)."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)

    def validate_empty_values(self, data):
        return super().validate_empty_values(empty if data is None else data)


# What the schema says a URL is (the server also refuses private addresses, which no schema can
# express): http(s), a host name or IPv4 address (labels of 1-63 characters), an optional port
# (1-65535), then printable ASCII with no spaces.
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PORT = r"([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
URL_PATTERN = rf"^https?://{_LABEL}(\.{_LABEL})*(:{_PORT})?(/[!-~]*)?$"
NO_NUL_PATTERN = r"^[^\x00]*$"


@extend_schema_field({"type": "string", "pattern": URL_PATTERN, "maxLength": MAX_URL_LENGTH})
class MediaUrlField(StringsOnly, serializers.CharField):
    """A public http(s) URL of an input, or the URL of one of the caller's uploads."""

    default_error_messages = {
        "scheme": "Must be an http or https URL.",
        "host": "Must be an absolute URL with a host name.",
        "shape": "Must be a URL such as https://example.com/voice.mp3 (no spaces or other "
                 "characters that need escaping).",
    }

    def __init__(self, **kwargs):
        super().__init__(max_length=MAX_URL_LENGTH, **kwargs)

    def to_internal_value(self, data):
        url = super().to_internal_value(data).strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            self.fail("scheme")
        if not parts.hostname:
            self.fail("host")
        if not re.fullmatch(URL_PATTERN, url) and not _is_ipv6_literal(parts):
            self.fail("shape")
        return url


def _is_ipv6_literal(parts) -> bool:
    """[::1]-style hosts, left to the address checks (which name loopback and private ones)."""
    try:
        return ipaddress.ip_address(parts.hostname).version == 6
    except ValueError:
        return False


class WebhookUrlField(MediaUrlField):
    default_error_messages = {
        "https": "Must be an https URL (plain http is not allowed on this server).",
    }

    def to_internal_value(self, data):
        url = super().to_internal_value(data)
        if urlsplit(url).scheme != "https" and not settings.LIPSYNC_ALLOW_HTTP_WEBHOOKS:
            self.fail("https")
        return url


class OptionalMediaUrlField(NullMeansAbsent, MediaUrlField):
    pass


class OptionalWebhookUrlField(NullMeansAbsent, WebhookUrlField):
    pass


class OptionalChoiceField(NullMeansAbsent, serializers.ChoiceField):
    pass


@extend_schema_field({"type": "string", "pattern": NO_NUL_PATTERN,
                      "maxLength": MAX_PROMPT_LENGTH})
class OptionalCharField(NullMeansAbsent, StringsOnly, serializers.CharField):
    pass


class OptionalIntegerField(NullMeansAbsent, serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):  # not "5", 5.0 or true
            self.fail("invalid")
        return super().to_internal_value(data)


class CommonFormState(StrictSerializer):
    resolution = OptionalChoiceField(choices=["480p", "720p"], default="480p")
    mask_image = OptionalMediaUrlField(required=False)
    prompt = OptionalCharField(max_length=MAX_PROMPT_LENGTH, required=False, allow_blank=True,
                               default="")
    seed = OptionalIntegerField(required=False, default=None, min_value=-1,
                                max_value=2**31 - 1)


class VideoFormState(CommonFormState):
    video = MediaUrlField()
    audio = MediaUrlField()


class ImageFormState(CommonFormState):
    image = MediaUrlField()
    audio = MediaUrlField()


class ImageMultiFormState(CommonFormState):
    image = MediaUrlField()
    left_audio = MediaUrlField()
    right_audio = MediaUrlField()
    order = OptionalChoiceField(choices=["meanwhile", "left_right", "right_left"],
                                default="meanwhile")


FORM_STATES = {
    Mode.VIDEO: VideoFormState,
    Mode.IMAGE: ImageFormState,
    Mode.IMAGE_MULTI: ImageMultiFormState,
}

# formState fields that name an input file, with the kind of media each must be.
MEDIA_FIELDS = {
    "video": "video", "image": "image", "audio": "audio", "left_audio": "audio",
    "right_audio": "audio", "mask_image": "image",
}


def submission_serializer(mode: str) -> type[serializers.Serializer]:
    class SubmissionSerializer(StrictSerializer):
        webhook = OptionalWebhookUrlField(required=False, allow_blank=True, default="")
        formState = FORM_STATES[mode]()  # noqa: N815 (the contract's name)

    SubmissionSerializer.__name__ = f"{FORM_STATES[mode].__name__.replace('FormState', '')}Request"
    return SubmissionSerializer


def estimate_serializer() -> type[serializers.Serializer]:
    """POST /estimate: a submit's body plus `model` (formState is checked per model after)."""

    class EstimateRequest(StrictSerializer):
        model = serializers.ChoiceField(choices=Mode.values)
        webhook = OptionalWebhookUrlField(required=False, allow_blank=True, default="")
        formState = serializers.DictField(  # noqa: N815 (the contract's name)
            help_text="The formState of the model's submit.")

    return EstimateRequest


class IsoSecondsField(serializers.DateTimeField):
    """The contract's timestamps: UTC to the second with a "Z", e.g. 2026-11-25T12:00:00Z."""

    def to_representation(self, value) -> str:
        return value.isoformat(timespec="seconds").replace("+00:00", "Z")


class OutputUrlField(serializers.URLField):
    """The signed URL of a completed job's video; null for any other job."""

    def to_representation(self, job) -> str | None:
        return output_url(job) if job.status == Status.COMPLETED else None


class FinishedTimingsField(serializers.DictField):
    """Milliseconds per stage once the job has finished; null before."""

    def to_representation(self, job) -> dict | None:
        return job.timings if job.is_finished else None


class ErrorCodeField(serializers.ChoiceField):
    """The failure's code from generation/failures.py's catalog; null unless failed."""

    def __init__(self, **kwargs):
        super().__init__(choices=list(CATALOG), **kwargs)

    def to_representation(self, job) -> str | None:
        if job.status != Status.FAILED:
            return None
        return job.error_code or "internal"


class RoundedProgressField(serializers.FloatField):
    def to_representation(self, value) -> float:
        return round(value, 3)


# The contract's job object: the GET body, each item of the list and, byte for byte, the webhook
# body. The class name gives the schema's "JobObject" component.
class JobObjectSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    model = serializers.ChoiceField(choices=Mode.values)
    status = serializers.ChoiceField(choices=["processing", "completed", "failed"],
                                     source="public_status")
    output = OutputUrlField(source="*", allow_null=True,
                            help_text="Signed URL of the MP4; expires.")
    error = serializers.CharField(allow_blank=True)
    executionTime = serializers.IntegerField(source="execution_ms", allow_null=True,  # noqa: N815
                                             help_text="ms")
    timings = FinishedTimingsField(source="*", child=serializers.IntegerField(), allow_null=True)
    progress = RoundedProgressField()
    credits = serializers.IntegerField(
        source="credits_charged", allow_null=True,
        help_text="What the job is charged: the hold while it runs, the price once completed, "
                  "0 once failed or cancelled; null until priced.")
    warnings = serializers.ListField(child=serializers.CharField())
    errorCode = ErrorCodeField(source="*", allow_null=True,  # noqa: N815
                               help_text="null unless failed; see the API guide's catalog.")
    createdAt = IsoSecondsField(source="created_at")  # noqa: N815
    completedAt = IsoSecondsField(source="completed_at", allow_null=True)  # noqa: N815
    expiresAt = IsoSecondsField(source="output_expires", allow_null=True,  # noqa: N815
                                help_text="When `output` stops working; null without an output.")


def job_object(job) -> dict:
    """The job object of one job, as the API and webhooks send it."""
    return JobObjectSerializer(job).data
