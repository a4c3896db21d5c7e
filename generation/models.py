import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Mode(models.TextChoices):
    """The three endpoints; the value is the job's public `model` field."""

    VIDEO = "lipsync-video", _("Video + new audio")
    IMAGE = "lipsync-image", _("Portrait + audio")
    IMAGE_MULTI = "lipsync-image-multi", _("Two people + two audios")


class Status(models.TextChoices):
    """Internal states; the API shows queued and running as the contract's `processing`."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


FINISHED = (Status.COMPLETED, Status.FAILED)


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="jobs")
    # Which ledger pays: "api" (submitted with an API key) or "user" (the browser dashboard).
    ledger = models.CharField(max_length=8)
    api_key = models.ForeignKey("apikeys.ApiKey", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="jobs")
    model = models.CharField(max_length=32, choices=Mode.choices)
    form_state = models.JSONField()
    webhook = models.URLField(max_length=2000, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    # Why a failed job failed: a code of generation/failures.py's catalog (the API's errorCode)
    # and the formState input it concerns ("image", "left_audio"; "" for none), from which the
    # site words the failure in the reader's language.
    error_code = models.CharField(max_length=40, blank=True)
    error_input = models.CharField(max_length=20, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    timings = models.JSONField(null=True, blank=True)
    sync_report = models.JSONField(null=True, blank=True)
    billed_seconds = models.FloatField(null=True, blank=True)
    credits = models.PositiveIntegerField(null=True, blank=True)
    output = models.CharField(max_length=300, blank=True)  # storage name of the MP4
    output_duration = models.FloatField(null=True, blank=True)
    output_expires_at = models.DateTimeField(null=True, blank=True)
    execution_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    # Worker liveness: refreshed while a worker runs the job; a stale one means the worker died.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Storage names of the fetched inputs by formState field, kept between the prepare and
    # render stages (which may run on different machines) and deleted when the job ends.
    input_files = models.JSONField(default=dict, blank=True)
    media_info = models.JSONField(default=dict, blank=True)
    # NULL, not "", when absent: the unique constraint below applies to given keys only.
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    request_fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["owner", "idempotency_key"],
                                    condition=Q(idempotency_key__isnull=False),
                                    name="generation_job_idempotency_key_unique"),
            models.CheckConstraint(condition=Q(progress__gte=0) & Q(progress__lte=1),
                                   name="generation_job_progress_0_1"),
            models.CheckConstraint(condition=Q(status__in=[s.value for s in Status]),
                                   name="generation_job_status_valid"),
            models.CheckConstraint(condition=Q(ledger__in=["api", "user"]),
                                   name="generation_job_ledger_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.id}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def public_status(self) -> str:
        return self.status if self.is_finished else "processing"

    @property
    def credits_charged(self) -> int | None:
        """What the job costs its owner: the hold while it runs, the price once completed,
        0 once failed or cancelled (the hold was released)."""
        return 0 if self.status == Status.FAILED else self.credits

    @property
    def output_expires(self):
        """When the output URL stops working; None unless there is an output."""
        if self.status != Status.COMPLETED or not self.output:
            return None
        return self.output_expires_at


class UploadKind(models.TextChoices):
    IMAGE = "image", _("Image")
    AUDIO = "audio", _("Audio")
    VIDEO = "video", _("Video")


class Upload(models.Model):
    """A media file uploaded through the API or the studio; usable in formState by its URL."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="uploads")
    kind = models.CharField(max_length=8, choices=UploadKind.choices)
    file = models.FileField(upload_to="uploads/%Y/%m/")
    original_name = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField()
    info = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} upload {self.id}"
