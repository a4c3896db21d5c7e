"""Fixtures for the worker tests: inputs served from 127.0.0.1 (allowed here, as `make run`
can), for the test process and the worker processes alike."""

import pytest


@pytest.fixture
def local_inputs(settings, media_server):
    settings.LIPSYNC_ALLOW_PRIVATE_URLS = True
    return media_server
