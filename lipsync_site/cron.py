"""Periodic jobs, run by `python manage.py rqcron lipsync_site.cron` (started by `make run`;
run exactly one such process in production)."""

from django.conf import settings
from rq import cron

from generation.worker.tasks import recover_jobs
from webhooks.tasks import sweep_overdue_deliveries

cron.register(recover_jobs, queue_name="default",
              interval=settings.LIPSYNC_REAPER_INTERVAL_SECONDS)
cron.register(sweep_overdue_deliveries, queue_name="webhooks",
              interval=settings.LIPSYNC_WEBHOOK_SWEEP_INTERVAL_SECONDS)
