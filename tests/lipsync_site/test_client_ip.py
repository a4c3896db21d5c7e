import pytest
from django.test import RequestFactory, override_settings

from apikeys.throttling import ApiRateThrottle
from lipsync_site.client_ip import client_ip

PROXY = "10.0.0.5"


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@override_settings(LIPSYNC_TRUSTED_PROXIES=[])
def test_without_trusted_proxies_the_header_is_ignored():
    assert client_ip(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


@override_settings(LIPSYNC_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client():
    # The client wrote "1.1.1.1" itself; the proxy appended the address it saw.
    assert client_ip(_request(PROXY, "1.1.1.1, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(_request(PROXY, "1.1.1.1, 203.0.113.7, 10.0.0.9")) == "203.0.113.7"


@override_settings(LIPSYNC_TRUSTED_PROXIES=["10.0.0.5"])
def test_a_client_that_is_not_the_proxy_cannot_claim_an_address():
    assert client_ip(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


@override_settings(LIPSYNC_TRUSTED_PROXIES=["10.0.0.5", "2001:db8::/32"])
def test_garbage_or_a_missing_header_falls_back_to_the_connection():
    assert client_ip(_request(PROXY)) == PROXY
    assert client_ip(_request(PROXY, "not-an-address")) == PROXY
    assert client_ip(_request("2001:db8::1", "2001:db8::2, 2a00:1450::1")) == "2a00:1450::1"


@override_settings(LIPSYNC_TRUSTED_PROXIES=[])
def test_the_api_throttle_of_anonymous_calls_uses_the_same_address():
    request = _request("203.0.113.7", "198.51.100.1")
    assert ApiRateThrottle().get_ident(request) == "203.0.113.7"


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "proxy.example"])
def test_a_malformed_entry_is_named(entry):
    from lipsync_site.client_ip import trusted_networks

    with pytest.raises(ValueError, match=entry.replace(".", r"\.")):
        trusted_networks((entry,))
