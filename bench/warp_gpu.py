"""The warp's GPU path (torch grid_sample on CUDA) against OpenCV's cv2.remap: same pixels?
how fast? Run on a machine with a CUDA device:

    python3 bench/warp_gpu.py [--frames 250] [--height 720]

Loads lipsync_engine/lipsync/warp.py by path (it needs only numpy, OpenCV and torch, not the
rest of the engine), warps picture-like frames through a mouth-sized displacement field both
ways, and prints one JSON line; bench/warp_gpu.py --write FILE.json adds it to BENCHMARKS.md.
"""

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_warp():
    spec = importlib.util.spec_from_file_location(
        "lipsync_warp", ROOT / "lipsync_engine" / "lipsync" / "warp.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _frames(count: int, height: int):
    import cv2
    import numpy as np

    rng = np.random.default_rng(0)
    width = height * 16 // 9 // 2 * 2
    base = cv2.GaussianBlur((rng.random((height, width, 3)) * 255).astype(np.uint8), (0, 0), 2.0)
    base = cv2.normalize(base, None, 0, 255, cv2.NORM_MINMAX)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    frames = []
    for index in range(count):
        opening = 6 * np.sin(index / 4)  # a mouth opening and closing, px
        bump = np.exp(-(((xs - width / 2) / (width / 10)) ** 2
                        + ((ys - height * 0.6) / (height / 12)) ** 2))
        frames.append((base, xs, (ys - opening * bump).astype(np.float32)))
    return frames


def measure(count: int, height: int) -> dict:
    import numpy as np
    import torch

    warp = _load_warp()
    frames = _frames(count, height)
    started = time.perf_counter()
    expected = [warp.remap_opencv(*item) for item in frames]
    cpu_s = time.perf_counter() - started
    device = torch.device("cuda")
    warp.remap_many_torch(frames[:8], torch, device)  # warm-up (kernels, allocator)
    torch.cuda.synchronize()
    started = time.perf_counter()
    got = []
    for start in range(0, count, 25):  # one second of video per batch
        got += warp.remap_many_torch(frames[start:start + 25], torch, device)
    torch.cuda.synchronize()
    gpu_s = time.perf_counter() - started
    pairs = zip(got, expected, strict=True)
    diff = np.stack([np.abs(a.astype(int) - b.astype(int)) for a, b in pairs])
    return {"device": torch.cuda.get_device_name(0), "torch": torch.__version__,
            "frames": count, "height": height, "opencv_ms_per_frame": 1000 * cpu_s / count,
            "cuda_ms_per_frame": 1000 * gpu_s / count, "max_grey_diff": int(diff.max()),
            "mean_grey_diff": float(diff.mean())}


def write(result_file: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.report import write_section

    rows = [json.loads(line) for line in result_file.read_text().splitlines() if line.strip()]
    lines = [
        "`python3 bench/warp_gpu.py` on the lent GPU machine (the engine's warp module alone; "
        "the copy to and from the GPU included, batches of 25 frames). CPU column: cv2.remap "
        "on that machine's CPU, one frame at a time.",
        "",
        "| device | torch | height | frames | cv2.remap ms/frame | CUDA grid_sample ms/frame "
        "| max grey diff | mean grey diff |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['device']} | {r['torch']} | {r['height']} | {r['frames']} | "
                     f"{r['opencv_ms_per_frame']:.2f} | {r['cuda_ms_per_frame']:.2f} | "
                     f"{r['max_grey_diff']} | {r['mean_grey_diff']:.3f} |")
    lines += ["", "Same pixels (at most 1 grey level apart), but the whole-frame copies to and "
              "from "
              "the GPU cost more than OpenCV's warp itself: for the CPU engine, moving the warp "
              "to the GPU pays only once frames stay on the GPU from decode to encode."]
    write_section("Warp on a CUDA device", "\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=250)
    parser.add_argument("--height", type=int, nargs="+", default=[480, 720])
    parser.add_argument("--write", type=Path, help="add these JSON results to BENCHMARKS.md")
    args = parser.parse_args()
    if args.write:
        write(args.write)
        return
    for height in args.height:
        print(json.dumps(measure(args.frames, height)), flush=True)


if __name__ == "__main__":
    main()
