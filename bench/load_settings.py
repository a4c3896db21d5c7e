"""Settings for bench/load.py only: the site's own settings plus bench/urls.py (a bare DRF view
beside the real API). Production runs lipsync_site.settings, where that view does not exist."""

from lipsync_site.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
