"""Per-account rate limits in Redis: job submissions and all other API requests. They count per
account, not per key: twenty keys do not buy twenty times the rate.

Each limit is a sliding window approximated by two fixed-window counters (this window's and
the previous one's, weighted by how much of it still overlaps the last `duration` seconds): one
Redis round trip per request (INCR, EXPIRE and GET in one pipeline), where DRF's own throttle
reads and rewrites a list of every request's timestamp in two.
"""

import math
from functools import lru_cache

import redis
from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from lipsync_site.client_ip import client_ip


@lru_cache(maxsize=4)
def _redis_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


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

    def get_ident(self, request) -> str:
        # DRF's own reads X-Forwarded-For from anyone; only a trusted proxy's counts here.
        return client_ip(request)

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window, position = divmod(now / self.duration, 1)
        current, previous = f"lipsync:{key}:{int(window)}", f"lipsync:{key}:{int(window) - 1}"
        client = _redis_for(settings.REDIS_URL)
        pipeline = client.pipeline(transaction=False)
        pipeline.incr(current)
        pipeline.expire(current, 2 * self.duration)
        pipeline.get(previous)
        count, _, before = pipeline.execute()
        before = int(before or 0)
        if count + before * (1 - position) <= self.num_requests:
            return True
        client.decr(current)  # a refused request does not use up the budget
        self._wait = self._seconds_until_room(count - 1, before, position)
        return False

    def _seconds_until_room(self, count: int, before: int, position: float) -> float:
        """When one more request fits: the previous window's weight has to shrink enough,
        or, if this window alone is full, this window has to end."""
        room = self.num_requests - 1 - count
        if before and room >= 0:
            return max(1, math.ceil((1 - room / before - position) * self.duration))
        return max(1, math.ceil((1 - position) * self.duration))

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class SubmitRateThrottle(_PerAccountThrottle):
    """Job submissions (POST to the three modes)."""

    scope = "submit"


class ApiRateThrottle(_PerAccountThrottle):
    """Every other API request."""

    scope = "api"
