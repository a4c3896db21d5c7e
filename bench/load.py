"""The API under load: the real server, its real database and Redis, many concurrent clients.

    .venv/bin/python bench/load.py [--seconds 60] [--connections 32] [--workers 4]
                                   [--label "after"] [--profile]

Starts gunicorn (sync workers, as in the README's Production) on 127.0.0.1 with
bench/load_settings.py, on PostgreSQL 127.0.0.1:5432 (database lipsync_load, dropped and made
again each run) and the Redis at 127.0.0.1:6379, database 12 (flushed before and after). The
clients are `wrk` (apt package wrk), `--connections` keep-alive connections on 4 threads; each
request takes the next of 32 API keys (one account, one job per key). Phases of equal length
(`--seconds` in all), each with every connection on one operation:

- bare: GET /bench/bare, a DRF view with the same API-key authentication and nothing else;
- poll: GET /api/v1/jobs/{id};
- balance: GET /api/v1/balance;
- submit: POST /api/v1/lipsync-image (validate, check the URLs, insert the job, enqueue the
  prepare stage on commit). No worker runs, so jobs stay queued and nothing is rendered;
- healthz: GET /healthz (no authentication; a database and a Redis round trip).

Rate limits are raised out of the way (the throttle still counts every request). Writes p50/p99,
requests per second and status counts per operation into docs/BENCHMARKS.md ("API under load:
<label>") and exits 1 when any answer was a 5xx or a connection failed. `--profile` then runs
2000 polls in this process under cProfile against the same database and prints where the time
goes.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES = "postgres://postgres@127.0.0.1:5432"
DATABASE = "lipsync_load"
REDIS_URL = "redis://127.0.0.1:6379/12"
KEYS = 32
SUBMIT_BODY = {"formState": {"image": "http://127.0.0.1:9/face.png",
                             "audio": "http://127.0.0.1:9/voice.wav"}}
PHASES = ("bare", "poll", "balance", "submit", "healthz")
DESCRIPTIONS = {
    "bare": "GET /bench/bare (API-key auth only)",
    "poll": "GET /api/v1/jobs/{id}",
    "balance": "GET /api/v1/balance",
    "submit": "POST /api/v1/lipsync-image",
    "healthz": "GET /healthz (no auth)",
}


def server_env(var_dir: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings", "DEBUG": "0",
        "DATABASE_URL": f"{POSTGRES}/{DATABASE}", "REDIS_URL": REDIS_URL,
        "LIPSYNC_VAR_DIR": str(var_dir), "STATIC_ROOT": str(var_dir),
        "SECRET_KEY": "bench-load-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1,testserver", "LOG_LEVEL": "WARNING",
        "LIPSYNC_RATE_LIMIT_API": "10000000/min", "LIPSYNC_RATE_LIMIT_SUBMIT": "10000000/min",
        "LIPSYNC_ALLOW_PRIVATE_URLS": "1",
    }


def fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def make_fixtures() -> list[tuple[str, str]]:
    """Migrate; one account with credits, KEYS keys and one queued job per key."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connections
    from rest_framework.test import APIClient

    from accounts.models import User
    from apikeys.services import api_key_create
    from billing.services import credit_account_get_or_create, credits_grant

    user = User.objects.create_user(email="load@example.com", password="x")
    credits_grant(account=credit_account_get_or_create(user=user, ledger="api"),
                  amount=10**12, reason="load test", idempotency_key="load")
    pairs = []
    for _ in range(KEYS):
        key = api_key_create(owner=user, name="load")[1]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        response = client.post("/api/v1/lipsync-image", SUBMIT_BODY, format="json")
        assert response.status_code < 300, response.content
        pairs.append((key, response.json()["id"]))
    connections.close_all()
    return pairs


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict, port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "lipsync_site.wsgi", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


WRK_SCRIPT = """
local pairs_ = {%(pairs)s}
local kind = "%(kind)s"
local body = '%(body)s'
local counter = 0
local threads = {}
c2, c3, c4, c5 = 0, 0, 0, 0

function setup(thread)
  thread:set("offset", #threads * 7)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local pair = pairs_[((counter + offset) %% #pairs_) + 1]
  local headers = {["Authorization"] = "Bearer " .. pair[1]}
  if kind == "poll" then return wrk.format("GET", "/api/v1/jobs/" .. pair[2], headers) end
  if kind == "balance" then return wrk.format("GET", "/api/v1/balance", headers) end
  if kind == "bare" then return wrk.format("GET", "/bench/bare", headers) end
  if kind == "healthz" then return wrk.format("GET", "/healthz", {}) end
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/api/v1/lipsync-image", headers, body)
end

function response(status, headers, body)
  if status >= 500 then c5 = c5 + 1 elseif status >= 400 then c4 = c4 + 1
  elseif status >= 300 then c3 = c3 + 1 else c2 = c2 + 1 end
end

function done(summary, latency, requests)
  local counts = {0, 0, 0, 0}
  for _, thread in ipairs(threads) do
    counts[1] = counts[1] + thread:get("c2")
    counts[2] = counts[2] + thread:get("c3")
    counts[3] = counts[3] + thread:get("c4")
    counts[4] = counts[4] + thread:get("c5")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%f, "p50_ms": %%f, "p99_ms": %%f, ' ..
    '"s2xx": %%d, "s3xx": %%d, "s4xx": %%d, "s5xx": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, counts[1], counts[2], counts[3], counts[4],
    e.connect + e.read + e.write + e.timeout))
end
"""


def run_phase(kind: str, port: int, pairs, seconds: float, connections: int, tmp: Path) -> dict:
    script = tmp / f"{kind}.lua"
    script.write_text(WRK_SCRIPT % {
        "pairs": ", ".join(f'{{"{key}", "{job}"}}' for key, job in pairs),
        "kind": kind, "body": json.dumps(SUBMIT_BODY),
    })
    result = subprocess.run(
        ["wrk", "-t", "4", "-c", str(connections), "-d", f"{seconds:.0f}s", "--timeout", "10s",
         "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    figures = json.loads(line.removeprefix("RESULT "))
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def report(label: str, results: dict, args) -> str:
    bare = results["bare"]["rps"]
    rows = []
    for kind, r in results.items():
        rows.append(
            f"| {DESCRIPTIONS[kind]} | {r['requests']} | {r['rps']:.0f} | {r['rps'] / bare:.2f} | "
            f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['s4xx']} | {r['s5xx']} | "
            f"{r['socket_errors']} |")
    command = (f".venv/bin/python bench/load.py --seconds {args.seconds:g} --connections "
               f"{args.connections} --workers {args.workers} --label \"{label}\"")
    conn_max_age = os.environ.get("DATABASE_CONN_MAX_AGE", "60, the default")
    return "\n".join([
        f"`{command}` (DATABASE_CONN_MAX_AGE={conn_max_age}) — gunicorn {args.workers} sync "
        f"workers, PostgreSQL and Redis on 127.0.0.1, wrk with {args.connections} connections, "
        f"{args.seconds / len(PHASES):.0f} s per operation, all on one machine "
        f"({os.cpu_count()} cores, shared with the clients; {platform.machine()}). "
        "Requests per second, latency in milliseconds; 4xx, 5xx and socket errors are counts.",
        "",
        "| operation | requests | req/s | vs bare | p50 ms | p99 ms | 4xx | 5xx | socket errors |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
    ])


def profile_polls(pairs, count: int = 2000) -> None:
    import cProfile
    import pstats

    from rest_framework.test import APIClient

    key, job_id = pairs[0]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    for _ in range(50):
        client.get(f"/api/v1/jobs/{job_id}")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        client.get(f"/api/v1/jobs/{job_id}")
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--label", default="current")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench/load.py needs wrk: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        env = server_env(tmp)
        os.environ.update(env)
        fresh_database()
        flush_redis()
        pairs = make_fixtures()
        port = free_port()
        server = start_server(env, port, args.workers)
        try:
            results = {kind: run_phase(kind, port, pairs, args.seconds / len(PHASES),
                                       args.connections, tmp) for kind in PHASES}
        finally:
            stop_server(server)
        if args.profile:
            profile_polls(pairs)
        flush_redis()
    from bench.report import write_section

    body = report(args.label, results, args)
    write_section(f"API under load: {args.label}", body)
    print(body)
    failures = sum(r["s5xx"] + r["socket_errors"] for r in results.values())
    if failures:
        raise SystemExit(f"{failures} answers were 5xx or connection errors")


if __name__ == "__main__":
    main()
