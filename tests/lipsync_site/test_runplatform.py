"""`make run`'s start-up: a service that cannot be reached is one clear line, not a traceback."""

import os
import subprocess
import sys

from django.conf import settings


def _runplatform(tmp_path, **env):
    return subprocess.run(
        [sys.executable, "manage.py", "runplatform", "--no-worker"],
        env={**os.environ, "LIPSYNC_VAR_DIR": str(tmp_path), **env},
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60,
    )


def test_unreachable_redis_is_named_with_the_fix(tmp_path):
    result = _runplatform(tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "Redis at REDIS_URL=redis://127.0.0.1:1/0 is unreachable" in result.stderr
    assert "unset REDIS_URL to use the embedded one" in result.stderr


def test_unreachable_database_is_named_without_its_password(tmp_path):
    result = _runplatform(
        tmp_path, DATABASE_URL="postgres://app:hunter2@127.0.0.1:1/lipsync"
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "DATABASE_URL=postgres://app:***@127.0.0.1:1/lipsync is unreachable" in result.stderr
    assert "hunter2" not in result.stderr
