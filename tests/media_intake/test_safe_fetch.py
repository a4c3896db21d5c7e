"""Safe fetching: SSRF refusals, redirects, timeouts and byte caps, against a real local server."""

import ipaddress
import shutil
import ssl
import subprocess
import threading

import pytest

from media_intake.errors import InputError
from media_intake.safe_fetch import fetch_to_file, forbidden_address_kind

FIELD = "formState.audio"


def fetch(url, tmp_path, **options):
    options.setdefault("allow_private", True)  # the test server lives on 127.0.0.1
    options.setdefault("field", FIELD)
    options.setdefault("kind", "audio")
    return fetch_to_file(url, tmp_path / "input.bin", **options)


def refused(url, tmp_path, **options) -> InputError:
    with pytest.raises(InputError) as caught:
        fetch(url, tmp_path, **options)
    assert not (tmp_path / "input.bin").exists(), "a refused download must leave no file"
    return caught.value


# --- downloads that work ----------------------------------------------------------------------


def test_downloads_a_file_byte_for_byte(media_server, media, tmp_path):
    url = media_server.serve_file("/speech.wav", media.audio_wav, "audio/wav")

    result = fetch(url, tmp_path)

    assert result.path.read_bytes() == media.audio_wav.read_bytes()
    assert result.size == media.audio_wav.stat().st_size
    assert result.content_type == "audio/wav"
    assert result.redirects == 0


def test_follows_redirects_up_to_five(media_server, media, tmp_path):
    media_server.serve_file("/final.wav", media.audio_wav)
    for hop in range(5):
        target = "/final.wav" if hop == 4 else f"/hop{hop + 1}"
        media_server.redirect(f"/hop{hop}", target, status=(301, 302, 303, 307, 308)[hop])

    result = fetch(media_server.url("/hop0"), tmp_path)

    assert result.redirects == 5
    assert result.url.endswith("/final.wav")
    assert result.path.read_bytes() == media.audio_wav.read_bytes()


def test_sends_the_host_name_not_the_ip(media_server, media, tmp_path, resolve_to_loopback):
    lookups = resolve_to_loopback("media.example.test")
    url = media_server.serve_file("/speech.wav", media.audio_wav)

    fetch(url.replace("127.0.0.1", "media.example.test"), tmp_path)

    assert media_server.requests[-1].headers["Host"] == f"media.example.test:{media_server.port}"
    # Resolved once, by the checker; the connection went to that address (no second lookup
    # that a rebinding DNS server could answer differently).
    assert lookups["media.example.test"] == 1


# --- SSRF -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.0.0.5", "private network"),
        ("192.168.1.10", "private network"),
        ("172.16.0.1", "private network"),
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private network"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.5", "private network"),
        ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a00:5", "private network"),  # NAT64 wrapping 10.0.0.5
    ],
)
def test_classifies_non_public_addresses(address, kind):
    assert forbidden_address_kind(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_pass(address):
    assert forbidden_address_kind(ipaddress.ip_address(address)) is None


def test_private_address_refused(tmp_path):
    error = refused("http://10.0.0.5/a.png", tmp_path, allow_private=False,
                    field="formState.image", kind="image")

    assert str(error) == (
        "formState.image points to a private network address (10.0.0.5), which is not allowed."
    )
    assert error.field == "formState.image"
    assert error.reason == "not_allowed"


def test_loopback_refused_before_connecting(media_server, media, tmp_path):
    url = media_server.serve_file("/speech.wav", media.audio_wav)

    error = refused(url, tmp_path, allow_private=False)

    assert "loopback address (127.0.0.1)" in str(error)
    assert media_server.requests == []


def test_redirect_to_loopback_refused(
    media_server, media, tmp_path, monkeypatch
):
    """The first hop is allowed, the redirect's target is not: the check runs on every hop."""
    from media_intake import safe_fetch

    real_check = safe_fetch.forbidden_address_kind
    checks = []

    def first_hop_is_public(ip):
        checks.append(str(ip))
        return None if len(checks) == 1 else real_check(ip)

    monkeypatch.setattr(safe_fetch, "forbidden_address_kind", first_hop_is_public)
    media_server.serve_file("/secret", media.audio_wav)
    start = media_server.redirect("/start", f"http://127.0.0.1:{media_server.port}/secret")

    error = refused(start, tmp_path, allow_private=False)

    assert str(error) == (
        "formState.audio points to a loopback address (127.0.0.1), which is not allowed."
    )
    assert [request.path for request in media_server.requests] == ["/start"]


def test_name_resolving_to_loopback_refused(media_server, media, tmp_path, resolve_to_loopback):
    resolve_to_loopback("internal.example.test")
    url = media_server.serve_file("/speech.wav", media.audio_wav)

    error = refused(url.replace("127.0.0.1", "internal.example.test"), tmp_path,
                    allow_private=False)

    assert str(error) == (
        "formState.audio points to internal.example.test, which resolves to a loopback address "
        "(127.0.0.1); only public addresses are allowed."
    )


def test_localhost_refused(media_server, media, tmp_path):
    url = media_server.serve_file("/speech.wav", media.audio_wav)

    error = refused(url.replace("127.0.0.1", "localhost"), tmp_path, allow_private=False)

    assert "loopback" in str(error)


def test_private_addresses_allowed_when_the_operator_says_so(media_server, media, tmp_path):
    url = media_server.serve_file("/speech.wav", media.audio_wav)

    assert fetch(url, tmp_path, allow_private=True).size == media.audio_wav.stat().st_size


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/a.wav", "formState.audio must be an http or https URL."),
        ("file:///etc/passwd", "formState.audio must be an http or https URL."),
        ("http://user:pw@example.com/a.wav",
         "formState.audio must not contain a user name or password."),
        ("http:///a.wav", "formState.audio is not a valid URL (it has no host name)."),
        ("http://example.com:99999/a.wav", "formState.audio is not a valid URL."),
    ],
)
def test_bad_urls_refused(url, message, tmp_path):
    assert str(refused(url, tmp_path)) == message


# --- HTTP failures ----------------------------------------------------------------------------


def test_404_is_named(media_server, tmp_path):
    url = media_server.status("/missing.wav", 404)

    assert str(refused(url, tmp_path)) == (
        "formState.audio could not be downloaded: the server answered 404 Not Found."
    )


def test_more_than_five_redirects_refused(media_server, tmp_path):
    for hop in range(6):
        media_server.redirect(f"/r{hop}", f"/r{hop + 1}")
    media_server.serve_bytes("/r6", b"never reached")

    error = refused(media_server.url("/r0"), tmp_path)

    assert str(error) == (
        "formState.audio was redirected more than 5 times; use the file's direct URL."
    )
    assert len(media_server.requests) == 6


def test_redirect_to_another_scheme_refused(media_server, tmp_path):
    url = media_server.redirect("/r", "gopher://example.com/x")

    assert str(refused(url, tmp_path)) == "formState.audio must be an http or https URL."


def test_connection_refused_is_named(tmp_path):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    error = refused(f"http://127.0.0.1:{port}/a.wav", tmp_path)

    assert str(error) == (
        "formState.audio could not be downloaded: the connection to 127.0.0.1 failed."
    )


# --- timeouts ---------------------------------------------------------------------------------


def test_server_that_does_not_answer_times_out(media_server, tmp_path):
    url = media_server.serve_bytes("/slow", b"data", delay_s=3)

    error = refused(url, tmp_path, read_timeout=0.3)

    assert str(error) == (
        "formState.audio could not be downloaded: 127.0.0.1 sent nothing for 0.3 s."
    )
    assert error.reason == "timeout"


def test_server_that_drips_hits_the_total_timeout(media_server, tmp_path):
    # Each byte arrives well within the read timeout; only the total deadline can stop this.
    url = media_server.serve_bytes("/drip", b"x" * 200, drip_bytes=1, drip_interval_s=0.05)

    error = refused(url, tmp_path, read_timeout=2, total_timeout=0.5)

    assert str(error) == (
        "formState.audio could not be downloaded within 0.5 s; use a faster server or upload "
        "the file."
    )


# --- size caps --------------------------------------------------------------------------------


def test_declared_size_over_the_cap_refused_without_reading(media_server, tmp_path):
    url = media_server.serve_bytes("/big", b"x" * 5000)

    error = refused(url, tmp_path, max_bytes=4000)

    assert str(error) == "formState.audio is larger than the 4 kB limit."
    assert error.reason == "too_large"


def test_cap_enforced_while_streaming_without_content_length(media_server, tmp_path):
    url = media_server.serve_bytes("/nolength", b"x" * 300_000, content_length="omit")

    error = refused(url, tmp_path, max_bytes=100_000)

    assert error.reason == "too_large"


def test_cap_enforced_when_content_length_understates(media_server, tmp_path):
    # The header says 10 bytes; the server sends 300 kB. Nothing past the declared length (and
    # never more than the cap) is kept.
    url = media_server.serve_bytes("/liar", b"x" * 300_000, content_length=10)

    result = fetch(url, tmp_path, max_bytes=100_000)

    assert result.size == 10


def test_body_shorter_than_content_length_is_an_error(media_server, tmp_path):
    url = media_server.serve_bytes("/short", b"x" * 100, content_length=5000)

    error = refused(url, tmp_path)

    assert str(error) == (
        "formState.audio could not be downloaded: the connection to 127.0.0.1 broke off before "
        "the whole file arrived."
    )


def test_default_caps_per_kind(media_server, tmp_path):
    url = media_server.serve_bytes("/claims-huge", b"x", content_length=20_000_001)

    error = refused(url, tmp_path, field="formState.image", kind="image")

    assert str(error) == "formState.image is larger than the 20 MB limit."


def test_empty_body_refused(media_server, tmp_path):
    url = media_server.serve_bytes("/empty", b"")

    assert refused(url, tmp_path).reason == "empty"


# --- TLS to a pinned address ------------------------------------------------------------------


@pytest.fixture
def tls_server(tmp_path, media):
    """An HTTPS server on 127.0.0.1 whose self-signed certificate names media.example.test."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=media.example.test",
         "-addext", "subjectAltName=DNS:media.example.test"],
        check=True, capture_output=True,
    )
    from tests.media_intake.factories import MediaServer

    server = MediaServer()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    sni_names = []
    context.sni_callback = lambda sock, name, ctx: sni_names.append(name)
    server._httpd.socket = context.wrap_socket(server._httpd.socket, server_side=True)
    server.serve_file("/speech.wav", media.audio_wav)
    thread = threading.Thread(target=server._httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server, cert, sni_names
    server.stop()


def test_https_to_the_pinned_address_checks_the_name(tls_server, tmp_path, resolve_to_loopback,
                                                     media):
    server, cert, sni_names = tls_server
    resolve_to_loopback("media.example.test")

    result = fetch(f"https://media.example.test:{server.port}/speech.wav", tmp_path,
                   ca_certs=str(cert))

    assert result.path.read_bytes() == media.audio_wav.read_bytes()
    assert sni_names == ["media.example.test"]
    assert server.requests[-1].headers["Host"] == f"media.example.test:{server.port}"


def test_https_certificate_for_another_name_refused(tls_server, tmp_path, resolve_to_loopback):
    server, cert, _ = tls_server
    resolve_to_loopback("other.example.test")

    error = refused(f"https://other.example.test:{server.port}/speech.wav", tmp_path,
                    ca_certs=str(cert))

    assert str(error) == (
        "formState.audio could not be downloaded: the TLS certificate of other.example.test "
        "could not be verified."
    )


# --- submit-time check ------------------------------------------------------------------------


def test_check_url_refuses_without_connecting(media_server, resolve_to_loopback):
    from media_intake.safe_fetch import check_url

    resolve_to_loopback("internal.example.test")
    url = media_server.url("/speech.wav", host="internal.example.test")

    with pytest.raises(InputError) as caught:
        check_url(url, field="webhook")
    check_url(url, field="webhook", allow_private=True)
    with pytest.raises(InputError, match="must be an http or https URL"):
        check_url("javascript:alert(1)", field="webhook", allow_private=True)

    assert caught.value.field == "webhook"
    assert "resolves to a loopback address" in str(caught.value)
    assert media_server.requests == []
