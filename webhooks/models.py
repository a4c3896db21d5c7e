import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

SECRET_PREFIX = "whsec_"


class SigningSecret(models.Model):
    """The account's Standard Webhooks signing secret `whsec_<base64>`, created on first use.

    Stored in the clear: signing needs it, and it is only as sensitive as the webhooks it signs.
    """

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="webhook_signing_secret")
    secret = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(secret__startswith=SECRET_PREFIX),
                                   name="webhooks_signingsecret_prefix"),
        ]

    def __str__(self) -> str:
        return f"signing secret of {self.owner_id}"

    @property
    def masked(self) -> str:
        return f"{SECRET_PREFIX}...{self.secret[-4:]}"


class Event(models.TextChoices):
    JOB_FINISHED = "job.finished", "Job finished"
    TEST = "test", "Test event"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One message to one URL, tried until a 2xx answer or the retry schedule runs out.

    `payload` holds the exact bytes sent, so every attempt (and a redelivery) sends the same body.
    `message_id` is the `webhook-id` header: stable across retries and shared by a redelivery,
    so receivers can drop duplicates. A pending delivery's `next_attempt_at` says when it is
    due; while an attempt runs it is pushed past the attempt's timeout (the claim's lease).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="webhook_deliveries")
    job = models.ForeignKey("generation.Job", on_delete=models.CASCADE, null=True, blank=True,
                            related_name="webhook_deliveries")
    event = models.CharField(max_length=32, choices=Event.choices)
    message_id = models.CharField(max_length=64)
    url = models.CharField(max_length=2000)
    payload = models.BinaryField()
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    redelivery_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="redeliveries")
    # "job:<job id>" for the delivery a finished job triggers, so it is created once even if
    # the signal is sent twice; NULL (not unique) for test events and redeliveries.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True,  # noqa: DJ001
                                       unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=[s.value for s in DeliveryStatus]),
                                   name="webhooks_delivery_status_valid"),
            models.CheckConstraint(condition=Q(event__in=[e.value for e in Event]),
                                   name="webhooks_delivery_event_valid"),
            # Pending deliveries always have a due time; finished ones never do.
            models.CheckConstraint(
                condition=(Q(status=DeliveryStatus.PENDING, next_attempt_at__isnull=False)
                           | (~Q(status=DeliveryStatus.PENDING)
                              & Q(next_attempt_at__isnull=True))),
                name="webhooks_delivery_due_iff_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.url} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status != DeliveryStatus.PENDING

    @property
    def payload_text(self) -> str:
        return bytes(self.payload).decode("utf-8", errors="replace")


class Attempt(models.Model):
    """One POST of a delivery, as it went. Append-only."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    succeeded = models.BooleanField()
    error = models.TextField(blank=True)
    # The first bytes of the answer's body (decoded leniently), for debugging a receiver.
    response_excerpt = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"],
                                    name="webhooks_attempt_number_unique"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"
