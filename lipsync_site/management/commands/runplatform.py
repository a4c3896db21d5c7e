"""`make run`: the whole platform in one command (embedded Redis, one RQ worker, web server)."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from lipsync_site import embedded_redis
from lipsync_site.health import database_state, redis_state
from lipsync_site.redact import redact_url

WORKER_QUEUES = ["gpu", "webhooks", "default"]
WORKER_ARGS = ["rqworker", *WORKER_QUEUES, "--with-scheduler"]


class Command(BaseCommand):
    help = "Start embedded Redis (unless REDIS_URL is set), one RQ worker and the web server."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--no-worker", action="store_true", help="web server only")

    def handle(self, *args, port: int, no_worker: bool, **options):
        embedded = "REDIS_URL" not in os.environ
        if embedded:
            embedded_redis.start(settings.EMBEDDED_REDIS_SOCKET)
        children: list[subprocess.Popen] = []
        try:
            self._preflight()
            call_command("migrate", interactive=False, verbosity=0)
            if not no_worker:
                children.append(self._spawn(WORKER_ARGS))
                children.append(self._spawn(["rqcron", "lipsync_site.cron"]))
            children.append(self._spawn(["runserver", f"127.0.0.1:{port}", "--noreload"]))
            self._print_urls(port, embedded)
            self._supervise(children)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            _stop_all(children)
            if embedded:
                embedded_redis.stop(settings.EMBEDDED_REDIS_SOCKET)

    def _preflight(self) -> None:
        redis = redis_state()
        if not redis.ok:
            raise CommandError(
                f"Redis at REDIS_URL={redact_url(settings.REDIS_URL)} is unreachable "
                f"({redis.detail}); start it, or unset REDIS_URL to use the embedded one."
            )
        database = database_state()
        if not database.ok:
            raise CommandError(
                f"The database at DATABASE_URL={redact_url(settings.DATABASE_URL)} is "
                f"unreachable ({database.detail}); start it or fix DATABASE_URL."
            )

    def _spawn(self, args: list[str]) -> subprocess.Popen:
        env = {**os.environ, "REDIS_URL": settings.REDIS_URL}
        return subprocess.Popen([sys.executable, "manage.py", *args], env=env,
                                cwd=settings.BASE_DIR)

    def _print_urls(self, port: int, embedded: bool) -> None:
        base = f"http://127.0.0.1:{port}"
        where = "embedded, " + str(settings.EMBEDDED_REDIS_SOCKET) if embedded else "REDIS_URL"
        self.stdout.write(self.style.SUCCESS("Lipsync platform is starting:"))
        for label, path in [("Web", "/"), ("Dashboard", "/dashboard/"), ("API docs", "/api/docs/"),
                            ("Admin", "/admin/"), ("Health", "/healthz")]:
            self.stdout.write(f"  {label:<10} {base}{path}")
        queues = ", ".join(WORKER_QUEUES)
        self.stdout.write(f"  Worker     queues {queues}, plus rqcron; Redis: {where}")
        self.stdout.write("  Ctrl-C stops everything. Admin user: python manage.py createsuperuser")

    def _supervise(self, children: list[subprocess.Popen]) -> None:
        """A worker that dies (killed, out of memory) is started again, as a process manager
        would in production; the reaper then takes back the job it was running. Any other
        child exiting stops the platform."""
        while True:
            for index, child in enumerate(children):
                if child.poll() is None:
                    continue
                if child.args[2:] == WORKER_ARGS:
                    self.stderr.write(f"worker exited ({child.returncode}); starting a new one")
                    children[index] = self._spawn(WORKER_ARGS)
                else:
                    raise CommandError(f"{child.args[2]} exited with status {child.returncode}")
            time.sleep(0.5)


def _stop_all(children: list[subprocess.Popen], grace: float = 10.0) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
