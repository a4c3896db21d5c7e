from django.db import models
from django.db.models import QuerySet

from support.models import StaffAction


def staff_actions_of(*, target: models.Model) -> QuerySet[StaffAction]:
    return StaffAction.objects.filter(target_type=target._meta.label_lower,
                                      target_id=str(target.pk)).select_related("staff_user")
