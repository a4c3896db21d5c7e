"""Webhook test data: a real HTTP receiver on 127.0.0.1, jobs and deliveries, and RQ helpers.

`receiver` is a threaded HTTP server that records every POST (path, headers, exact body) and
answers each path from a script: statuses in order (the last one repeats), a redirect, or hostile
behaviour (never answering, endless data, a connection reset, headers dripped byte by byte).
Tests never contact any other address.
"""

from __future__ import annotations

import http.server
import socket
import struct
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta

import django_rq
from django.utils import timezone
from rq import SimpleWorker

from generation.models import Job, Mode, Status
from webhooks import payloads
from webhooks.models import Attempt, Delivery, DeliveryStatus, Event

HANG = "hang"  # read the request, never answer
FLOOD = "flood"  # 200 announcing 10 GB, then bytes until the client hangs up
RESET = "reset"  # read the request, then reset the connection (RST)
DRIP = "drip"  # a status line, then one header byte every 0.2 s, forever


@dataclass(frozen=True)
class Redirect:
    location: str
    status: int = 302


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self) -> None:
        self.scripts: dict[str, list] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.requests: list[Received] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True)

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def script(self, path: str, *answers) -> str:
        """Answer POSTs to `path` with `answers` in order; the last one repeats. An answer is
        a status, a (status, body) pair, a Redirect, or HANG / FLOOD / RESET / DRIP."""
        self.scripts[path] = list(answers)
        return self.url(path)

    def serve(self, path: str, body: bytes, content_type: str) -> str:
        """Answer GETs to `path` with a file (a job's input)."""
        self.files[path] = (body, content_type)
        return self.url(path)

    def received(self, path: str = "/hook") -> list[Received]:
        return [request for request in self.requests if request.path == path]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _next_answer(self, path: str):
        with self._lock:
            answers = self.scripts.get(path, [404])
            return answers.pop(0) if len(answers) > 1 else answers[0]

    def _handler_class(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                body, content_type = receiver.files.get(self.path, (b"", ""))
                if not content_type:
                    self._respond(404, b"no such file\n")
                else:
                    self._respond(200, body, {"Content-Type": content_type})
                self.close_connection = True

            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                try:
                    self._answer(receiver._next_answer(self.path))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout or its read limit): expected
                self.close_connection = True

            def _answer(self, answer) -> None:
                if answer == HANG:
                    receiver.stopping.wait()
                elif answer == FLOOD:
                    self._flood()
                elif answer == RESET:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack("ii", 1, 0))
                    self.connection.close()
                elif answer == DRIP:
                    self._drip()
                elif isinstance(answer, tuple):  # (status, body)
                    self._respond(*answer)
                elif isinstance(answer, Redirect):
                    self._respond(answer.status, b"moved\n", {"Location": answer.location})
                else:
                    self._respond(answer, f"answer {answer}\n".encode())

            def _respond(self, status: int, body: bytes, headers: dict | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _flood(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(10 * 1024**3))
                self.end_headers()
                chunk = b"x" * 65536
                while not receiver.stopping.is_set():
                    self.wfile.write(chunk)

            def _drip(self) -> None:
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                while not receiver.stopping.wait(0.2):
                    self.wfile.write(b"X")
                    self.wfile.flush()

            def log_message(self, format, *args) -> None:  # noqa: A002
                pass

        return Handler


# The same settings for a worker process (run_burst_worker(..., **LOCAL_WEBHOOKS_ENV)).
LOCAL_WEBHOOKS_ENV = {
    "LIPSYNC_ALLOW_PRIVATE_URLS": "1",
    "LIPSYNC_ALLOW_HTTP_WEBHOOKS": "1",
    "LIPSYNC_WEBHOOK_RETRY_SCHEDULE": "0,0",
    "LIPSYNC_WEBHOOK_TIMEOUT_SECONDS": "1",
}


def free_port_url(path: str = "/hook") -> str:
    """A URL on 127.0.0.1 where nothing listens: a receiver that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def make_webhook_job(owner, *, webhook: str = "", status: str = Status.COMPLETED, **fields) -> Job:
    """A job row as the pipeline leaves it (completed with an output, by default)."""
    now = timezone.now()
    job_id = uuid.uuid4()
    defaults = {"ledger": "api", "model": Mode.IMAGE, "form_state": {}, "progress": 0.0}
    if status == Status.COMPLETED:
        defaults.update(
            progress=1.0, output=f"outputs/{job_id}.mp4", output_duration=1.5, credits=20,
            output_expires_at=now + timedelta(days=7), execution_ms=4321, completed_at=now,
            timings={"queue": 5, "download": 40, "render": 900, "encode": 200, "upload": 10},
            warnings=["prompt is ignored by this engine"], started_at=now,
        )
    return Job.objects.create(id=job_id, owner=owner, webhook=webhook, status=status,
                              **{**defaults, **fields})


def drain_webhooks_queue() -> None:
    """Run every attempt queued on `webhooks` (retries queued meanwhile included) in this
    process, through real RQ and Redis. Needs django_db(transaction=True): jobs are enqueued
    when transactions commit."""
    worker = django_rq.get_worker("webhooks", worker_class=SimpleWorker)
    worker.work(burst=True)


def queued_attempts() -> int:
    return django_rq.get_queue("webhooks").count


def forget_queued_attempts() -> None:
    """Empty the `webhooks` queue, as a Redis that lost its data would."""
    django_rq.get_queue("webhooks").empty()


def make_failed_delivery(owner, job=None) -> Delivery:
    """A delivery that failed once (503), as the delivery pages show it."""
    job = job or make_webhook_job(owner, webhook="https://hooks.example.com/lipsync")
    delivery = Delivery.objects.create(
        owner=owner, job=job, event=Event.JOB_FINISHED, message_id="msg_first",
        url=job.webhook, payload=payloads.job_body(job), status=DeliveryStatus.FAILED,
        attempt_count=1, finished_at=timezone.now(),
    )
    Attempt.objects.create(delivery=delivery, number=1, started_at=timezone.now(),
                           duration_ms=87, status_code=503, succeeded=False,
                           error="hooks.example.com answered 503 Service Unavailable.",
                           response_excerpt="upstream overloaded")
    return delivery
