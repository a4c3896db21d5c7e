"""Command line for operators and benchmarks; prints the result as JSON on the last line.

    python -m lipsync_engine image --image I --audio A --out O [--resolution 480p|720p]
        [--seed N] [--mask M] [--prompt P] [--engine NAME]
    python -m lipsync_engine video --video V --audio A --out O [...]
    python -m lipsync_engine multi --image I --left-audio L --right-audio R
        --order meanwhile|left_right|right_left --out O [...]
    python -m lipsync_engine check --video V [--audio A]
        one JSON line: {"method", "r", "lag_frames", "ok", "frames"} (check.py)

Exit status: 0 done, 2 bad arguments or a bad input (the sentence is printed on stderr),
1 the engine failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .base import ORDERS, EngineCancelled, EngineError, EngineInputError, EngineRequest
from .common.registry import DEFAULT_ENGINE, UnknownEngineError, get_engine


def main(argv: list[str] | None = None, prog: str = "python -m lipsync_engine") -> int:
    args = _parser(prog).parse_args(argv)
    if args.mode == "check":
        return _check(args)
    try:
        engine = get_engine(args.engine)
    except (UnknownEngineError, EngineError) as exc:  # EngineError: e.g. wav2lip, no checkpoint
        print(exc, file=sys.stderr)
        return 2
    request = EngineRequest(out_path=args.out, progress=_progress_printer(args.quiet),
                            **_request_fields(args))
    try:
        result = engine.render(request)
    except EngineInputError as exc:
        print(exc, file=sys.stderr)
        return 2
    except EngineCancelled as exc:
        print(exc, file=sys.stderr)
        return 1
    print(json.dumps(result.as_dict()))
    return 0


def _request_fields(args: argparse.Namespace) -> dict:
    fields = {"mode": args.mode, "resolution": args.resolution, "seed": args.seed,
              "prompt": args.prompt, "mask_image": args.mask}
    if args.mode == "video":
        fields.update(video=args.video, audio=args.audio)
    elif args.mode == "image":
        fields.update(image=args.image, audio=args.audio)
    else:
        fields.update(image=args.image, left_audio=args.left_audio,
                      right_audio=args.right_audio, order=args.order)
    return fields


def _check(args: argparse.Namespace) -> int:
    from .check import check_video  # the face models load only for this command

    problem = (f"{args.video} is not a file." if not args.video.is_file()
               else _sound_problem(args.audio or args.video))
    if problem:
        print(problem, file=sys.stderr)
        return 2
    print(json.dumps(check_video(args.video, args.audio)))
    return 0


def _sound_problem(path: Path) -> str | None:
    """Why `path` cannot be checked (missing, unreadable, no sound), as a sentence; else None."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                return f"{path} has no audio track; give the speech with --audio."
    except (OSError, av.FFmpegError) as exc:
        return f"{path} cannot be read as media: {exc}"
    return None


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Render one lip-sync video, or "
                                     "check the lip-sync of one.")
    modes = parser.add_subparsers(dest="mode", required=True)
    video = modes.add_parser("video", help="a video and new audio")
    video.add_argument("--video", type=Path, required=True)
    video.add_argument("--audio", type=Path, required=True)
    image = modes.add_parser("image", help="one portrait image and audio")
    image.add_argument("--image", type=Path, required=True)
    image.add_argument("--audio", type=Path, required=True)
    multi = modes.add_parser("multi", help="an image of two people and two audio tracks")
    multi.add_argument("--image", type=Path, required=True)
    multi.add_argument("--left-audio", type=Path, required=True)
    multi.add_argument("--right-audio", type=Path, required=True)
    multi.add_argument("--order", choices=ORDERS, default="meanwhile")
    for sub in (video, image, multi):
        sub.add_argument("--out", type=Path, required=True, help="the MP4 to write")
        sub.add_argument("--resolution", type=_resolution, default=480, help="480p or 720p")
        sub.add_argument("--seed", type=int, default=None)
        sub.add_argument("--mask", type=Path, default=None, help="mask image")
        sub.add_argument("--prompt", default="")
        sub.add_argument("--engine", default=os.environ.get("LIPSYNC_ENGINE") or DEFAULT_ENGINE)
        sub.add_argument("--quiet", action="store_true", help="no progress on stderr")
    check = modes.add_parser("check", help="measure the lip-sync of any video")
    check.add_argument("--video", type=Path, required=True)
    check.add_argument("--audio", type=Path, default=None,
                       help="the speech to compare with (default: the video's own track)")
    return parser


def _resolution(text: str) -> int:
    value = text.lower().removesuffix("p")
    if value not in ("480", "720"):
        raise argparse.ArgumentTypeError("resolution must be 480p or 720p")
    return int(value)


def _progress_printer(quiet: bool):
    if quiet:
        return None
    last = [-1]

    def report(fraction: float) -> None:
        percent = int(fraction * 100)
        if percent // 10 != last[0] // 10 or percent == 100:
            last[0] = percent
            print(f"progress {percent}%", file=sys.stderr)

    return report


if __name__ == "__main__":
    sys.exit(main())
