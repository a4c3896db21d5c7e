from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy

from support.admin_actions import with_reason
from support.models import StaffActionKind
from support.services import staff_action_record
from webhooks.models import Attempt, Delivery
from webhooks.services import delivery_redeliver


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ("number", "started_at", "status_code", "duration_ms", "succeeded", "error",
              "response_excerpt")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("number",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Support view of the delivery log: read-only (attempts are history), redeliverable."""

    list_display = ("id", "owner", "event", "job", "url", "status", "attempt_count",
                    "next_attempt_at", "created_at")
    list_filter = ("status", "event")
    search_fields = ("=id", "=job__id", "message_id", "owner__email", "url")
    list_select_related = ("owner", "job")
    fields = ("id", "owner", "event", "job", "url", "message_id", "status", "attempt_count",
              "next_attempt_at", "redelivery_of", "created_at", "finished_at", "body")
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ["redeliver"]

    @admin.display(description="body")
    def body(self, obj: Delivery) -> str:
        return obj.payload_text

    @with_reason(name="redeliver", description=gettext_lazy("Redeliver selected deliveries"),
                 question=gettext_lazy("Send these webhooks again, with the same body and "
                                       "webhook-id, as new deliveries?"),
                 button=gettext_lazy("Redeliver"), permission="webhooks.change_delivery")
    def redeliver(self, request, queryset, reason):
        finished = [delivery for delivery in queryset.select_related("owner", "job")
                    if delivery.is_finished]
        for delivery in finished:
            with transaction.atomic():
                new = delivery_redeliver(delivery=delivery)
                staff_action_record(staff_user=request.user,
                                    action=StaffActionKind.DELIVERY_REDELIVER, target=delivery,
                                    reason=reason, details={"new_delivery": str(new.pk)})
        skipped = queryset.count() - len(finished)
        self.message_user(request, f"Queued {len(finished)} redeliveries.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"Skipped {skipped} still being retried.",
                              messages.WARNING)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
