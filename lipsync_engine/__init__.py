"""The lip-sync engine: plain Python, no Django import anywhere in this package.

    from lipsync_engine import EngineRequest, get_engine
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
from .common.registry import DEFAULT_ENGINE, UnknownEngineError, get_engine, known_engines  # noqa: E402
from .common.selection import usable_engine  # noqa: E402

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
