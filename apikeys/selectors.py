from django.shortcuts import get_object_or_404

from apikeys.models import ApiKey


def api_key_list(*, owner):
    return ApiKey.objects.filter(owner=owner)


def api_keys_active_count(*, owner) -> int:
    return ApiKey.objects.filter(owner=owner, revoked_at__isnull=True).count()


def api_key_get_owned(*, owner, key_id: str) -> ApiKey:
    """The owner's key, or 404: another user's key looks exactly like a missing one."""
    return get_object_or_404(ApiKey, owner=owner, key_id=key_id)


def api_key_find(*, key_id: str) -> ApiKey | None:
    return ApiKey.objects.select_related("owner").filter(key_id=key_id).first()
