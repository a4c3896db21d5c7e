#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lipsync_site.settings")
    # Before numpy loads: its BLAS threads only spin on the engine's tiny products (see
    # lipsync_engine/__init__.py).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A configuration mistake gets one line that says what to fix, not a traceback.
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
