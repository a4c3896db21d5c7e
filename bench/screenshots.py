"""Screenshots of the main pages into docs/screenshots/*.png.

They are taken by two browser tests: tests/browser/test_customer_journey.py walks a new customer
through the site (landing, billing, API keys, the studio with a finished video, the dashboard,
the API guide and the Portuguese dashboard); tests/browser/test_languages.py shows landing,
studio, dashboard and the language menu in other languages (`<page>-<language>.png`; German,
Japanese and Russian unless --languages says otherwise). Needs /usr/bin/chromium, and a CJK font
for Japanese, Korean and Chinese (Debian: apt-get install -y fonts-noto-cjk).

    .venv/bin/python bench/screenshots.py                      # both
    .venv/bin/python bench/screenshots.py --languages de ja ru ko --only-languages
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "screenshots"
JOURNEY = "tests/browser/test_customer_journey.py"
LANGUAGES = "tests/browser/test_languages.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", nargs="+", default=["de", "ja", "ru"],
                        help="language codes of settings.LANGUAGES (default: de ja ru)")
    parser.add_argument("--only-languages", action="store_true",
                        help="skip the customer journey (it runs a real worker and takes longer)")
    options = parser.parse_args()
    env = {**os.environ, "LIPSYNC_SCREENSHOTS_DIR": str(TARGET),
           "LIPSYNC_SCREENSHOT_LANGUAGES": " ".join(options.languages)}
    tests = [LANGUAGES] if options.only_languages else [JOURNEY, LANGUAGES]
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
                          cwd=ROOT, env=env)
    if done.returncode == 0:
        for path in sorted(TARGET.glob("*.png")):
            print(path.relative_to(ROOT))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
