"""Real media made on the fly (the ffmpeg binary's lavfi sources, Pillow), and a real local
HTTP server to fetch it from (`MediaServer`): its routes can serve a file, redirect, answer any
status, lie about or omit Content-Length, and be slow; it records the requests it saw. Tests
never contact any other address. The fixtures `media` and `media_server` (tests/conftest.py)
build them."""

from __future__ import annotations

import http.server
import struct
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from lipsync_engine.common.ffmpeg import ffmpeg_binary

# --- media ------------------------------------------------------------------------------------


def run_ffmpeg_cli(*args: str) -> None:
    subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                    *args], check=True)


def make_streamed(path: Path, *args: str, container: str = "matroska") -> Path:
    """Encode to a pipe, as a live stream would be: the header then states no duration."""
    done = subprocess.run([ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin",
                           *args, "-f", container, "pipe:1"], check=True, capture_output=True)
    path.write_bytes(done.stdout)
    return path


def make_audio(path: Path, seconds: float, frequency: int = 440, rate: int = 44100,
               extra: tuple[str, ...] = ()) -> Path:
    run_ffmpeg_cli("-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate={rate}",
                   "-t", str(seconds), *extra, str(path))
    return path


def make_video(path: Path, seconds: float, *, size: str = "160x120", fps: int = 25,
               with_audio: bool = False, ramp: bool = False) -> Path:
    """A test pattern, or (ramp=True) a grey picture getting brighter at a constant rate."""
    if ramp:
        source = f"color=c=black:s={size}:r={fps},geq=lum='T*60':cb=128:cr=128"
    else:
        source = f"testsrc=size={size}:rate={fps}"
    audio = ["-f", "lavfi", "-i", "sine=frequency=220"] if with_audio else []
    run_ffmpeg_cli("-f", "lavfi", "-i", source, *audio, "-t", str(seconds),
                   "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", str(path))
    return path


def make_lying_matroska(path: Path, *, claimed_seconds: float, seconds: float,
                        video: bool = False) -> Path:
    """A Matroska file holding `seconds` of sound (Opus) or frames (H.264) whose header states
    `claimed_seconds` (its Segment Duration rewritten), as a cheat would send it."""
    if video:
        make_video(path.with_suffix(".honest.mkv"), seconds)
    else:
        make_audio(path.with_suffix(".honest.mka"), seconds, rate=16000,
                   extra=("-c:a", "libopus", "-b:a", "16k"))
    honest = path.with_suffix(".honest.mkv" if video else ".honest.mka")
    data = bytearray(honest.read_bytes())
    at = data.find(b"\x44\x89\x88")  # the Duration element: an 8-byte float, in milliseconds
    assert at > 0, "no Segment Duration found"
    data[at + 3:at + 11] = struct.pack(">d", claimed_seconds * 1000)
    path.write_bytes(bytes(data))
    return path


def make_lying_wav(path: Path, *, claimed_seconds: float, seconds: float,
                   rate: int = 16000) -> Path:
    """A 16-bit mono WAV whose RIFF and data sizes say `claimed_seconds` but which holds
    `seconds` of a tone."""
    tone = (np.sin(np.arange(int(rate * seconds)) * 2 * np.pi * 440 / rate) * 8000)
    samples = tone.astype("<i2").tobytes()
    claimed = int(rate * claimed_seconds) * 2
    header = (b"RIFF" + struct.pack("<I", 36 + claimed) + b"WAVE" + b"fmt "
              + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
              + b"data" + struct.pack("<I", claimed))
    path.write_bytes(header + samples)
    return path


def make_image(path: Path, size: tuple[int, int] = (300, 400), image_format: str | None = None,
               mode: str = "RGB") -> Path:
    image = Image.new(mode, size, "white" if mode != "1" else 1)
    # A few shapes, so the file is a real picture and not one flat colour.
    for x in range(0, size[0], max(1, size[0] // 8)):
        for y in range(size[1] // 3, size[1] // 2):
            image.putpixel((x, y), (200, 40, 40) if mode == "RGB" else 0)
    image.save(path, format=image_format)
    return path


@dataclass
class MediaFiles:
    root: Path
    image_png: Path
    image_jpeg: Path
    image_webp: Path
    image_gif: Path
    audio_wav: Path  # 1.5 s
    audio_m4a: Path  # 2 s, AAC in MP4
    audio_short: Path  # 1 s
    video_mp4: Path  # 1 s, 160x120 @ 25 fps, with a sound track
    video_ramp: Path  # 1.2 s, brightness rising with time, no sound
    text: Path
    truncated_png: Path


def media_files(root: Path) -> MediaFiles:
    """One of each kind of input a user brings, and two that are not media, in `root`."""
    png = make_image(root / "portrait.png")
    truncated = root / "truncated.png"
    truncated.write_bytes(png.read_bytes()[: len(png.read_bytes()) // 2])
    text = root / "notes.txt"
    text.write_text("This is not a media file.\n" * 40)
    return MediaFiles(
        root=root,
        image_png=png,
        image_jpeg=make_image(root / "portrait.jpg"),
        image_webp=make_image(root / "portrait.webp"),
        image_gif=make_image(root / "portrait.gif"),
        audio_wav=make_audio(root / "speech.wav", 1.5),
        audio_m4a=make_audio(root / "speech.m4a", 2, frequency=330),
        audio_short=make_audio(root / "short.wav", 1, frequency=550),
        video_mp4=make_video(root / "clip.mp4", 1, with_audio=True),
        video_ramp=make_video(root / "ramp.mp4", 1.2, ramp=True),
        text=text,
        truncated_png=truncated,
    )


# --- HTTP server ------------------------------------------------------------------------------


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Content-Length: None = the true length; an int = that number (a lie if it differs);
    # "omit" = no header, the body ends when the connection closes.
    content_length: int | str | None = None
    delay_s: float = 0.0  # before the status line (a server that does not answer)
    drip_bytes: int = 0  # send the body this many bytes at a time...
    drip_interval_s: float = 0.0  # ...with this pause between them (a slow server)


@dataclass
class SeenRequest:
    path: str
    headers: dict[str, str]


class MediaServer:
    """Routes by path; `url(path)` gives the address to fetch."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[SeenRequest] = []
        self.stopping = threading.Event()
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def serve_file(self, path: str, file: Path, content_type: str = "application/octet-stream",
                   **options) -> str:
        return self.serve_bytes(path, Path(file).read_bytes(), content_type, **options)

    def serve_bytes(self, path: str, body: bytes, content_type: str = "application/octet-stream",
                    **options) -> str:
        headers = {"Content-Type": content_type, **options.pop("headers", {})}
        self.routes[path] = Route(body=body, headers=headers, **options)
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.routes[path] = Route(status=status, headers={"Location": location})
        return self.url(path)

    def status(self, path: str, status: int) -> str:
        self.routes[path] = Route(status=status, body=b"no such file\n")
        return self.url(path)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def sleep(self, seconds: float) -> bool:
        """Sleep unless the server stops first; False if it did."""
        return not self.stopping.wait(seconds)

    def _handler_class(self):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # the connection closes after each answer

            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                server.requests.append(SeenRequest(self.path, dict(self.headers.items())))
                route = server.routes.get(self.path.split("?", 1)[0], Route(status=404))
                try:
                    self._answer(route)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout or a size cap): expected

            def _answer(self, route: Route) -> None:
                if route.delay_s and not server.sleep(route.delay_s):
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.content_length is None:
                    self.send_header("Content-Length", str(len(route.body)))
                elif route.content_length != "omit":
                    self.send_header("Content-Length", str(route.content_length))
                self.end_headers()
                self._send_body(route)

            def _send_body(self, route: Route) -> None:
                if not route.drip_bytes:
                    self.wfile.write(route.body)
                    return
                for start in range(0, len(route.body), route.drip_bytes):
                    self.wfile.write(route.body[start:start + route.drip_bytes])
                    self.wfile.flush()
                    if not server.sleep(route.drip_interval_s):
                        return

            def log_message(self, format, *args) -> None:  # noqa: A002
                pass

        return Handler
