"""Run a real RQ worker process against the test database and the test Redis."""

import os
import signal
import subprocess
import sys
import time
from urllib.parse import quote

from django.conf import settings
from django.db import connection


def test_database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(**extra: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "LIPSYNC_ENGINE": settings.LIPSYNC_ENGINE,
        **extra,
    }


def run_burst_worker(*queues: str, timeout: float = 120, **extra_env: str):
    """Process every job queued on `queues`, then exit (rqworker --burst)."""
    return subprocess.run(
        [sys.executable, "manage.py", "rqworker", "--burst", *queues],
        cwd=settings.BASE_DIR,
        env=worker_env(**extra_env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_for(predicate, timeout_s: float = 5.0) -> bool:
    ends = time.monotonic() + timeout_s
    while time.monotonic() < ends:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def start_worker(*queues: str, **extra_env: str) -> subprocess.Popen:
    """A long-running worker process in its own process group: stop it with kill_worker."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", *queues], cwd=settings.BASE_DIR,
        env=worker_env(**extra_env), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def kill_worker(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and anything it started, as a lost machine would end it."""
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
