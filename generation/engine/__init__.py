"""The generation engine boundary: plain Python, no Django import anywhere in this package.

    from generation.engine import EngineRequest, get_engine
    request = EngineRequest(mode="image", image=..., audio=..., out_path=...)
    result = get_engine(name).render(request)
"""

import os

# numpy's OpenBLAS starts a thread per core that spins after each product; the engine's products
# are tiny and x264 needs those cores (measured: ~1.2 s of CPU per 10 s of 720p output). Only
# effective when set before numpy is first imported, hence here and in manage.py.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .base import (  # noqa: E402
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
