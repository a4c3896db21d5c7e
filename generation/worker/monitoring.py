"""What a worker stage needs around the engine: liveness, progress, cancel checks and timings."""

import threading
import time
from contextlib import contextmanager

from django.db import close_old_connections, connection

from generation import services

HEARTBEAT_INTERVAL_SECONDS = 10.0


@contextmanager
def heartbeat(job_id):
    """Refresh the job's heartbeat from a thread while the stage runs. A SIGKILLed worker stops
    beating, which is how the reaper knows to take the job back (generation/worker/reaper.py)."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(HEARTBEAT_INTERVAL_SECONDS):
                services.job_heartbeat(job_id=job_id)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


class ProgressReporter:
    """Engine progress (0..1) mapped onto the job's share [start, end], written at most every
    `interval` seconds so that per-frame callbacks cost no query each."""

    def __init__(self, job_id, *, start: float, end: float, interval: float = 0.5):
        self.job_id, self.start, self.end, self.interval = job_id, start, end, interval
        self._last_write = 0.0

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if now - self._last_write < self.interval and fraction < 1.0:
            return
        self._last_write = now
        value = self.start + (self.end - self.start) * min(1.0, max(0.0, fraction))
        services.job_progress_set(job_id=self.job_id, progress=value)


class CancelCheck:
    """`should_cancel()` for the engine: asks the database at most once per `interval`."""

    def __init__(self, job_id, *, interval: float = 1.0):
        self.job_id, self.interval = job_id, interval
        self._last_check = 0.0
        self._cancelled = False

    def __call__(self) -> bool:
        now = time.monotonic()
        if not self._cancelled and now - self._last_check >= self.interval:
            self._last_check = now
            self._cancelled = services.job_cancel_requested(job_id=self.job_id)
        return self._cancelled


class StageTimer:
    """Milliseconds per named stage, for the job's `timings`."""

    def __init__(self, initial: dict | None = None):
        self.ms: dict[str, int] = dict(initial or {})

    @contextmanager
    def __call__(self, stage: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.ms[stage] = self.ms.get(stage, 0) + int((time.perf_counter() - started) * 1000)


def fresh_connection() -> None:
    """Workers are long-lived: drop connections the database may have closed meanwhile."""
    close_old_connections()
