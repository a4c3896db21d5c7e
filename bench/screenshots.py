"""Screenshots of the main pages into docs/screenshots/*.png.

They are taken by the browser test (tests/browser/test_customer_journey.py) as it walks a new
customer through the site: landing, billing, API keys, the studio with a finished video, the
dashboard, the API guide and the Portuguese dashboard. Needs /usr/bin/chromium.

    .venv/bin/python bench/screenshots.py
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "screenshots"


def main() -> int:
    env = {**os.environ, "LIPSYNC_SCREENSHOTS_DIR": str(TARGET)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/browser/test_customer_journey.py"], cwd=ROOT, env=env)
    if done.returncode == 0:
        for path in sorted(TARGET.glob("*.png")):
            print(path.relative_to(ROOT))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
