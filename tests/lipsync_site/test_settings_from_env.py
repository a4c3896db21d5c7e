"""Settings come from the environment: checked in fresh interpreters so nothing leaks."""

import json
import os
import subprocess
import sys

from django.conf import settings

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "debug": settings.DEBUG, "hosts": settings.ALLOWED_HOSTS, "site": settings.SITE_URL,
    "engine": settings.DATABASES["default"]["ENGINE"], "db": settings.DATABASES["default"]["NAME"],
    "redis": settings.REDIS_URL, "cache": settings.CACHES["default"]["LOCATION"],
    "email": settings.EMAIL_BACKEND, "stripe": settings.STRIPE_WEBHOOK_SECRET,
    "secret": settings.SECRET_KEY, "storage": settings.STORAGES["default"]["BACKEND"],
}))
"""


def _settings_with(env: dict, tmp_path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "EMAIL_HOST"}}
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        env={**base, "DJANGO_SETTINGS_MODULE": "lipsync_site.settings",
             "LIPSYNC_VAR_DIR": str(tmp_path), **env},
        cwd=settings.BASE_DIR, capture_output=True, text=True,
    )


def test_environment_overrides_every_setting(tmp_path):
    result = _settings_with({
        "DEBUG": "1", "ALLOWED_HOSTS": "a.example,b.example", "SITE_URL": "https://x.example/",
        "DATABASE_URL": "postgres://u:p@db.example:5433/lips", "REDIS_URL": "redis://r:6379/2",
        "EMAIL_HOST": "smtp.example", "STRIPE_WEBHOOK_SECRET": "whsec_x", "SECRET_KEY": "s3cret",
        "LIPSYNC_S3_BUCKET": "lipsync-media",
    }, tmp_path)
    values = json.loads(result.stdout)
    assert values == {
        "debug": True, "hosts": ["a.example", "b.example"], "site": "https://x.example",
        "engine": "django.db.backends.postgresql", "db": "lips",
        "redis": "redis://r:6379/2", "cache": "redis://r:6379/2",
        "email": "django.core.mail.backends.smtp.EmailBackend", "stripe": "whsec_x",
        "secret": "s3cret", "storage": "storages.backends.s3.S3Storage",
    }


def test_defaults_keep_state_under_var_and_persist_the_generated_secret(tmp_path):
    first = json.loads(_settings_with({}, tmp_path).stdout)
    second = json.loads(_settings_with({}, tmp_path).stdout)
    assert first["debug"] is False
    assert first["engine"] == "django.db.backends.sqlite3"
    assert first["db"] == str(tmp_path / "db.sqlite3")
    assert first["redis"] == f"unix://{tmp_path}/redis/redis.sock?db=0"
    assert first["email"] == "django.core.mail.backends.console.EmailBackend"
    assert first["storage"] == "django.core.files.storage.FileSystemStorage"
    assert first["secret"] == second["secret"] and len(first["secret"]) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_wrong_database_url_gives_one_clear_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={**os.environ, "LIPSYNC_VAR_DIR": str(tmp_path), "DATABASE_URL": "postgress://x/y"},
        cwd=settings.BASE_DIR, capture_output=True, text=True,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "DATABASE_URL='postgress://x/y' is not a database URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_boolean_names_the_variable(tmp_path):
    result = _settings_with({"DEBUG": "maybe"}, tmp_path)
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


PRINT_SECURITY = """
import json, django
from django.conf import settings
django.setup()
from django.test import Client
response = Client().get("/healthz", secure=True)
database = settings.DATABASES["default"]
print(json.dumps({
    "hsts": settings.SECURE_HSTS_SECONDS, "subdomains": settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "session_secure": settings.SESSION_COOKIE_SECURE, "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
    "conn_max_age": database["CONN_MAX_AGE"], "health_checks": database["CONN_HEALTH_CHECKS"],
    "headers": {name: response.headers.get(name) for name in (
        "Strict-Transport-Security", "X-Content-Type-Options", "Referrer-Policy",
        "X-Frame-Options")},
}))
"""


def _security_with(env: dict, tmp_path) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SITE_URL"}}
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SECURITY],
        env={**base, "DJANGO_SETTINGS_MODULE": "lipsync_site.settings",
             "LIPSYNC_VAR_DIR": str(tmp_path), "ALLOWED_HOSTS": "testserver", **env},
        cwd=settings.BASE_DIR, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_an_https_site_sends_hsts_and_secure_cookies(tmp_path):
    values = _security_with({"DEBUG": "0", "SITE_URL": "https://lipsync.example"}, tmp_path)
    assert (values["hsts"], values["subdomains"]) == (31536000, False)
    assert values["session_secure"] and values["csrf_secure"]
    assert values["headers"] == {
        "Strict-Transport-Security": "max-age=31536000", "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY",
    }
    assert values["proxy_header"] is None  # no proxy named: the header is not believed


def test_hsts_subdomains_and_the_proxy_header_are_the_operators_choice(tmp_path):
    values = _security_with({
        "DEBUG": "0", "SITE_URL": "https://lipsync.example", "SECURE_HSTS_SECONDS": "600",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1", "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    }, tmp_path)
    assert values["headers"]["Strict-Transport-Security"] == "max-age=600; includeSubDomains"
    assert values["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_a_plain_http_site_sends_no_hsts_and_plain_cookies(tmp_path):
    values = _security_with({"DEBUG": "0", "SITE_URL": "http://10.0.0.2:8000"}, tmp_path)
    assert values["hsts"] == 0 and values["headers"]["Strict-Transport-Security"] is None
    assert not values["session_secure"] and not values["csrf_secure"]
    assert values["headers"]["X-Frame-Options"] == "DENY"


def test_database_connections_persist_with_health_checks_by_default(tmp_path):
    values = _security_with({"DATABASE_URL": "postgres://u@127.0.0.1:1/x"}, tmp_path)
    assert (values["conn_max_age"], values["health_checks"]) == (60, True)
    values = _security_with({"DATABASE_URL": "postgres://u@127.0.0.1:1/x",
                             "DATABASE_CONN_MAX_AGE": "0"}, tmp_path)
    assert values["conn_max_age"] == 0


def test_a_malformed_trusted_proxy_is_named(tmp_path):
    result = _settings_with({"LIPSYNC_TRUSTED_PROXIES": "10.0.0.1,proxy.internal"}, tmp_path)
    assert result.returncode != 0
    assert "LIPSYNC_TRUSTED_PROXIES: 'proxy.internal' is not an IP address" in result.stderr
