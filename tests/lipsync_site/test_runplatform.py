"""`make run`'s start-up: a service that cannot be reached is one clear line, not a traceback."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from lipsync_site import embedded_redis


def _runplatform(tmp_path, **env):
    return subprocess.run(
        [sys.executable, "manage.py", "runplatform", "--no-worker"],
        env={**os.environ, "LIPSYNC_VAR_DIR": str(tmp_path), **env},
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60,
    )


def test_unreachable_redis_is_named_with_the_fix(tmp_path):
    result = _runplatform(tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "Redis at REDIS_URL=redis://127.0.0.1:1/0 is unreachable" in result.stderr
    assert "unset REDIS_URL to use the embedded one" in result.stderr


def test_unreachable_database_is_named_without_its_password(tmp_path):
    result = _runplatform(
        tmp_path, DATABASE_URL="postgres://app:hunter2@127.0.0.1:1/lipsync"
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "DATABASE_URL=postgres://app:***@127.0.0.1:1/lipsync is unreachable" in result.stderr
    assert "hunter2" not in result.stderr


# --- stopping: every signal a process manager or a terminal sends stops all that it started ------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _own_services_env(var_dir: Path) -> dict:
    """The embedded Redis and a SQLite database under var_dir, whatever CI exports."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("REDIS_URL", "DATABASE_URL")}
    return {**env, "LIPSYNC_VAR_DIR": str(var_dir)}


def _start_platform(var_dir: Path, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "runplatform", "--port", str(port)],
        env=_own_services_env(var_dir), cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _wait_until_serving(process: subprocess.Popen, var_dir: Path, port: int) -> tuple[int, set]:
    """The platform answers /healthz and its worker and rqcron run: (redis pid, child pids)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        children = _descendants(process.pid)
        redis_pid = embedded_redis.server_pid(var_dir / "redis" / "redis.sock")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                healthy = answer.status == 200
        except OSError:
            healthy = False
        if healthy and redis_pid and len(children) >= 3:
            return redis_pid, children
        time.sleep(0.5)
    raise AssertionError("the platform did not start within 90 s")


def _stop_platform(process: subprocess.Popen, number: int) -> str:
    process.send_signal(number)
    output, _ = process.communicate(timeout=60)
    return output


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_stops_redis_the_worker_and_the_web_server(tmp_path, number):
    port = _free_port()
    process = _start_platform(tmp_path, port)
    try:
        redis_pid, children = _wait_until_serving(process, tmp_path, port)
    finally:
        output = _stop_platform(process, number)
    assert "Stopping…" in output
    hint = ".venv/bin/python manage.py createsuperuser"  # what the README says
    assert f"Admin user: {hint}" in output
    assert hint in (Path(settings.BASE_DIR) / "README.md").read_text().replace("\n", " ")
    survivors = [pid for pid in {redis_pid, *children} if _alive(pid)]
    assert survivors == [], output
    if number != signal.SIGTERM:
        return

    # A second run starts cleanly on the same var/ and finds no stale Redis.
    process = _start_platform(tmp_path, port)
    try:
        second_redis, _ = _wait_until_serving(process, tmp_path, port)
    finally:
        output = _stop_platform(process, signal.SIGTERM)
    assert second_redis != redis_pid
    assert "left over" not in output
    assert not _alive(second_redis)


def test_a_redis_left_by_a_killed_run_is_stopped_and_replaced(tmp_path):
    socket_path = tmp_path / "redis" / "redis.sock"
    embedded_redis.start(socket_path)  # what a run killed with SIGKILL leaves behind
    leftover = embedded_redis.server_pid(socket_path)
    assert leftover and _alive(leftover)
    port = _free_port()
    process = _start_platform(tmp_path, port)
    try:
        fresh, _ = _wait_until_serving(process, tmp_path, port)
    finally:
        output = _stop_platform(process, signal.SIGTERM)
    assert f"Stopping a Redis server left over by an earlier run (pid {leftover})" in output
    assert fresh != leftover and not _alive(leftover) and not _alive(fresh)


def test_a_second_run_while_one_runs_is_refused_and_leaves_the_first_alone(tmp_path):
    port = _free_port()
    first = _start_platform(tmp_path, port)
    try:
        redis_pid, _ = _wait_until_serving(first, tmp_path, port)
        second = subprocess.run(
            [sys.executable, "manage.py", "runplatform", "--no-worker", "--port", str(port)],
            env=_own_services_env(tmp_path), cwd=settings.BASE_DIR,
            capture_output=True, text=True, timeout=60,
        )
        assert second.returncode != 0
        assert f"The platform is already running from {settings.BASE_DIR} (pid {first.pid})" \
            in second.stderr
        assert "Traceback" not in second.stderr
        assert _alive(redis_pid) and first.poll() is None
    finally:
        _stop_platform(first, signal.SIGTERM)
