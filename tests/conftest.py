import pytest
import redis
from django.conf import settings

from tests.factories import UserFactory
from tests.media import MediaFiles, make_media_files


@pytest.fixture(autouse=True)
def _static_files_without_collectstatic(settings):
    """Production settings expect collectstatic's manifest; tests serve from the source tree."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def _fast_engine_for_job_plumbing(settings):
    """Tests of the API, workers, billing and webhooks use synthetic media without faces and
    need jobs to finish in a blink: they run the `still` engine. Tests of the lip-sync engine
    itself (tests/lipsync_engine, and tests that set LIPSYNC_ENGINE) use the real one."""
    settings.LIPSYNC_ENGINE = "still"


@pytest.fixture(autouse=True)
def _fresh_redis():
    """Each test starts with an empty Redis database (cache, throttles, queues)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    yield
    client.close()


@pytest.fixture
def owner(db):
    return UserFactory(email="owner@example.com")


@pytest.fixture
def outsider(db):
    return UserFactory(email="outsider@example.com")


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> MediaFiles:
    """Small synthetic media files (tests/media.py), made once per session."""
    return make_media_files(tmp_path_factory.mktemp("media"))
