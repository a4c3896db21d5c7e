"""Per-key rate limits on the Redis cache: job submissions and all other API requests."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from lipsync_site.client_ip import client_ip


class _PerKeyThrottle(SimpleRateThrottle):
    """Counts per API key; browser-session calls count per user."""

    def get_rate(self) -> str:
        # Read at request time (not import time) so operators and tests can change it.
        return settings.LIPSYNC_RATE_LIMITS[self.scope]

    def get_cache_key(self, request, view) -> str | None:
        if request.auth is not None and hasattr(request.auth, "key_id"):
            ident = f"key:{request.auth.key_id}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return f"throttle:{self.scope}:{ident}"

    def get_ident(self, request) -> str:
        # DRF's own reads X-Forwarded-For from anyone; only a trusted proxy's counts here.
        return client_ip(request)


class SubmitRateThrottle(_PerKeyThrottle):
    """Job submissions (POST to the three modes)."""

    scope = "submit"


class ApiRateThrottle(_PerKeyThrottle):
    """Every other API request."""

    scope = "api"
