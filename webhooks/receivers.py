import logging

from webhooks import services

log = logging.getLogger(__name__)


def on_job_finished(sender, *, job_id, **kwargs) -> None:
    """A job finished and its transaction committed: queue its webhook, if it has one.

    The job's outcome is already final, so a failure here is logged rather than raised into
    the code that finished the job (which could not undo it anyway).
    """
    try:
        services.delivery_create_for_job(job_id=job_id)
    except Exception:
        log.exception("could not create the webhook delivery of job %s", job_id)
