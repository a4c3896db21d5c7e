"""Jobs run by real RQ worker processes against real Redis, inputs from a local HTTP server."""

import av
import pytest
from django.test import Client

from generation.models import Job
from tests.apikeys.factories import key_client
from tests.billing.factories import funded_account
from tests.generation.factories import submit_image_job
from tests.media_intake.factories import make_audio, make_lying_matroska
from tests.worker import run_burst_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _run_worker():
    result = run_burst_worker("fetch", "gpu", LIPSYNC_ALLOW_PRIVATE_URLS="1")
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _duration_of(content: bytes, tmp_path) -> tuple[float, int]:
    path = tmp_path / "out.mp4"
    path.write_bytes(content)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return float(container.duration / av.time_base), stream.codec_context.height


def test_the_briefs_polling_example_end_to_end(api, local_inputs, media, tmp_path):
    image = local_inputs.serve_file("/face.png", media.image_png, "image/png")
    audio = local_inputs.serve_file("/voice.wav", media.audio_wav, "audio/wav")  # 1.5 s
    submitted = api.post("/api/v1/lipsync-image", {"formState": {
        "image": image, "audio": audio, "resolution": "720p"}}, format="json")
    assert submitted.status_code == 202

    _run_worker()

    job = api.get(submitted["Location"]).json()
    assert job["status"] == "completed", job
    assert job["error"] == "" and job["progress"] == 1.0
    assert job["credits"] == 20  # 1.5 s -> minimum 5 s x 4 credits at 720p
    assert job["executionTime"] > 0
    assert {"queue", "download", "render", "encode", "upload"} <= set(job["timings"])
    assert job["completedAt"] is not None and job["errorCode"] is None
    assert job["expiresAt"] > job["completedAt"]
    assert api.get("/api/v1/balance").json() == {
        "ledger": "api", "balance": 980, "held": 0, "available": 980}

    # The output URL needs no key: a plain browser can fetch it.
    video = Client().get(job["output"])
    assert video.status_code == 200 and video["Content-Type"] == "video/mp4"
    duration, height = _duration_of(b"".join(video.streaming_content), tmp_path)
    assert abs(duration - 1.5) < 0.15 and height == 720


def test_multi_and_video_modes_complete(api, local_inputs, media):
    left = local_inputs.serve_file("/l.wav", media.audio_wav, "audio/wav")
    right = local_inputs.serve_file("/r.wav", media.audio_short, "audio/wav")
    image = local_inputs.serve_file("/two.png", media.image_png, "image/png")
    clip = local_inputs.serve_file("/clip.mp4", media.video_mp4, "video/mp4")
    multi = api.post("/api/v1/lipsync-image-multi", {"formState": {
        "image": image, "left_audio": left, "right_audio": right, "order": "left_right"}},
        format="json").json()["id"]
    video = api.post("/api/v1/lipsync-video", {"formState": {"video": clip, "audio": left}},
                     format="json").json()["id"]
    _run_worker()
    for job_id in (multi, video):
        job = api.get(f"/api/v1/jobs/{job_id}").json()
        assert job["status"] == "completed", job
    assert Job.objects.get(pk=multi).billed_seconds == pytest.approx(2.5, abs=0.05)
    # A 1 s video with 1.5 s of audio is extended to the audio's length and billed on the
    # video's (the contract's rule), at the 5 s minimum: 10 credits at 480p.
    video_job = Job.objects.get(pk=video)
    assert video_job.billed_seconds == pytest.approx(1.0, abs=0.05)
    assert video_job.output_duration == pytest.approx(1.5, abs=0.1) and video_job.credits == 10


@pytest.mark.parametrize("serve, says, code", [
    (lambda server, media: server.status("/voice.wav", 404),
     "formState.audio could not be downloaded", "input_unreachable"),
    (lambda server, media: server.serve_file("/voice.wav", media.text, "audio/wav"),
     "formState.audio", "input_not_media"),
    (lambda server, media: server.serve_file("/voice.wav", media.image_png, "audio/wav"),
     "formState.audio", "input_not_media"),
])
def test_a_bad_input_fails_the_job_clearly_and_costs_nothing(api, local_inputs, media, serve,
                                                              says, code):
    image = local_inputs.serve_file("/face.png", media.image_png, "image/png")
    audio = serve(local_inputs, media)
    job_id = api.post("/api/v1/lipsync-image", {"formState": {"image": image, "audio": audio}},
                      format="json").json()["id"]
    _run_worker()
    job = api.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "failed"
    assert job["error"].startswith(says), job["error"]
    assert job["errorCode"] == code and job["credits"] == 0
    assert job["output"] is None and job["executionTime"] is None and job["expiresAt"] is None
    assert api.get("/api/v1/balance").json()["available"] == 1000


def test_not_enough_credits_for_the_real_length_fails_and_costs_nothing(owner, local_inputs,
                                                                         media):
    funded_account(owner, "api", 10)  # enough to submit at 480p (minimum 10), not for 12 s of audio
    client = key_client(owner)

    long_audio = make_audio(media.root / "twelve.wav", 12)
    job_id = submit_image_job(client, local_inputs, media, audio=long_audio)
    _run_worker()
    job = client.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "failed"
    assert "needs 24 API credits" in job["error"] and "10 are available" in job["error"]
    assert job["errorCode"] == "insufficient_credits" and job["credits"] == 0
    assert client.get("/api/v1/balance").json() == {
        "ledger": "api", "balance": 10, "held": 0, "available": 10}


def test_an_audio_that_lies_about_its_length_is_billed_for_what_is_rendered(api, local_inputs,
                                                                             media, tmp_path):
    liar = make_lying_matroska(tmp_path / "liar.mka", claimed_seconds=1, seconds=30)
    job_id = submit_image_job(api, local_inputs, media, audio=liar,
                              audio_type="audio/x-matroska")
    _run_worker()
    job = api.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "completed", job
    assert job["credits"] == 60  # 30 s at 480p, not the 5 s minimum the header would cost
    assert Job.objects.get(pk=job_id).output_duration == pytest.approx(30, abs=0.1)
    assert api.get("/api/v1/balance").json()["balance"] == 940
