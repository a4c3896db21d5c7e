"""Work beside the engine's main thread: a function run in the background, and frames produced
ahead on a second thread."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator

import numpy as np

# No wait on a thread is unbounded: a thread stuck on a hostile input (or a pipe) must not keep
# a worker (and its heartbeat) alive forever. Long enough for any analysis of the longest input.
JOIN_TIMEOUT_S = 1800.0
# After a stop or an abort the thread only has to notice it.
STOP_JOIN_TIMEOUT_S = 30.0


class ThreadStuckError(TimeoutError):
    def __init__(self, name: str, seconds: float) -> None:
        super().__init__(f"The thread {name!r} did not finish within {seconds:g} s.")


def join_thread(thread: threading.Thread, timeout_s: float | None = None) -> None:
    """Join with a limit (JOIN_TIMEOUT_S unless given), in short slices so that a signal such
    as RQ's job timeout is handled at once; raises ThreadStuckError past the limit."""
    timeout_s = JOIN_TIMEOUT_S if timeout_s is None else timeout_s
    deadline = time.monotonic() + timeout_s
    while thread.is_alive():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ThreadStuckError(thread.name, timeout_s)
        thread.join(timeout=min(0.5, remaining))


class Background:
    """A function run on a thread: `result()` joins it. pocketsphinx holds the GIL while it
    decodes (a Python thread runs at ~2 % meanwhile, measured), so what overlaps the phone loop
    is only C++ already under way: a mesh inference, PyAV's decoding, ffmpeg's start-up."""

    def __init__(self, function) -> None:
        self._function = function
        self._value = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="lipsync-analysis", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._function()
        except BaseException as exc:  # raised again by result()
            self._error = exc

    def wait(self) -> None:
        join_thread(self._thread)

    def result(self):
        join_thread(self._thread)
        if self._error is not None:
            raise self._error
        return self._value


def read_ahead(frames: Iterator[np.ndarray], depth: int = 8) -> Iterator[np.ndarray]:
    """The same frames (or any items), produced on a second thread (PyAV decodes and scales
    without the GIL) while this one works on the previous ones."""
    slots: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            for frame in frames:
                while not stop.is_set():
                    try:
                        slots.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:  # raised again on the consuming thread
            failure.append(exc)
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()
            slots.put(done)

    thread = threading.Thread(target=produce, name="lipsync-decode", daemon=True)
    thread.start()
    try:
        while True:
            frame = slots.get()
            if frame is done:
                break
            yield frame
        if failure:
            raise failure[0]
    finally:
        stop.set()
        deadline = time.monotonic() + STOP_JOIN_TIMEOUT_S
        while thread.is_alive() and time.monotonic() < deadline:
            try:
                slots.get(timeout=0.1)
            except queue.Empty:
                pass
        join_thread(thread, 0.1)
