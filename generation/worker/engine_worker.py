"""The RQ worker class (settings.RQ["WORKER_CLASS"]): one process that keeps its engine warm.

`manage.py rqworker` builds this class. Before its first job it decides the engine (the
configured one when it can run on this machine; wav2lip needs a checkpoint file and PyTorch,
musetalk three model folders and PyTorch, diffusers, transformers; when it cannot, one line says
why and the jobs render with the default engine instead of failing) and loads that engine's
models. Jobs then run in this same process, not in a process forked per job
as RQ's default worker does: a forked job would load the face models, the phone decoder and the
network weights again every time (measured: ~1.7 s a job for the lipsync engine's models, 0.7 s
for wav2lip's weights plus the CUDA start-up), and CUDA cannot be used from a forked child. A job
that runs too long is still stopped by RQ's timeout (SIGALRM in this process); a worker that
dies is restarted by `runplatform` and its job picked up by the reaper (lipsync_site/cron.py).
"""

import logging
import time

from django.conf import settings
from django.db import close_old_connections
from rq import SimpleWorker

from lipsync_engine import get_engine, usable_engine

log = logging.getLogger(__name__)


def job_engine_name() -> str:
    """The engine this worker renders with: LIPSYNC_ENGINE when it can run here, else the
    default one. Cheap (no engine import), so every render asks again."""
    name, _problem = usable_engine(settings.LIPSYNC_ENGINE,
                                   wav2lip_checkpoint=settings.LIPSYNC_WAV2LIP_CHECKPOINT,
                                   musetalk_folders=_musetalk_folders())
    return name


def _musetalk_folders() -> tuple[str, str, str]:
    return (settings.LIPSYNC_MUSETALK_UNET, settings.LIPSYNC_MUSETALK_VAE,
            settings.LIPSYNC_MUSETALK_WHISPER)


def announce_engine() -> str:
    """Log which engine this worker runs (one line; a warning when it falls back)."""
    name, problem = usable_engine(settings.LIPSYNC_ENGINE,
                                  wav2lip_checkpoint=settings.LIPSYNC_WAV2LIP_CHECKPOINT,
                                  musetalk_folders=_musetalk_folders())
    if problem:
        log.warning(problem)
    else:
        log.info("This worker renders with the engine %r.", name)
    return name


def warm_engine(name: str) -> None:
    """Load the engine's models now, so that the first job does not wait for them."""
    started = time.perf_counter()
    engine = get_engine(name)
    warm_up = getattr(engine, "warm_up", None)
    if warm_up is not None:
        warm_up()
        log.info("Engine %r ready in %.1f s.", name, time.perf_counter() - started)


class EngineWorker(SimpleWorker):
    def bootstrap(self, *args, **kwargs) -> None:
        super().bootstrap(*args, **kwargs)
        warm_engine(announce_engine())

    def execute_job(self, job, queue):
        # A long-lived process: database connections that broke or aged out between jobs are
        # closed here, as Django does around each request.
        close_old_connections()
        try:
            return super().execute_job(job, queue)
        finally:
            close_old_connections()
