from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apikeys.models import ApiKey
from apikeys.services import api_key_revoke
from support.admin_actions import with_reason
from support.models import StaffActionKind
from support.services import staff_action_record


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

    @admin.display(description=gettext_lazy("state"))
    def state(self, obj: ApiKey) -> str:
        return _("active") if obj.is_active else _("revoked")

    @with_reason(name="revoke_keys", description=gettext_lazy("Revoke selected keys"),
                 question=gettext_lazy("Revoke these API keys? Every program that uses them gets "
                                       "401 errors from now on; this cannot be undone."),
                 button=gettext_lazy("Revoke the keys"), permission="apikeys.change_apikey")
    def revoke_keys(self, request, queryset, reason):
        active = list(queryset.filter(revoked_at__isnull=True))
        for api_key in active:
            with transaction.atomic():
                api_key_revoke(api_key=api_key)
                staff_action_record(staff_user=request.user, action=StaffActionKind.KEY_REVOKE,
                                    target=api_key, reason=reason)
        self.message_user(request, _("Revoked %(count)d key(s).") % {"count": len(active)},
                          messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        return False
