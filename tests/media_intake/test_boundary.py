"""media_intake is plain Python: it imports in a fresh interpreter with no Django settings
configured, and loads no Django module (the apps pass their settings in as arguments)."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODULES = ["media_intake", "media_intake.errors", "media_intake.limits", "media_intake.media",
           "media_intake.safe_fetch", "media_intake.upload_checks"]


def test_media_intake_imports_without_django_settings(media):
    code = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}: importlib.import_module(name)\n"
        "from media_intake.upload_checks import check_uploaded_file\n"
        f"info = check_uploaded_file({str(media.image_png)!r}, kind='image')\n"
        "print(info.width, info.height)\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}

    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["300 400", "[]"]
