"""Old import path of `media_intake` (the engine still imports it from here).

Kept as re-exports until the engine package imports `media_intake` directly; new code imports
`media_intake`.
"""

from media_intake.errors import InputError

__all__ = ["InputError"]
