"""Jobs in a given state, with the ledger entries a real run would have left."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from billing.services import (
    credit_hold_capture,
    credit_hold_create,
    credit_hold_release,
)
from generation.models import Job, Mode, Status
from generation.outputs import output_expiry, output_storage_name
from tests.billing.factories import funded_account

IMAGE_FORM_STATE = {"image": "https://example.com/face.png",
                    "audio": "https://example.com/voice.mp3", "resolution": "480p",
                    "prompt": "", "seed": None}


def make_job(owner, *, status=Status.QUEUED, ledger="user", model=Mode.IMAGE, credits=None,
             progress=0.0, error="", form_state=None, **fields) -> Job:
    return Job.objects.create(owner=owner, ledger=ledger, model=model, status=status,
                              credits=credits, progress=progress, error=error,
                              form_state=form_state or dict(IMAGE_FORM_STATE), **fields)


def make_completed_job(owner, *, ledger="user", credits=20, with_output=True) -> Job:
    """A job that ran: credits held, then captured; optionally a stored (fake) MP4."""
    account = funded_account(owner, ledger, credits)  # what the job will spend
    job = make_job(owner, status=Status.RUNNING, ledger=ledger, credits=credits,
                   started_at=timezone.now())
    credit_hold_create(account=account, job_id=job.id, amount=credits)
    credit_hold_capture(job_id=job.id, amount=credits)
    output = ""
    if with_output:
        output = default_storage.save(output_storage_name(job.id), ContentFile(b"\0\0fake mp4"))
    Job.objects.filter(pk=job.pk).update(
        status=Status.COMPLETED, progress=1.0, output=output, output_duration=2.0,
        output_expires_at=output_expiry() if output else None, completed_at=timezone.now(),
        execution_ms=1200)
    job.refresh_from_db()
    return job


def make_running_job(owner, *, ledger="user", credits=10) -> Job:
    account = funded_account(owner, ledger, credits)
    job = make_job(owner, status=Status.RUNNING, ledger=ledger, credits=credits, progress=0.4,
                   started_at=timezone.now(), heartbeat_at=timezone.now())
    credit_hold_create(account=account, job_id=job.id, amount=credits)
    return job


def make_failed_job(owner, *, ledger="user", error="formState.audio is not audio.",
                    error_code="input_not_media", error_input="audio") -> Job:
    account = funded_account(owner, ledger, 10)
    job = make_job(owner, status=Status.RUNNING, ledger=ledger, credits=10,
                   started_at=timezone.now())
    credit_hold_create(account=account, job_id=job.id, amount=10)
    credit_hold_release(job_id=job.id)
    Job.objects.filter(pk=job.pk).update(status=Status.FAILED, error=error, error_code=error_code,
                                         error_input=error_input, completed_at=timezone.now())
    job.refresh_from_db()
    return job


def submit_image_job(client, server, media, *, audio=None, audio_type="audio/wav") -> str:
    """POST a portrait job whose inputs `server` (a MediaServer) serves: the synthetic image and
    `audio` (default: the 1.5 s WAV, 10 credits at 480p). Returns the job id."""
    image_url = server.serve_file("/face.png", media.image_png, "image/png")
    audio_url = server.serve_file("/voice", audio or media.audio_wav, audio_type)
    response = client.post("/api/v1/lipsync-image",
                           {"formState": {"image": image_url, "audio": audio_url}},
                           format="json")
    assert response.status_code == 202, response.json()
    return response.json()["id"]
