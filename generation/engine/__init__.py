"""An alias of `lipsync_engine`, the engine's own package since it moved out of generation/.

Kept for one release so that `python -m generation.engine ...` and `from generation.engine
import ...` keep working; it will be removed in the next release: use `lipsync_engine`.
"""

import lipsync_engine
from lipsync_engine import *  # noqa: F403 (the same public names)

__all__ = lipsync_engine.__all__
