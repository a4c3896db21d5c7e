"""POST one webhook to one receiver, whatever the receiver does, within a hard time limit.

The receiver is someone else's server, so it is treated like any user-supplied URL: the address
checks of media_intake/safe_fetch.py run before every attempt and the connection goes to the
checked address itself (Host header, TLS SNI and certificate check keep the name), so DNS
rebinding cannot turn a webhook into a request to our own network. Redirects are never followed.

A hostile receiver costs one attempt and nothing more: a watchdog thread shuts the socket down
when the total time is up (per-read socket timeouts alone would let a server that drips a byte
every few seconds hold a worker for hours), and at most `excerpt_bytes` of the answer are read
before the connection is closed, whatever it announces.

No Django here: the caller passes the settings in.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection

from media_intake.errors import InputError
from media_intake.safe_fetch import CheckedTarget, default_ca_bundle, resolve_checked_target

USER_AGENT = "lipsync-webhooks/1.0"
FIELD = "webhook"


@dataclass(frozen=True)
class SendResult:
    status_code: int | None  # None when no HTTP answer arrived
    duration_ms: int
    error: str  # "" when delivered
    response_excerpt: bytes = b""

    @property
    def succeeded(self) -> bool:
        return not self.error


class _Watchdog:
    """Shuts the connection's socket down at the deadline, which wakes any blocked read."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = threading.Event()
        self._ends_at = time.monotonic() + seconds
        self._connection: HTTPConnection | None = None
        self._sock: socket.socket | None = None
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def remaining(self) -> float:
        return max(0.01, self._ends_at - time.monotonic())

    def watch(self, connection: HTTPConnection) -> None:
        self._connection = connection
        self._timer.start()

    def pin_socket(self, sock: socket.socket) -> None:
        """http.client lets go of `connection.sock` when the answer says it closes the
        connection, while the response still reads from it: keep our own reference."""
        self._sock = sock

    def cancel(self) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        self.fired.set()
        sock = self._sock or getattr(self._connection, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool,
    allow_http: bool,
    timeout_s: float = 10.0,
    excerpt_bytes: int = 1024,
    ca_certs: str | None = None,
) -> SendResult:
    """POST `body` to `url`; delivered means a 2xx answer (status line and headers) within
    `timeout_s`, connecting included. Never raises for anything the receiver or the network
    does: every outcome is a SendResult."""
    started = time.monotonic()

    def result(status: int | None, error: str, excerpt: bytes = b"") -> SendResult:
        return SendResult(status, int((time.monotonic() - started) * 1000), error, excerpt)

    try:
        target = checked_target(url, allow_private=allow_private, allow_http=allow_http)
    except InputError as exc:
        return result(None, refusal_message(exc, url))

    watchdog = _Watchdog(timeout_s)
    connection = _connection_to(target, watchdog.remaining(), ca_certs)
    watchdog.watch(connection)
    status = response = None
    try:
        connection.request(
            "POST", target.request_target, body=body,
            headers=_request_headers(target, headers), preload_content=False,
            decode_content=False,
        )
        watchdog.pin_socket(connection.sock)
        connection.timeout = watchdog.remaining()  # getresponse applies it to the socket
        response = connection.getresponse()
        if watchdog.fired.is_set():
            # The shutdown ended the header block early, so http.client saw a complete answer:
            # the status line alone arrived in time, the answer did not.
            return result(None, _timeout_error(target.host, watchdog))
        status = response.status
        excerpt = _read_excerpt(response, excerpt_bytes, watchdog)
        return result(status, _status_error(target.host, status), excerpt)
    except (OSError, http.client.HTTPException, urllib3.exceptions.HTTPError) as exc:
        return result(status, _transport_error(target.host, exc, watchdog))
    finally:
        watchdog.cancel()
        # Never drained or reused: the rest of the answer is not read.
        if response is not None:
            response.close()
        connection.close()


def checked_target(url: str, *, allow_private: bool, allow_http: bool) -> CheckedTarget:
    """The address checks input URLs get, plus: plain http only where the operator allows it."""
    target = resolve_checked_target(url, field=FIELD, allow_private=allow_private)
    if target.scheme != "https" and not allow_http:
        raise InputError(FIELD, "The webhook URL must use https (plain http is not allowed on "
                                "this server).", reason="not_allowed")
    return target


def refusal_message(exc: InputError, url: str) -> str:
    if exc.reason == "not_allowed":
        return exc.message.replace(f"{FIELD} ", "The webhook URL ", 1)
    # The address check's other failure is a host name that does not resolve; its message
    # speaks of downloads, which would confuse here.
    return f"The host name {urlsplit(url).hostname} does not resolve."


def _connection_to(target: CheckedTarget, timeout: float, ca_certs: str | None) -> HTTPConnection:
    if target.scheme == "http":
        return HTTPConnection(target.address, target.port, timeout=timeout)
    return HTTPSConnection(
        target.address, target.port, timeout=timeout,
        cert_reqs="CERT_REQUIRED", ca_certs=ca_certs or default_ca_bundle(),
        server_hostname=target.host,  # TLS SNI for the name, not the IP
        assert_hostname=target.host,  # and the certificate must be valid for the name
    )


def _request_headers(target: CheckedTarget, headers: dict[str, str]) -> dict[str, str]:
    return {
        "Host": target.host_header,
        "User-Agent": USER_AGENT,
        "Content-Type": "application/json",
        "Accept": "*/*",
        # Only an excerpt is kept; compressed bytes would be unreadable there.
        "Accept-Encoding": "identity",
        "Connection": "close",
        **headers,
    }


def _read_excerpt(response, limit: int, watchdog: _Watchdog) -> bytes:
    """Up to `limit` bytes of the body, as they come; a body cut short by the deadline or a
    reset is kept as far as it arrived (the status line already decided the outcome)."""
    excerpt = b""
    try:
        while len(excerpt) < limit and not watchdog.fired.is_set():
            chunk = response.read1(limit - len(excerpt))
            if not chunk:
                break
            excerpt += chunk
    except (OSError, http.client.HTTPException, urllib3.exceptions.HTTPError):
        pass
    return excerpt


def _status_error(host: str, status: int) -> str:
    if 200 <= status < 300:
        return ""
    described = _describe_status(status)
    if 300 <= status < 400:
        return (f"{host} answered {described}, a redirect; redirects are not followed, so "
                "set the webhook to the final URL.")
    return f"{host} answered {described}; only a 2xx answer counts as delivered."


def _describe_status(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _transport_error(host: str, exc: Exception, watchdog: _Watchdog) -> str:
    if watchdog.fired.is_set():
        return _timeout_error(host, watchdog)
    # NewConnectionError subclasses ConnectTimeoutError in urllib3, so it is tested first.
    if isinstance(exc, urllib3.exceptions.NewConnectionError | ConnectionRefusedError):
        return f"The connection to {host} was refused or failed."
    if isinstance(exc, urllib3.exceptions.ConnectTimeoutError):
        return f"{host} did not accept a connection within {watchdog.seconds:g} s."
    if isinstance(exc, TimeoutError):
        return _timeout_error(host, watchdog)
    if isinstance(exc, ssl.SSLError | urllib3.exceptions.SSLError):
        return f"The TLS connection to {host} failed (its certificate could not be verified)."
    if isinstance(exc, ConnectionResetError | BrokenPipeError | http.client.RemoteDisconnected):
        return f"{host} closed the connection before answering."
    if isinstance(exc, http.client.HTTPException):
        return f"{host} did not give a valid HTTP answer."
    return f"The connection to {host} failed ({exc.__class__.__name__})."


def _timeout_error(host: str, watchdog: _Watchdog) -> str:
    return f"{host} did not answer within {watchdog.seconds:g} s."
