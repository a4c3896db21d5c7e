"""The "still" engine: the picture (or the source video) with the new audio, lips unmoved; the
honest placeholder that shows the output format without any model. No Django."""

from .engine import StillEngine

__all__ = ["StillEngine"]
