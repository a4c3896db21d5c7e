"""Platform-level RQ jobs."""

import os

from django.contrib.auth import get_user_model
from django.db import connection


def worker_selfcheck() -> dict:
    """Proves a worker has the settings, the database and the queue (support runs it after
    deploys); the process id tells which worker process ran it."""
    return {"database": connection.vendor, "users": get_user_model().objects.count(),
            "process": os.getpid()}
