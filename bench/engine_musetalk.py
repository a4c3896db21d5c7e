"""The musetalk engine's speed: `.venv/bin/python bench/engine.py --engines musetalk`.

Frames per second of whole renders (audio features, face analysis, VAE encode, UNet, VAE decode,
pasting, sync check and encoding; the networks loaded, a warm worker) and of the networks alone
(VAE encode + UNet + VAE decode per face), on the device the engine picks (CUDA when torch sees
one, else the CPU). Speed does not depend on the weights: the networks get random weights in
memory, nothing is needed or downloaded. By default they are small (the same blocks, a few
channels: what a CPU can run); `--full-size` builds the published sizes (SD-1.5-like UNet at 8
input channels, sd-vae-ft-mse, whisper-tiny) and times the networks in float16 and float32
(float16 on CUDA only), then renders in the engine's default precision. Writes the "musetalk
engine" section of docs/BENCHMARKS.md (or "musetalk engine, full size"), naming the device.

    .venv/bin/python bench/engine.py --engines musetalk --lengths 10 --heights 480 --repeat 1
    .venv/bin/python bench/engine_musetalk.py --full-size --lengths 10 --heights 720
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fixtures import inputs, request_for, speeches, timed_render  # noqa: E402
from bench.report import device_name, stage_rows, write_section  # noqa: E402
from lipsync_engine.common import models  # noqa: E402
from lipsync_engine.musetalk import MuseTalkEngine  # noqa: E402
from lipsync_engine.musetalk.inference import Runner  # noqa: E402
from lipsync_engine.musetalk.random_weights import FULL, SMALL, random_networks  # noqa: E402


def network_fps(runner: Runner, batch: int, repeat: int = 3) -> float:
    """Faces per second of VAE encode + UNet + VAE decode on random inputs (median of
    `repeat`), the decoded faces copied back to the CPU."""
    rng = np.random.default_rng(0)
    pictures = rng.uniform(-1, 1, (batch, 2, 3, 256, 256)).astype(np.float32)
    width = runner.unet.config.cross_attention_dim
    states = runner.whisper.config.encoder_layers + 1
    tokens = rng.normal(0, 1, (batch, 10 * states, width)).astype(np.float32)
    runner(runner.encode(pictures), tokens).result()  # warm-up (kernels, allocator)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        runner(runner.encode(pictures), tokens).result()
        times.append(time.perf_counter() - started)
    return batch / statistics.median(times)


def precisions() -> list[bool]:
    return [True, False] if torch.cuda.is_available() else [False]


def bench_musetalk(lengths, modes, heights, repeat: int, full_size: bool = False) -> None:
    models.warm_up()
    sizes = FULL if full_size else SMALL
    networks = random_networks(sizes)
    alone = {}
    for half in precisions():
        # Each engine's Runner casts the (shared) networks to its precision when it is built.
        timed = MuseTalkEngine(networks=networks, half=half)
        name = "float16" if half else "float32"
        alone[name] = network_fps(timed.runner(), timed.batch_size())
        print(f"networks alone, {name}: {alone[name]:.1f} faces/s, batch "
              f"{timed.batch_size()}", flush=True)
    engine = MuseTalkEngine(networks=networks)  # the default precision, built last
    batch = engine.batch_size()
    rows = []
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        media = inputs(folder)
        audio = speeches(folder, lengths)
        engine.render(request_for("image", media, audio, lengths[0], 480, folder / "warm.mp4"))
        for mode in modes:
            for resolution in heights:
                for seconds in lengths:
                    rows.append(timed_render(engine, "musetalk", mode, resolution, seconds,
                                             media, audio, folder, repeat))
    title = "musetalk engine, full size" if full_size else "musetalk engine"
    write_section(title, _table(rows, engine, batch, alone, repeat, full_size))


def _sizes_text(full_size: bool) -> str:
    if full_size:
        return ("the published sizes (UNet 320/640/1280/1280 channels, 8 in, 4 out, "
                "cross-attention 384; sd-vae-ft-mse; whisper-tiny)")
    unet, vae, whisper = SMALL.unet, SMALL.vae, SMALL.whisper
    return (f"a small config (UNet channels {unet['block_out_channels']}, VAE channels "
            f"{vae['block_out_channels']}, whisper {whisper['encoder_layers']} layers of "
            f"{whisper['d_model']}; the same kinds of blocks as the published networks)")


def _table(rows, engine: MuseTalkEngine, batch: int, alone: dict, repeat: int,
           full_size: bool) -> str:
    runner = engine.runner()
    device = runner.device
    precision = "float16" if runner.dtype == torch.float16 else "float32"
    flag = " --full-size" if full_size else ""
    lines = [
        f"`.venv/bin/python bench/engine.py --engines musetalk{flag}`"
        f" — the `musetalk` engine, torch {torch.__version__}, device: "
        f"**{device_name(device)}** ({precision}), batch {batch}, networks of "
        f"{_sizes_text(full_size)} with random weights (speed does not depend on the weights; "
        "none are shipped or downloaded). Inputs as in the \"lipsync engine\" section; multi "
        "mode runs the networks twice per frame (two faces). Frames per second = output frames "
        f"/ engine wall time (median of {repeat}), everything included: whisper features, face "
        "analysis, VAE encode (once per face), UNet, VAE decode, pasting, the sync self-check "
        "(face mesh per frame) and x264."
        + (" The CPU figures are on cores **shared with other work** (they move a lot between "
           "runs) and with the small networks: they show the engine's overhead, not what the "
           "published networks would do on a CPU (far slower)." if device.type != "cuda" else "")
        + ("" if device.type == "cuda" or full_size else
           " GPU: not measured in this run (torch saw no CUDA device); on a GPU machine "
           "`bench/engine_musetalk.py --full-size` writes the published sizes' figures in "
           "float16 and float32 (section \"musetalk engine, full size\")."),
        "",
        "Networks alone (VAE encode + UNet + VAE decode, random inputs, batch "
        f"{batch}): " + ", ".join(f"**{fps:.1f} faces/s** in {name}"
                                 for name, fps in alone.items()) + ".",
        "",
        *stage_rows(rows),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[10])
    parser.add_argument("--modes", nargs="+", default=["image", "video", "multi"])
    parser.add_argument("--heights", type=int, nargs="+", default=[480])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--full-size", action="store_true",
                        help="the published network sizes (for GPU machines)")
    args = parser.parse_args()
    bench_musetalk(args.lengths, args.modes, args.heights, args.repeat, args.full_size)


if __name__ == "__main__":
    main()
