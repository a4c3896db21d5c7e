"""Where the lipsync engine's CPU goes, thread by thread.

    .venv/bin/python bench/engine_threads.py

Renders each mode once at 720p from 10 s of speech (the inputs of bench/engine.py, models warm)
while a sampler reads every thread's CPU time from /proc/self/task every 20 ms (what threads
that ended between two readings used is the process's CPU less the threads read); the engine's
ffmpeg (and probes) count as children. Then the floor (ffmpeg alone encoding the same frames,
bench/engine.py's `floor`) and the CPU left for the engine's own work at issue 14's target
(engine <= 1.6x the floor's CPU). Writes the "lipsync engine: CPU by thread" section of
docs/BENCHMARKS.md. Linux only (/proc).

Options: `--modes image video`, `--seconds 10`.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as in a worker

import argparse  # noqa: E402
import resource
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.engine import TARGET_CPU, floor  # noqa: E402
from bench.fixtures import request_for, warm_lipsync  # noqa: E402
from bench.report import write_section  # noqa: E402

MODES = ("image", "video", "multi")
TICKS = os.sysconf("SC_CLK_TCK")
WHAT = {  # thread -> what it does in a render
    "MainThread": "main: face analysis (video: the tracking mesh's Python side), then the frame "
                  "loop (warps, mouths, donors)",
    "lipsync-analysis": "audio: decoding, phone recognition (pocketsphinx), mouth track",
    "lipsync-decode": "video: decoding the source, scaling its planes, RGB for the tracker",
    "lipsync-writer": "writer: the sync meter's crops, piping frames to ffmpeg",
    "mediapipe": "face mesh inference (mediapipe's own threads: analysis and sync meter)",
    "av": "H.264 decoding (PyAV's frame threads)",
    "other": "other threads",
    "ended": "threads that ended before a reading (the audio thread: pocketsphinx holds the "
             "GIL while it decodes, so the sampler cannot read that thread before it ends)",
}


class ThreadSampler:
    """CPU seconds per thread of this process while it runs, by thread name."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._first: dict[int, float] = {}
        self._last: dict[int, tuple[str, float]] = {}
        self._names: dict[int, str] = {}
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def __enter__(self) -> ThreadSampler:
        self._process = _process_cpu()
        self._first = {tid: cpu for tid, (_name, cpu) in _tasks().items()}
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()
        self._poll()
        self._process = _process_cpu() - self._process

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self._poll()

    def _poll(self) -> None:
        for thread in threading.enumerate():
            if thread.native_id is not None:
                self._names[thread.native_id] = thread.name
        self._last.update(_tasks())

    def by_role(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for tid, (comm, cpu) in self._last.items():
            if tid == self._thread.native_id:  # the sampler's own reading is not the engine's
                continue
            role = _role(self._names.get(tid), comm, tid == os.getpid())
            totals[role] = totals.get(role, 0.0) + cpu - self._first.get(tid, 0.0)
        sampler = self._last.get(self._thread.native_id, ("", 0.0))[1]
        totals["ended"] = max(0.0, self._process - sampler - sum(totals.values()))
        return totals


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _tasks() -> dict[int, tuple[str, float]]:
    found = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            stat = Path(f"/proc/self/task/{tid}/stat").read_text()
        except OSError:  # the thread ended meanwhile
            continue
        comm = stat[stat.index("(") + 1: stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        found[int(tid)] = (comm, (int(fields[11]) + int(fields[12])) / TICKS)
    return found


def _role(name: str | None, comm: str, main: bool) -> str:
    if main:
        return "MainThread"
    if name in WHAT:
        return name
    if comm.startswith("mediapipe"):
        return "mediapipe"
    if comm.startswith("av:"):
        return "av"
    return "other"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(engine, mode: str, media: dict, audio: dict, seconds: int, folder: Path) -> dict:
    out = folder / f"{mode}.mp4"
    request = request_for(mode, media, audio, seconds, 720, out)
    children = children_cpu()
    with ThreadSampler() as sampler:
        result = engine.render(request)
    roles = sampler.by_role()
    roles["ffmpeg"] = children_cpu() - children
    _wall, frames, floor_cpu = floor(request, out, result.width, result.height, result.fps,
                                     result.duration_s, folder)
    return {"mode": mode, "frames": frames, "roles": roles, "floor": floor_cpu}


def table(rows: list[dict], seconds: int) -> str:
    lines = [
        f"`.venv/bin/python bench/engine_threads.py` — one render per mode at 720p from {seconds} "
        "s of speech (bench/engine.py's inputs, models warm), 2 cores shared with other work. "
        "A sampler reads each thread's CPU time (/proc/self/task, every 20 ms; threads that end "
        "between two readings are counted from the process's CPU time); the engine's "
        "ffmpeg (encoding, and the probes and audio decoding of the analysis) counts as "
        "children. The floor is ffmpeg alone encoding the same frames (bench/engine.py). "
        f"\"Room at {TARGET_CPU}x\" is what issue 14's target leaves for everything the engine "
        "does besides what the floor does: "
        f"{TARGET_CPU} x floor CPU - the engine's ffmpeg CPU.",
        "",
        "| mode | where | CPU s | ms a frame |",
        "|---|---|---|---|",
    ]
    for row in rows:
        frames = row["frames"]
        roles = row["roles"]
        own = sum(cpu for role, cpu in roles.items() if role != "ffmpeg")
        for role, cpu in sorted(roles.items(), key=lambda item: -item[1]):
            if cpu < 0.005:
                continue
            label = "ffmpeg (the engine's child processes)" if role == "ffmpeg" else WHAT[role]
            lines.append(f"| {row['mode']} | {label} | {cpu:.2f} | {cpu * 1000 / frames:.1f} |")
        room = TARGET_CPU * row["floor"] - roles["ffmpeg"]
        total = own + roles["ffmpeg"]
        lines += [
            f"| {row['mode']} | **engine, all** | **{total:.2f}** | {total * 1000 / frames:.1f} |",
            f"| {row['mode']} | floor (ffmpeg alone) | {row['floor']:.2f} | "
            f"{row['floor'] * 1000 / frames:.1f} |",
            f"| {row['mode']} | engine's own threads / room at {TARGET_CPU}x | {own:.2f} / "
            f"{room:.2f} | {own * 1000 / frames:.1f} / {room * 1000 / frames:.1f} |",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        engine, media, audio = warm_lipsync(folder, [args.seconds])
        for mode in args.modes:
            row = measure(engine, mode, media, audio, args.seconds, folder)
            rows.append(row)
            print(mode, {role: round(cpu, 2) for role, cpu in row["roles"].items()},
                  "floor", round(row["floor"], 2), flush=True)
    write_section("lipsync engine: CPU by thread", table(rows, args.seconds))


if __name__ == "__main__":
    main()
