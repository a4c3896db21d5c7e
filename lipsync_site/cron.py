"""Periodic jobs, run by `python manage.py rqcron lipsync_site.cron` (started by `make run`;
run exactly one such process in production)."""

from django.conf import settings
from rq import cron

from generation.tasks import reap_stale_jobs

cron.register(reap_stale_jobs, queue_name="default",
              interval=settings.LIPSYNC_REAPER_INTERVAL_SECONDS)
