from django.contrib import admin

from support.models import StaffAction


@admin.register(StaffAction)
class StaffActionAdmin(admin.ModelAdmin):
    """Who did what to which customer object, and why: read-only, like the ledger."""

    list_display = ("created_at", "staff_user", "action", "target_repr", "reason")
    list_filter = ("action", ("created_at", admin.DateFieldListFilter))
    search_fields = ("target_id", "target_repr", "reason", "staff_user__email")
    list_select_related = ("staff_user",)
    date_hierarchy = "created_at"
    fields = ("created_at", "staff_user", "action", "target_type", "target_id", "target_repr",
              "reason", "details")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
