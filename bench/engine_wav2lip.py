"""The wav2lip engine's speed: `.venv/bin/python bench/engine.py --engines wav2lip`.

Frames per second of whole renders (analysis, network, pasting, sync check and encoding; the
network loaded, a warm worker) and of the network alone, on the device the engine picks (CUDA
when torch sees one, else the CPU). Speed does not depend on the weights, so a checkpoint with
random weights in the public format is written to a temporary file: no weights are needed or
downloaded. Writes the "wav2lip engine" section of docs/BENCHMARKS.md, naming the device.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from bench.fixtures import inputs, request_for, speeches, timed_render
from bench.report import device_name, stage_rows, write_section
from lipsync_engine.common import models
from lipsync_engine.wav2lip import Wav2Lip, Wav2LipEngine
from lipsync_engine.wav2lip.model import public_state_dict


def network_fps(engine: Wav2LipEngine, batch: int, repeat: int = 3) -> float:
    """Samples per second of the network alone on random inputs (the median of `repeat`)."""
    runner = engine.runner()
    rng = np.random.default_rng(0)
    mels = rng.uniform(-4, 4, (batch, 80, 16)).astype(np.float32)
    faces = rng.uniform(0, 1, (batch, 6, 96, 96)).astype(np.float32)
    runner(mels, faces)  # warm-up (kernel selection, allocator)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        runner(mels, faces)
        if runner.device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
    return batch / statistics.median(times)


def bench_wav2lip(lengths, modes, heights, repeat: int) -> None:
    models.warm_up()
    rows = []
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        checkpoint = folder / "random-weights.pth"
        torch.manual_seed(0)
        torch.save(public_state_dict(Wav2Lip()), checkpoint)
        engine = Wav2LipEngine(checkpoint=checkpoint)
        batch = engine.batch_size()
        device = engine.runner().device
        half = engine.runner().half
        media = inputs(folder)
        audio = speeches(folder, lengths)
        net = network_fps(engine, batch)
        print(f"network alone: {net:.1f} samples/s, batch {batch}", flush=True)
        engine.render(request_for("image", media, audio, lengths[0], 480, folder / "warm.mp4"))
        for mode in modes:
            for resolution in heights:
                for seconds in lengths:
                    rows.append(timed_render(engine, "wav2lip", mode, resolution, seconds,
                                             media, audio, folder, repeat))
    write_section(section_title(device, half), _table(rows, device, half, batch, net, repeat))


def section_title(device: torch.device, half: bool) -> str:
    """One section per device kind and precision, so a CUDA run keeps the CPU figures."""
    if device.type != "cuda":
        return "wav2lip engine"
    return f"wav2lip engine on CUDA ({'float16' if half else 'float32'})"


_CPU_NOTE = (
    "The CPU figures are on cores **shared with other work** (they move by 10-30 % between "
    "runs). The network runs in channels_last (NHWC) layout: ~2.7x faster on this CPU than "
    "NCHW, same results. GPU: not measured in this run (torch saw no CUDA device); on a GPU "
    "machine the same command writes the CUDA device's figures in their own sections.")
_CUDA_NOTE = (
    "Only the network runs on the GPU; the face mesh, pasting, the sync check and x264 run "
    "on the machine's {cores} CPU cores, and they set the pace: the network alone would take "
    "under 3 % of each render's time.")


def _table(rows, device: torch.device, half: bool, batch: int, net: float, repeat: int) -> str:
    lines = [
        "`.venv/bin/python bench/engine.py --engines wav2lip` — the `wav2lip` engine, "
        + ("" if half or device.type != "cuda" else "with `LIPSYNC_WAV2LIP_HALF=0`, ")
        +
        f"torch {torch.__version__}, device: **{device_name(device)}**"
        f"{' (float16 autocast)' if half else ' (float32)'}, batch {batch}. "
        "The checkpoint has random weights in the public format (speed does not depend on "
        "the weights; none are shipped or downloaded). Inputs as in the \"lipsync engine\" "
        "section; multi mode runs the network twice per frame (two faces). Frames per "
        "second = output "
        "frames / engine wall time (median of "
        f"{repeat}), everything included: audio and face analysis, the network, pasting, "
        "the sync self-check (face mesh per frame) and x264. "
        + (_CUDA_NOTE.format(cores=os.cpu_count()) if device.type == "cuda" else _CPU_NOTE),
        "",
        f"Network alone (random inputs, batch {batch}): **{net:.1f} faces/s**.",
        "",
        *stage_rows(rows),
    ]
    return "\n".join(lines)
