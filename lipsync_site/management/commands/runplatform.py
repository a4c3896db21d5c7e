"""`make run`: the whole platform in one command (embedded Redis, one RQ worker, web server).

Ctrl-C, SIGTERM (a process manager, `docker stop`) and SIGHUP (a closed terminal) all stop
everything it started, the embedded Redis included. Each child runs in its own process group, so
stopping it also stops what it started (the worker's work horse), and is told by the kernel to
stop should this process die without cleaning up (SIGKILL). A lock under var/ tells a second
`make run` that one is still running; a Redis left over by a run that was killed is stopped.
"""

import ctypes
import fcntl
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

WORKER_QUEUES = ["gpu", "fetch", "webhooks", "default"]
WORKER_ARGS = ["rqworker", *WORKER_QUEUES, "--with-scheduler"]
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class StopRequested(Exception):
    """A stop signal arrived; raised from the signal handler so that `finally` cleans up."""


class Command(BaseCommand):
    help = "Start embedded Redis (unless REDIS_URL is set), one RQ worker and the web server."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--no-worker", action="store_true", help="web server only")

    def handle(self, *args, port: int, no_worker: bool, **options):
        lock = _platform_lock(settings.VAR_DIR / "runplatform.lock")
        embedded = "REDIS_URL" not in os.environ
        children: list[subprocess.Popen] = []
        for number in STOP_SIGNALS:
            signal.signal(number, _raise_stop)
        try:
            if embedded:
                self._start_embedded_redis()
            self._preflight()
            call_command("migrate", interactive=False, verbosity=0)
            if not no_worker:
                children.append(self._spawn(WORKER_ARGS))
                children.append(self._spawn(["rqcron", "lipsync_site.cron"]))
            children.append(self._spawn(["runserver", f"127.0.0.1:{port}", "--noreload"]))
            self._print_urls(port, embedded)
            self._supervise(children)
        except StopRequested:
            self.stdout.write("\nStopping…")
        finally:
            for number in STOP_SIGNALS:
                signal.signal(number, signal.SIG_IGN)  # a second signal must not cut cleanup short
            _stop_all(children)
            if embedded:
                embedded_redis.stop(settings.EMBEDDED_REDIS_SOCKET)
            lock.close()

    def _start_embedded_redis(self) -> None:
        socket = settings.EMBEDDED_REDIS_SOCKET
        leftover = embedded_redis.server_pid(socket)
        if leftover is not None or embedded_redis.is_running(socket):
            # We hold the lock, so no other run uses it: an earlier run was killed outright.
            self.stderr.write(f"Stopping a Redis server left over by an earlier run "
                              f"(pid {leftover or 'unknown'}).")
            embedded_redis.stop(socket)
        embedded_redis.start(socket)

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
                                cwd=settings.BASE_DIR, process_group=0,
                                preexec_fn=_stop_with_parent)

    def _print_urls(self, port: int, embedded: bool) -> None:
        base = f"http://127.0.0.1:{port}"
        where = "embedded, " + str(settings.EMBEDDED_REDIS_SOCKET) if embedded else "REDIS_URL"
        self.stdout.write(self.style.SUCCESS("Lipsync platform is starting:"))
        for label, path in [("Web", "/"), ("Dashboard", "/dashboard/"), ("API docs", "/api/docs/"),
                            ("Admin", "/admin/"), ("Health", "/healthz")]:
            self.stdout.write(f"  {label:<10} {base}{path}")
        queues = ", ".join(WORKER_QUEUES)
        self.stdout.write(f"  Worker     queues {queues}, plus rqcron; Redis: {where}")
        self.stdout.write("  Ctrl-C (or SIGTERM) stops everything. "
                          "Admin user: .venv/bin/python manage.py createsuperuser")

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


def _raise_stop(number, frame) -> None:
    raise StopRequested(signal.Signals(number).name)


def _platform_lock(path):
    """An exclusive lock held while this run lives; the kernel drops it however we die."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # held open for the whole run
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise CommandError(f"The platform is already running from {settings.BASE_DIR} "
                           f"(pid {holder}); stop it first (Ctrl-C, or kill {holder}).") from None
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _stop_with_parent() -> None:
    """In the child before exec: the kernel sends SIGTERM if runplatform dies (Linux)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: the lock and the leftover check still apply


def _stop_all(children: list[subprocess.Popen], grace: float = 10.0) -> None:
    """SIGTERM to each child's process group, then SIGKILL to any group still there."""
    for child in children:
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        _signal_group(child, signal.SIGKILL)  # what the child started and left behind
        child.wait()


def _signal_group(child: subprocess.Popen, number: int) -> None:
    try:
        os.killpg(child.pid, number)
    except ProcessLookupError:
        pass  # the whole group has exited
