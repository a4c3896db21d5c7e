"""Old import path: see media_intake.errors."""

from media_intake.errors import InputError

__all__ = ["InputError"]
