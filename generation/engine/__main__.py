"""`python -m generation.engine ...`: an alias of `python -m lipsync_engine ...` for one release
(removed in the next one)."""

import sys

from lipsync_engine.__main__ import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m generation.engine"))
