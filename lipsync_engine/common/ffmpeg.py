"""Find and run the ffmpeg binary: progress from `-progress`, cancel by polling, clear errors.

imageio-ffmpeg ships an ffmpeg with libx264 and AAC (but no ffprobe; probing is PyAV's job).
An operator's own build wins: FFMPEG_BINARY, then `ffmpeg` on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence

from ..base import EngineCancelled, EngineError

_POLL_SECONDS = 0.1
_STDERR_TAIL_LINES = 12


class FfmpegError(EngineError):
    """ffmpeg exited non-zero; the message ends with the last lines it printed."""

    def __init__(self, returncode: int, stderr_tail: str, what: str = "ffmpeg") -> None:
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        super().__init__(f"{what} failed (exit code {returncode}): {stderr_tail or 'no output'}")


def ffmpeg_binary() -> str:
    """FFMPEG_BINARY, else `ffmpeg` on PATH, else the binary that imageio-ffmpeg ships."""
    configured = os.environ.get("FFMPEG_BINARY")
    if configured:
        return configured
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg
    except ImportError:
        raise EngineError(
            "No ffmpeg found: set FFMPEG_BINARY, put ffmpeg on PATH or install imageio-ffmpeg."
        ) from None
    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(
    args: Sequence[str],
    *,
    what: str = "ffmpeg",
    on_seconds: Callable[[float], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    timeout: float | None = None,
) -> None:
    """Run `ffmpeg <args>` (the binary and quiet flags are added) to completion.

    on_seconds: called from this thread with the output time written so far (seconds), for
    progress. should_cancel: polled; when it returns True ffmpeg is killed and EngineCancelled
    raised. Raises FfmpegError with the tail of stderr on failure.
    """
    command = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
               "-progress", "pipe:1", "-nostats", *args]
    # stderr goes to a file, not a pipe: a chatty ffmpeg can never block on a full pipe.
    with tempfile.TemporaryFile() as stderr_file:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr_file,
                                   stdin=subprocess.DEVNULL)
        progress = _ProgressReader(process.stdout)
        progress.start()
        try:
            _wait(process, progress, on_seconds, should_cancel, timeout, what)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            progress.join(timeout=5)
            process.stdout.close()
        if process.returncode != 0:
            stderr_file.seek(0)
            raise FfmpegError(process.returncode, stderr_tail(stderr_file.read()), what)


def _wait(process, progress, on_seconds, should_cancel, timeout, what) -> None:
    started = time.monotonic()
    reported = -1.0
    while process.poll() is None:
        if should_cancel is not None and should_cancel():
            raise EngineCancelled("The job was cancelled.")
        if timeout is not None and time.monotonic() - started > timeout:
            raise EngineError(f"{what} took longer than {timeout:g} s and was stopped.")
        if on_seconds is not None and progress.seconds != reported:
            reported = progress.seconds
            on_seconds(reported)
        try:
            process.wait(timeout=_POLL_SECONDS)
        except subprocess.TimeoutExpired:
            pass


class _ProgressReader(threading.Thread):
    """Reads ffmpeg's `-progress` key=value lines; only stores the latest output time.

    Callbacks run on the caller's thread (the worker's progress callback may touch the database,
    whose connections are per thread).
    """

    def __init__(self, stream) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.seconds = 0.0

    def run(self) -> None:
        for raw in iter(self.stream.readline, b""):
            key, _, value = raw.decode("ascii", "replace").strip().partition("=")
            if key == "out_time_us" and value.isdigit():
                self.seconds = int(value) / 1_000_000


def stderr_tail(stderr: bytes) -> str:
    """The last lines ffmpeg printed, joined on one line (for an error message)."""
    lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return " | ".join(lines[-_STDERR_TAIL_LINES:])
