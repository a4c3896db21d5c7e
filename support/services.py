"""Recording staff actions; called in the same transaction as the change they explain."""

from django.db import models

from support.models import StaffAction, StaffActionKind

REASON_MAX_LENGTH = 1000


def staff_action_record(*, staff_user, action: str, target: models.Model, reason: str,
                        details: dict | None = None) -> StaffAction:
    """Record that `staff_user` did `action` to `target` because of `reason`.

    Raises ValueError for a non-staff user, an unknown action or an empty reason, so that an
    action can never be recorded without who and why.
    """
    if staff_user is None or not staff_user.is_staff:
        raise ValueError("Staff actions are recorded for staff users only.")
    if action not in StaffActionKind.values:
        raise ValueError(f"Unknown staff action {action!r}.")
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("A reason is required for every staff action.")
    return StaffAction.objects.create(
        staff_user=staff_user, action=action, target_type=target._meta.label_lower,
        target_id=str(target.pk), target_repr=str(target)[:200],
        reason=reason[:REASON_MAX_LENGTH], details=details or {},
    )
