"""Per-account rate limits on the Redis cache: job submissions and all other API requests. They
count per account, not per key: twenty keys do not buy twenty times the rate."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class _PerAccountThrottle(SimpleRateThrottle):
    """Counts per account: every key of a user and their browser session share one count."""

    def get_rate(self) -> str:
        # Read at request time (not import time) so operators and tests can change it.
        return settings.LIPSYNC_RATE_LIMITS[self.scope]

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return f"throttle:{self.scope}:{ident}"


class SubmitRateThrottle(_PerAccountThrottle):
    """Job submissions (POST to the three modes)."""

    scope = "submit"


class ApiRateThrottle(_PerAccountThrottle):
    """Every other API request."""

    scope = "api"
