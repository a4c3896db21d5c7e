"""Download one user-supplied input URL to a local file without letting it reach our network.

The threats: a URL (or a redirect, or a DNS answer) pointing at an internal service (SSRF); DNS
rebinding, where a name resolves to a public address when checked and to 127.0.0.1 when used; a
server that sends endless data or sends it slowly. So: the host is resolved once, every address is
checked, the connection goes to the checked address itself (Host header, TLS SNI and certificate
check still use the name), redirects are followed by hand with the same checks, and time and bytes
are capped while streaming, whatever Content-Length says.

No Django here: the caller passes the settings (allow_private, limits) in.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from .errors import InputError
from .limits import describe_bytes, max_bytes_for

USER_AGENT = "lipsync-platform-fetcher/1.0"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK_BYTES = 64 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class FetchResult:
    path: Path
    url: str  # the final URL, after redirects
    size: int  # bytes written
    content_type: str  # as the server said; never trusted, media.py sniffs the content
    redirects: int


@dataclass(frozen=True)
class _Target:
    """One URL, split into what the connection needs."""

    url: str
    scheme: str
    host: str  # ASCII (IDNA) host name or IP literal, without brackets
    port: int
    request_target: str  # path and query

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends_at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self._ends_at - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0


def fetch_to_file(
    url: str,
    dest: Path,
    *,
    field: str,
    kind: str,
    allow_private: bool = False,
    max_bytes: int | None = None,
    connect_timeout: float = 10.0,
    read_timeout: float = 30.0,
    total_timeout: float = 300.0,
    max_redirects: int = 5,
    ca_certs: str | None = None,
) -> FetchResult:
    """Download `url` to `dest` (overwritten) or raise InputError naming `field`.

    `kind` is one of limits.KINDS and picks the byte cap unless `max_bytes` is given.
    `total_timeout` bounds the whole download, redirects included (checked between chunks, so it
    can overrun by at most one `read_timeout`). A partial file is deleted on any failure.
    """
    dest = Path(dest)
    cap = max_bytes if max_bytes is not None else max_bytes_for(kind)
    deadline = _Deadline(total_timeout)
    current = url
    try:
        for redirects in range(max_redirects + 1):
            target = _parse_target(current, field)
            address = _resolve_checked(target, field, allow_private)
            timeout = _timeout_within(deadline, connect_timeout, read_timeout, field)
            pool = _pool_for(target, address, timeout, ca_certs)
            try:
                response = _send_get(pool, target, field, connect_timeout, read_timeout)
                try:
                    if response.status in REDIRECT_STATUSES:
                        current = _redirect_location(response, current, field)
                        continue
                    _require_ok(response, field)
                    size = _stream_to_file(
                        response, dest, cap=cap, deadline=deadline, field=field,
                        host=target.host, read_timeout=read_timeout,
                    )
                    content_type = response.headers.get("Content-Type", "")
                    return FetchResult(dest, current, size, content_type, redirects)
                finally:
                    response.release_conn()
            finally:
                pool.close()
        raise InputError(
            field,
            f"{field} was redirected more than {max_redirects} times; "
            "use the file's direct URL.",
            reason="download_failed",
        )
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def check_url(url: str, *, field: str, allow_private: bool = False) -> None:
    """The checks a fetch makes before connecting, without connecting: for refusing a request at
    submit time. Scheme http/https, no credentials, the host resolves, and (unless
    `allow_private`) every address is public. Raises InputError naming `field`.

    A later fetch checks again: DNS answers can change between submit and fetch.
    """
    _resolve_checked(_parse_target(url, field), field, allow_private)


# --- URL and address checks -------------------------------------------------------------------


def _parse_target(url: str, field: str) -> _Target:
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise _not_allowed(field, f"{field} is not a valid URL (it contains spaces or control "
                                  "characters).")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _not_allowed(field, f"{field} is not a valid URL.") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise _not_allowed(field, f"{field} must be an http or https URL.")
    if parts.username is not None or parts.password is not None:
        raise _not_allowed(field, f"{field} must not contain a user name or password.")
    if not parts.hostname:
        raise _not_allowed(field, f"{field} is not a valid URL (it has no host name).")
    host = _ascii_host(parts.hostname, field)
    request_target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(url, scheme, host, port or DEFAULT_PORTS[scheme], request_target)


def _ascii_host(hostname: str, field: str) -> str:
    try:
        ipaddress.ip_address(hostname)
        return hostname
    except ValueError:
        pass
    try:
        return hostname.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        raise _not_allowed(field, f"{field} has an invalid host name ({hostname}).") from None


def _resolve_checked(target: _Target, field: str, allow_private: bool) -> str:
    """Resolve the host once and check every address; return the one to connect to."""
    try:
        infos = socket.getaddrinfo(
            target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (socket.gaierror, UnicodeError):
        raise InputError(
            field,
            f"{field} could not be downloaded: the host name {target.host} does not resolve.",
            reason="download_failed",
        ) from None
    addresses = [str(info[4][0]).split("%", 1)[0] for info in infos]
    if not addresses:
        raise InputError(
            field,
            f"{field} could not be downloaded: the host name {target.host} has no address.",
            reason="download_failed",
        )
    if not allow_private:
        for address in addresses:
            kind = forbidden_address_kind(ipaddress.ip_address(address))
            if kind is not None:
                raise _not_allowed(field, _private_address_message(field, target.host, address,
                                                                   kind))
    return addresses[0]


def forbidden_address_kind(ip: IPAddress) -> str | None:
    """Why `ip` is not a public address ("loopback", "private network", ...), or None if it is.

    IPv6 forms that embed an IPv4 address (IPv4-mapped, 6to4, Teredo, NAT64) are judged by the
    address they carry, so ::ffff:127.0.0.1 is loopback.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            kind = forbidden_address_kind(embedded)
            if kind is not None:
                return kind
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "shared (carrier-grade NAT)"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private network"
    if not ip.is_global:
        return "non-public"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _private_address_message(field: str, host: str, address: str, kind: str) -> str:
    if host == address:
        return f"{field} points to a {kind} address ({address}), which is not allowed."
    return (
        f"{field} points to {host}, which resolves to a {kind} address ({address}); "
        "only public addresses are allowed."
    )


def _not_allowed(field: str, message: str) -> InputError:
    return InputError(field, message, reason="not_allowed")


# --- HTTP -------------------------------------------------------------------------------------


def _timeout_within(
    deadline: _Deadline, connect_timeout: float, read_timeout: float, field: str
) -> urllib3.Timeout:
    remaining = deadline.remaining()
    if remaining <= 0:
        raise _total_timeout_error(field, deadline)
    return urllib3.Timeout(connect=min(connect_timeout, remaining),
                           read=min(read_timeout, remaining))


def _pool_for(
    target: _Target, address: str, timeout: urllib3.Timeout, ca_certs: str | None
) -> urllib3.HTTPConnectionPool:
    """A one-connection pool to the checked address itself: urllib3 never resolves the name."""
    common = {"timeout": timeout, "retries": False, "maxsize": 1, "block": False}
    if target.scheme == "http":
        return urllib3.HTTPConnectionPool(address, target.port, **common)
    return urllib3.HTTPSConnectionPool(
        address,
        target.port,
        cert_reqs="CERT_REQUIRED",
        ca_certs=ca_certs or default_ca_bundle(),
        server_hostname=target.host,  # TLS SNI for the name, not the IP
        assert_hostname=target.host,  # and the certificate must be valid for the name
        **common,
    )


def default_ca_bundle() -> str | None:
    try:
        import certifi
    except ImportError:  # urllib3 then loads the system's CA store
        return None
    return certifi.where()


def _send_get(
    pool: urllib3.HTTPConnectionPool,
    target: _Target,
    field: str,
    connect_timeout: float,
    read_timeout: float,
) -> urllib3.BaseHTTPResponse:
    headers = {
        "Host": target.host_header,
        "User-Agent": USER_AGENT,
        "Accept": "*/*",
        # Media is already compressed; asking for identity keeps byte counts honest.
        "Accept-Encoding": "identity",
    }
    try:
        return pool.urlopen(
            "GET", target.request_target, headers=headers, redirect=False, retries=False,
            preload_content=False, assert_same_host=False,
        )
    except HTTPError as exc:
        raise _transport_error(field, target.host, exc, connect_timeout, read_timeout) from None


def _transport_error(
    field: str, host: str, exc: HTTPError, connect_timeout: float, read_timeout: float
) -> InputError:
    prefix = f"{field} could not be downloaded:"
    # NewConnectionError subclasses ConnectTimeoutError in urllib3, so it is tested first.
    if isinstance(exc, NewConnectionError):
        return InputError(field, f"{prefix} the connection to {host} failed.",
                          reason="download_failed")
    if isinstance(exc, ConnectTimeoutError):
        return InputError(field, f"{prefix} {host} did not accept a connection within "
                                 f"{connect_timeout:g} s.", reason="timeout")
    if isinstance(exc, ReadTimeoutError):
        return InputError(field, f"{prefix} {host} sent nothing for {read_timeout:g} s.",
                          reason="timeout")
    if isinstance(exc, SSLError):
        return InputError(field, f"{prefix} the TLS certificate of {host} could not be "
                                 "verified.", reason="download_failed")
    if isinstance(exc, ProtocolError):
        return InputError(field, f"{prefix} the connection to {host} broke off before the "
                                 "whole file arrived.", reason="download_failed")
    return InputError(field, f"{prefix} {host} did not give a valid HTTP answer.",
                      reason="download_failed")


def _redirect_location(response: urllib3.BaseHTTPResponse, current: str, field: str) -> str:
    location = response.headers.get("Location")
    if not location:
        raise InputError(
            field,
            f"{field} could not be downloaded: the server answered a redirect "
            f"({response.status}) without a Location.",
            reason="download_failed",
        )
    return urljoin(current, location)


def _require_ok(response: urllib3.BaseHTTPResponse, field: str) -> None:
    if response.status == 200:
        return
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = ""
    status = f"{response.status} {phrase}".strip()
    raise InputError(
        field,
        f"{field} could not be downloaded: the server answered {status}.",
        reason="download_failed",
    )


def _stream_to_file(
    response: urllib3.BaseHTTPResponse,
    dest: Path,
    *,
    cap: int,
    deadline: _Deadline,
    field: str,
    host: str,
    read_timeout: float,
) -> int:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _too_large(field, cap)
    written = 0
    with open(dest, "wb") as out:
        while True:
            if deadline.expired():
                raise _total_timeout_error(field, deadline)
            try:
                # read1 returns what one socket read gives, so a server that drips bytes cannot
                # keep us inside a single call past the deadline.
                chunk = response.read1(CHUNK_BYTES)
            except HTTPError as exc:
                raise _transport_error(field, host, exc, read_timeout, read_timeout) from None
            if not chunk:
                break
            written += len(chunk)
            # Counted on what arrives, not on Content-Length, which may be absent or wrong.
            if written > cap:
                raise _too_large(field, cap)
            out.write(chunk)
    if written == 0:
        raise InputError(field, f"{field} could not be used: the server sent an empty file.",
                         reason="empty")
    return written


def _too_large(field: str, cap: int) -> InputError:
    return InputError(field, f"{field} is larger than the {describe_bytes(cap)} limit.",
                      reason="too_large")


def _total_timeout_error(field: str, deadline: _Deadline) -> InputError:
    return InputError(
        field,
        f"{field} could not be downloaded within {deadline.seconds:g} s; "
        "use a faster server or upload the file.",
        reason="timeout",
    )


# --- Checked targets for other outbound requests (webhooks) -----------------------------------


@dataclass(frozen=True)
class CheckedTarget:
    """A URL that passed `check_url`'s checks, with the address that was checked.

    Connect to `address` itself and send `host_header` (and `host` as TLS SNI and certificate
    name), so that a second DNS answer can never redirect the request elsewhere.
    """

    scheme: str
    host: str
    port: int
    request_target: str
    host_header: str
    address: str


def resolve_checked_target(url: str, *, field: str, allow_private: bool = False) -> CheckedTarget:
    """`check_url`'s checks, returning the parsed URL and the checked address to connect to.
    Raises InputError naming `field`."""
    target = _parse_target(url, field)
    address = _resolve_checked(target, field, allow_private)
    return CheckedTarget(
        scheme=target.scheme, host=target.host, port=target.port,
        request_target=target.request_target, host_header=target.host_header, address=address,
    )
