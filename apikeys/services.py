from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.locks import user_lock
from apikeys import secrets as keys
from apikeys.errors import TooManyApiKeys
from apikeys.models import ApiKey
from apikeys.selectors import api_keys_active_count

# last_used_at is written at most this often per key, so a busy key costs no write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_key_create(*, owner, name: str = "") -> tuple[ApiKey, str]:
    """Create a key; returns the row and the full key string, which is never available again.
    Raises TooManyApiKeys when the owner has LIPSYNC_MAX_API_KEYS active keys already."""
    secret = keys.new_secret()
    for _ in range(5):  # key ids are random; retry the rare collision
        key_id = keys.new_key_id()
        try:
            with transaction.atomic():
                _require_key_slot(owner)
                api_key = ApiKey.objects.create(
                    owner=owner, name=name.strip(), key_id=key_id,
                    secret_hash=keys.hash_secret(secret),
                )
        except IntegrityError:
            continue
        return api_key, keys.format_key(key_id, secret)
    raise RuntimeError("could not find a free API key id")


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Idempotent: revoking twice keeps the first revocation time."""
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


def api_key_mark_used(*, api_key: ApiKey) -> None:
    now = timezone.now()
    if api_key.last_used_at is not None and api_key.last_used_at >= now - LAST_USED_RESOLUTION:
        return  # the row just read says it is recent: no query at all on the hot path
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    if ApiKey.objects.filter(stale, pk=api_key.pk).update(last_used_at=now):
        api_key.last_used_at = now


def _require_key_slot(owner) -> None:
    user_lock(owner.pk)  # two creations at once cannot both pass the limit
    maximum = settings.LIPSYNC_MAX_API_KEYS
    if api_keys_active_count(owner=owner) >= maximum:
        raise TooManyApiKeys(maximum)
