"""The generation engine boundary: plain Python, no Django import anywhere in this package.

    from generation.engine import EngineRequest, get_engine
    request = EngineRequest(mode="image", image=..., audio=..., out_path=...)
    result = get_engine(name).render(request)
"""

from .base import (
    EngineCancelled,
    EngineError,
    EngineInputError,
    EngineRequest,
    EngineResult,
)
from .registry import DEFAULT_ENGINE, UnknownEngineError, get_engine, known_engines

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
]
