from django.conf import settings
from django.db import models
from django.db.models import Q

KEY_PREFIX = "sk_"


class ApiKey(models.Model):
    """A named API key `sk_<key_id>_<secret>`.

    Only a keyed hash of the secret is stored (see apikeys/secrets.py): one indexed lookup by
    key_id and one HMAC per request, so no slow password hasher on the hot path.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="api_keys")
    name = models.CharField(max_length=100, blank=True)
    key_id = models.CharField(max_length=8, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"
        constraints = [
            models.CheckConstraint(condition=Q(key_id__regex=r"^[a-z0-9]{8}$"),
                                   name="apikeys_key_id_format"),
            models.CheckConstraint(condition=Q(secret_hash__regex=r"^[0-9a-f]{64}$"),
                                   name="apikeys_secret_hash_format"),
        ]

    def __str__(self) -> str:
        return f"{self.masked} ({self.name})" if self.name else self.masked

    @property
    def masked(self) -> str:
        return f"{KEY_PREFIX}{self.key_id}_..."

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
