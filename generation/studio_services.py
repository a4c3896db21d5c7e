"""Writes of the studio and of support on jobs: deleting an output, retrying a failed job.

Kept apart from services.py (the API's job lifecycle); both go through the same conditional
UPDATEs and the same submission path, so the ledger rules are the same whoever acts.
"""

import logging

from django.core.files.storage import default_storage

from generation import services
from generation.models import Job, Status

log = logging.getLogger(__name__)


class JobNotRetryable(Exception):
    def __init__(self, job: Job):
        self.job = job
        super().__init__(f"Job {job.id} is {job.status}; only a failed job can be retried.")


def job_output_delete(*, job: Job) -> bool:
    """Delete a finished job's video for good; False when it had none (or it was gone).

    The row forgets the file first (a conditional UPDATE, so two clicks delete once), then the
    file is removed from storage, outside any transaction. The job itself stays in the history.
    """
    name = job.output
    if not name:
        return False
    forgotten = Job.objects.filter(pk=job.pk, output=name).update(output="",
                                                                  output_expires_at=None)
    job.refresh_from_db(fields=["output", "output_expires_at"])
    if not forgotten:
        return False
    try:
        default_storage.delete(name)
    except OSError:  # the row no longer points at it; purgeoutputs-style cleanup can retry
        log.warning("could not delete the output file %s of job %s", name, job.id)
    return True


def job_retry(*, job: Job) -> Job:
    """Run a failed job again as a NEW job with the same inputs, owner, ledger, key and webhook.

    A new row, not the old one reset: the failed job's result was already reported (by polling
    and webhook) and its hold settled under job:<id>:* ledger keys, so it stays as it was. The new
    job is priced, held and charged like any submission (the failed one cost nothing), and needs
    the minimum balance; raises JobNotRetryable for a job that did not fail, and NotEnoughCredits.
    """
    if job.status != Status.FAILED:
        raise JobNotRetryable(job)
    body = {"webhook": job.webhook, "formState": job.form_state}
    new_job, _ = services.job_submit(
        owner=job.owner, ledger=job.ledger, api_key=job.api_key, model=job.model,
        form_state=dict(job.form_state), webhook=job.webhook, idempotency_key=None,
        fingerprint=services.request_fingerprint(model=job.model, body=body),
    )
    return new_job
