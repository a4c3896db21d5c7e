"""A thread that handles items one by one in the order they were put: the engines' output stage
(measure each frame for the sync check, pipe it into ffmpeg) beside their rendering thread.

An error on the thread is raised again in the producer by the next `put()` or by `finish()`;
after an error, or after `stop()`, the items still queued are dropped.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from .threads import STOP_JOIN_TIMEOUT_S, join_thread


class OrderedWorker:
    def __init__(self, handle: Callable, name: str, depth: int = 4) -> None:
        self._handle = handle
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._stopped.is_set():
                continue
            try:
                self._handle(*item)
            except BaseException as exc:  # handed to the producing thread
                self._error = exc
                self._stopped.set()

    def put(self, *item) -> None:
        """Queue one item (waits while the queue is full; raises the thread's error)."""
        while True:
            self._raise()
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def finish(self) -> None:
        """Wait until every item is handled; raise the thread's error, if any."""
        self._queue.put(None)
        join_thread(self._thread)
        self._raise()

    def stop(self) -> None:
        """Drop what is queued and let the thread end (on the producer's own failure). Does not
        wait: the thread may be blocked on the ffmpeg pipe until the caller aborts ffmpeg; then
        `join()`."""
        self._stopped.set()
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass
        self._queue.put(None)

    def join(self) -> None:
        join_thread(self._thread, STOP_JOIN_TIMEOUT_S)

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error
