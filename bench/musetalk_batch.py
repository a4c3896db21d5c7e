"""The musetalk networks' speed and GPU memory per face at several batch sizes, on CUDA:
`.venv/bin/python bench/musetalk_batch.py` on a GPU machine.

Full-size networks with random weights; for each precision and batch, faces per second of VAE
encode + UNet + VAE decode (bench/engine_musetalk.py's `network_fps`) and the peak memory the
batch took above the loaded weights, per face: the figure that sizes the engine's batch from
free memory (lipsync_engine/musetalk/inference.py, BYTES_PER_FACE). Writes the "musetalk batch
size on CUDA" section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.engine_musetalk import network_fps  # noqa: E402
from bench.report import device_name, write_section  # noqa: E402
from lipsync_engine.musetalk import MuseTalkEngine  # noqa: E402
from lipsync_engine.musetalk.random_weights import FULL, random_networks  # noqa: E402

BATCHES = (8, 16, 32, 64, 128, 256)


def measure(runner, batch: int) -> tuple[float, float]:
    """(faces per second, peak MiB per face above what was allocated before)."""
    torch.cuda.empty_cache()
    before = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    fps = network_fps(runner, batch)
    return fps, (torch.cuda.max_memory_allocated() - before) / batch / 2**20


def main() -> None:
    if not torch.cuda.is_available():
        sys.exit("musetalk_batch.py needs a CUDA device.")
    networks = random_networks(FULL)
    lines = ["| precision | batch | faces/s | peak MiB per face |", "|---|---|---|---|"]
    for half in (True, False):
        runner = MuseTalkEngine(networks=networks, half=half).runner()
        name = "float16" if half else "float32"
        for batch in BATCHES:
            fps, per_face = measure(runner, batch)
            print(f"{name} batch {batch}: {fps:.1f} faces/s, {per_face:.1f} MiB/face", flush=True)
            lines.append(f"| {name} | {batch} | {fps:.1f} | {per_face:.1f} |")
    write_section("musetalk batch size on CUDA", "\n".join([
        "`.venv/bin/python bench/musetalk_batch.py` — full-size musetalk networks (random "
        f"weights), torch {torch.__version__}, **{device_name(torch.device('cuda'))}**. Faces "
        "per second of VAE encode + UNet + VAE decode with the faces copied back to the CPU "
        "(median of 3), and the peak GPU memory each batch took above the loaded weights, per "
        "face.", "", *lines]))


if __name__ == "__main__":
    main()
