"""API overhead, measured in-process (no network): what a request costs the web server.

    .venv/bin/python bench/api.py [--requests 500]

Uses a throwaway SQLite database and the embedded Redis, both under a temp directory, and
writes the figures into docs/BENCHMARKS.md ("API overhead").
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(tmp: Path) -> None:
    from lipsync_site import embedded_redis

    socket = tmp / "redis" / "r.sock"
    embedded_redis.start(socket)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "lipsync_site.settings", "LIPSYNC_VAR_DIR": str(tmp),
        "REDIS_URL": embedded_redis.url_for(socket), "LIPSYNC_RATE_LIMIT_API": "100000/min",
        "LIPSYNC_RATE_LIMIT_SUBMIT": "100000/min", "LIPSYNC_ALLOW_PRIVATE_URLS": "1",
        "ALLOWED_HOSTS": "testserver",
    })
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _timed(call, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _row(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (f"| {name} | {len(samples)} | {statistics.median(samples):.2f} | {p95:.2f} | "
            f"{1000 / statistics.mean(samples):.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _setup(Path(tmp))
        from rest_framework.test import APIClient

        from accounts.models import User
        from apikeys.services import api_key_create
        from billing.services import credit_account_get_or_create, credits_grant

        user = User.objects.create_user(email="bench@example.com", password="x")
        credits_grant(account=credit_account_get_or_create(user=user, ledger="api"),
                      amount=10**9, reason="bench", idempotency_key="bench")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_create(owner=user)[1]}")
        body = {"formState": {"image": "http://127.0.0.1:9/face.png",
                              "audio": "http://127.0.0.1:9/voice.wav"}}
        job_id = client.post("/api/v1/lipsync-image", body, format="json").json()["id"]
        rows = [
            _row("GET /api/v1/balance (key auth + throttle + ledger read)",
                 _timed(lambda: client.get("/api/v1/balance"), args.requests)),
            _row("GET /api/v1/jobs/{id}",
                 _timed(lambda: client.get(f"/api/v1/jobs/{job_id}"), args.requests)),
            _row("POST /api/v1/lipsync-image (validate, address check, insert, enqueue)",
                 _timed(lambda: client.post("/api/v1/lipsync-image", body, format="json"),
                        args.requests // 5)),
        ]
        from lipsync_site import embedded_redis

        embedded_redis.stop(Path(tmp) / "redis" / "r.sock")
    from bench.report import write_section

    write_section("API overhead", "\n".join([
        "`.venv/bin/python bench/api.py` — in-process Django test client, SQLite + embedded "
        f"Redis, one process, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores. Milliseconds per request.",
        "",
        "| request | n | median ms | p95 ms | requests/s (1 process) |",
        "|---|---|---|---|---|",
        *rows,
    ]))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
