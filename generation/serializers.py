"""Request bodies of the three modes (contract: "Request body" and "formState") and the one
rendering of the job object (GET /jobs/{id}, the job list, webhook bodies, the OpenAPI schema)."""

from urllib.parse import urlsplit

from django.conf import settings
from rest_framework import serializers

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


class MediaUrlField(serializers.CharField):
    """A public http(s) URL of an input, or the URL of one of the caller's uploads."""

    default_error_messages = {
        "scheme": "Must be an http or https URL.",
        "host": "Must be an absolute URL with a host name.",
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
        return url


class WebhookUrlField(MediaUrlField):
    default_error_messages = {
        "https": "Must be an https URL (plain http is not allowed on this server).",
    }

    def to_internal_value(self, data):
        url = super().to_internal_value(data)
        if urlsplit(url).scheme != "https" and not settings.LIPSYNC_ALLOW_HTTP_WEBHOOKS:
            self.fail("https")
        return url


class CommonFormState(StrictSerializer):
    resolution = serializers.ChoiceField(choices=["480p", "720p"], default="480p")
    mask_image = MediaUrlField(required=False)
    prompt = serializers.CharField(max_length=MAX_PROMPT_LENGTH, required=False, allow_blank=True,
                                   default="")
    seed = serializers.IntegerField(required=False, allow_null=True, default=None,
                                    min_value=-1, max_value=2**31 - 1)


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
    order = serializers.ChoiceField(choices=["meanwhile", "left_right", "right_left"],
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
        webhook = WebhookUrlField(required=False, allow_blank=True, default="")
        formState = FORM_STATES[mode]()  # noqa: N815 (the contract's name)

    SubmissionSerializer.__name__ = f"{FORM_STATES[mode].__name__.replace('FormState', '')}Request"
    return SubmissionSerializer


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
    credits = serializers.IntegerField(allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField())
    createdAt = IsoSecondsField(source="created_at")  # noqa: N815
    completedAt = IsoSecondsField(source="completed_at", allow_null=True)  # noqa: N815


def job_object(job) -> dict:
    """The job object of one job, as the API and webhooks send it."""
    return JobObjectSerializer(job).data
