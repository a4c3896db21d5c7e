"""What staff did to customers' jobs and money, with who and why (append-only)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class StaffActionKind(models.TextChoices):
    JOB_CANCEL = "job_cancel", _("Cancelled a job")
    JOB_RETRY = "job_retry", _("Retried a failed job")
    JOB_REFUND = "job_refund", _("Refunded a job")
    KEY_REVOKE = "key_revoke", _("Revoked an API key")
    DELIVERY_REDELIVER = "delivery_redeliver", _("Redelivered a webhook")


class StaffAction(models.Model):
    """One support action: the staff user, what they did, to what, and the reason they gave.

    The target is stored by its model label and primary key (plus a readable name), so the
    record outlives the object and can point at any model.
    """

    staff_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="staff_actions")
    action = models.CharField(max_length=32, choices=StaffActionKind.choices)
    target_type = models.CharField(max_length=100)  # "generation.job"
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=200)
    reason = models.TextField()
    # What the action produced, e.g. {"new_job": "<id>"} for a retry, {"credits": 20} for a refund.
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="support_action_has_reason"),
            models.CheckConstraint(condition=Q(action__in=StaffActionKind.values),
                                   name="support_action_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.target_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Staff actions are append-only; record a new action instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Staff actions are append-only; record a new action instead.")
