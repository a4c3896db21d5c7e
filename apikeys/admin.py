from django.contrib import admin, messages

from apikeys.models import ApiKey
from apikeys.services import api_key_revoke


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Support view of keys: never the secret or its hash, and keys are made by their owners."""

    list_display = ("masked", "owner", "name", "state", "created_at", "last_used_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("key_id", "name", "owner__email")
    list_select_related = ("owner",)
    fields = ("masked", "owner", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke_keys"]

    @admin.display(description="state")
    def state(self, obj: ApiKey) -> str:
        return "active" if obj.is_active else "revoked"

    @admin.action(description="Revoke selected keys")
    def revoke_keys(self, request, queryset):
        for api_key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(api_key=api_key)
        self.message_user(request, "Revoked.", messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        return False
