from lipsync_site.redact import url_for_log


def test_a_logged_url_keeps_scheme_host_and_path_only():
    assert url_for_log("https://u:pw@hooks.example.com:8443/in?token=abc#f") == (
        "https://hooks.example.com:8443/in")
    assert url_for_log("http://[2001:db8::1]/x?sig=1") == "http://[2001:db8::1]/x"
    assert url_for_log("https://hooks.example.com:99999/x?t=1") == "<unparseable URL>"
