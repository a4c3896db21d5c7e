"""Generation tests use the project-wide fixtures of tests/conftest.py (media, media_server,
public_dns, api, ...). The media builders are re-exported here for the engine tests that still
import them from this module."""

from tests.media_intake.factories import make_audio, make_image, make_video

__all__ = ["make_audio", "make_image", "make_video"]
