"""Raw RGB frames piped into ffmpeg with the audio: H.264 yuv420p + AAC, faststart.

The audio inputs are the probed local files, opened with the same file-only protocol whitelist as
every ffmpeg input (plan.input_args); the pictures come from this process over a pipe (rawvideo,
no demuxing of user data). The output arguments are plan.py's, so every engine writes the same
format.
"""

from __future__ import annotations

import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..base import EngineCancelled, EngineRequest
from .ffmpeg import FfmpegError, ffmpeg_binary, stderr_tail
from .plan import AUDIO_ARGS, FINAL_VIDEO_ARGS, audio_inputs


class FrameWriter:
    def __init__(self, request: EngineRequest, target: Path, width: int, height: int,
                 fps: Fraction, duration_s: float) -> None:
        audio_args, audio_graph = audio_inputs(request)
        graph = ";".join(["[0:v]format=yuv420p[v]", audio_graph])
        command = [
            ffmpeg_binary(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
            "-framerate", str(fps), "-protocol_whitelist", "pipe", "-i", "pipe:0",
            *audio_args, "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
            *FINAL_VIDEO_ARGS, "-r", str(fps), *AUDIO_ARGS,
            "-t", f"{duration_s:.3f}", "-movflags", "+faststart", "-f", "mp4", str(target),
        ]
        self.shape = (height, width, 3)
        self._stderr = tempfile.TemporaryFile()
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                         stdout=subprocess.DEVNULL, stderr=self._stderr)

    def write(self, frame: np.ndarray) -> None:
        if frame.shape != self.shape or frame.dtype != np.uint8:
            raise ValueError(f"frame of shape {frame.shape}, expected {self.shape}")
        try:
            self._process.stdin.write(np.ascontiguousarray(frame).data)
        except BrokenPipeError:
            self._fail()

    def close(self) -> None:
        """Finish the file; raises FfmpegError when ffmpeg failed."""
        try:
            self._process.stdin.close()
        except BrokenPipeError:
            pass
        self._process.wait()
        if self._process.returncode != 0:
            self._fail()
        self._stderr.close()

    def abort(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        try:
            self._process.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        self._stderr.close()

    def _fail(self) -> None:
        self._process.wait()
        self._stderr.seek(0)
        raise FfmpegError(self._process.returncode, stderr_tail(self._stderr.read()),
                          "ffmpeg (encoding the output)")


def check_cancel(request: EngineRequest, writer: FrameWriter | None) -> None:
    if request.should_cancel is not None and request.should_cancel():
        if writer is not None:
            writer.abort()
        raise EngineCancelled("The job was cancelled.")
