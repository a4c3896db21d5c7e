"""Failed-login throttling on the shared cache (Redis).

Failures are counted per e-mail address and per client address within
LOGIN_FAILURE_WINDOW_SECONDS; once the e-mail count reaches LOGIN_FAILURE_LIMIT, or the address
count LOGIN_FAILURE_LIMIT_PER_IP (higher: offices share an address), further attempts are refused
until the window ends. Counting both stops guessing against one account and spraying one password
across many accounts. A success clears the e-mail count only, so an attacker cannot reset the
address count by logging into an account of their own.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from lipsync_site.client_ip import client_ip


def _email_key(email: str) -> str:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"login-fail:email:{digest}"


def _ip_key(client_ip: str) -> str:
    return f"login-fail:ip:{client_ip}"


def is_locked(*, email: str, client_ip: str) -> bool:
    limits = {
        _email_key(email): settings.LOGIN_FAILURE_LIMIT,
        _ip_key(client_ip): settings.LOGIN_FAILURE_LIMIT_PER_IP,
    }
    counts = cache.get_many(list(limits))
    return any(count >= limits[key] for key, count in counts.items())


def record_failure(*, email: str, client_ip: str) -> None:
    for key in (_email_key(email), _ip_key(client_ip)):
        # add() starts the window on the first failure; incr() keeps its expiry.
        if not cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add() and incr()
                cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def reset_email(*, email: str) -> None:
    cache.delete(_email_key(email))


def lockout_minutes() -> int:
    return max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)


def client_ip_of(request) -> str:
    # The connection's address, or X-Forwarded-For from a trusted proxy only (see client_ip).
    return client_ip(request)
