"""An alias of `lipsync_engine`, the engine's own package since it moved out of generation/.

Kept for one release so that `python -m generation.engine ...` and `from generation.engine
import ...` keep working; it will be removed in the next release: use `lipsync_engine`.
"""

from lipsync_engine import (
    DEFAULT_ENGINE,
    EngineCancelled,
    EngineError,
    EngineInputError,
    EngineRequest,
    EngineResult,
    UnknownEngineError,
    get_engine,
    known_engines,
    usable_engine,
)

__all__ = [
    "DEFAULT_ENGINE",
    "EngineCancelled",
    "EngineError",
    "EngineInputError",
    "EngineRequest",
    "EngineResult",
    "UnknownEngineError",
    "get_engine",
    "known_engines",
    "usable_engine",
]
