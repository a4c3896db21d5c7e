"""Reachability checks for the services the platform needs, shared by /healthz and start-up."""

from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection
from django.db.utils import Error as DatabaseError


@dataclass(frozen=True)
class ServiceState:
    name: str
    ok: bool
    detail: str  # for the operator's console and logs only: errors name hosts and users

    @property
    def word(self) -> str:
        """What /healthz shows: anyone can read it, so nothing but ok or down."""
        return "ok" if self.ok else "down"


def database_state() -> ServiceState:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return ServiceState("database", False, _first_line(exc))
    return ServiceState("database", True, connection.vendor)


def redis_state(url: str | None = None) -> ServiceState:
    try:
        client = redis.Redis.from_url(url or settings.REDIS_URL, socket_timeout=2,
                                      socket_connect_timeout=2)
        client.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        return ServiceState("redis", False, _first_line(exc))
    return ServiceState("redis", True, "ping ok")


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
