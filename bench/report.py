"""Writes one section of docs/BENCHMARKS.md, replacing that section's previous figures."""

import os
import platform
import re
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"


def write_section(title: str, body: str) -> None:
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else "# Benchmarks\n"
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    BENCHMARKS.write_text(text)


STAGES_HEADER = ["| mode | height | audio s | frames | wall s | frames/s | analysis / render / "
                 "encode ms |", "|---|---|---|---|---|---|---|"]


def stage_rows(rows) -> list[str]:
    """The table lines of whole renders: (mode, height, seconds, frames, wall s, frames/s,
    timings) per row, the header first."""
    lines = list(STAGES_HEADER)
    for mode, height, seconds, frames, wall, fps, timings in rows:
        stages = " / ".join(str(timings.get(name, "")) for name in ("analysis", "render",
                                                                     "encode"))
        lines.append(f"| {mode} | {height} | {seconds} | {frames} | {wall:.2f} | {fps:.1f} | "
                     f"{stages} |")
    return lines


def device_name(device) -> str:
    """A torch device in words: the GPU's name and CUDA version, or the CPU's model, cores and
    torch threads. torch is imported here, by the benches of the torch engines only."""
    import torch

    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (CUDA {torch.version.cuda})"
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"CPU {model}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads"
