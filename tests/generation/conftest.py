"""Fixtures for generation tests: a real local HTTP server (the media files: tests/media.py,
the `media` fixture in tests/conftest.py).

`media_server` is a threaded HTTP server on 127.0.0.1 whose routes can serve a file,
redirect, answer any status, lie about or omit Content-Length, and be slow; it records the
requests it saw. Tests never contact any other address.
"""

from __future__ import annotations

import http.server
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.media import (  # noqa: F401 (imported from here by older tests)
    MediaFiles,
    make_audio,
    make_image,
    make_streamed,
    make_video,
    run_ffmpeg_cli,
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


@pytest.fixture
def media_server():
    server = MediaServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def resolve_to_loopback(monkeypatch):
    """Make chosen DNS names resolve to 127.0.0.1 (as a rebinding or internal name would);
    every other lookup goes to the real resolver. Returns the per-name lookup counts."""
    import socket

    real_getaddrinfo = socket.getaddrinfo
    names: dict[str, int] = {}

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, bytes):
            host = host.decode()
        if host in names:
            names[host] += 1
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                     ("127.0.0.1", int(port)))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)

    def add(*hostnames: str) -> dict[str, int]:
        for name in hostnames:
            names[name] = 0
        return names

    return add


def wait_for(predicate, timeout_s: float = 5.0) -> bool:
    ends = time.monotonic() + timeout_s
    while time.monotonic() < ends:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


# --- API tests ---------------------------------------------------------------------------------

PUBLIC_TEST_ADDRESS = "93.184.215.14"  # a public address; nothing connects to it in these tests


@pytest.fixture
def public_dns(monkeypatch):
    """Names in the brief's examples (example.com, ...) resolve to a public address, so the
    submit-time address check passes without a DNS server; other lookups are real."""
    import socket

    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name.endswith("example.com"):
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                     (PUBLIC_TEST_ADDRESS, int(port or 443)))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


@pytest.fixture
def api(owner):
    """The owner, funded with 1000 API credits, calling with an API key."""
    from tests.generation.api_support import grant, key_client

    grant(owner, "api", 1000)
    return key_client(owner)
