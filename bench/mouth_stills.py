"""Stills of the lipsync engine's mouth shapes, for docs/engine/ (look at them).

    python bench/mouth_stills.py image OUT.png   # the astronaut: source and 4 shapes
    python bench/mouth_stills.py dub OUT.png     # a talking astronaut dubbed with other speech
    python bench/mouth_stills.py stack OUT.png BEFORE.png AFTER.png   # labelled rows

Runs against whatever `lipsync_engine` is on the path (a checkout of an older commit too, for
"before" rows). espeak-ng makes the speech.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

CROP = (slice(118, 178), slice(160, 260))  # the astronaut's mouth, 512x512 picture
ZOOM = 4
SPEECH_A = ("Hello there. My name is Peter, and I would like to show you how my mouth moves "
            "when I speak. Maybe we can meet tomorrow for a cup of coffee.")
SPEECH_B = ("Every morning the old sailor walks along the harbour, watching boats arrive while "
            "seagulls circle above the water and children play.")


def _tiles(pictures: list[tuple[str, np.ndarray]]) -> Image.Image:
    crops = [Image.fromarray(np.ascontiguousarray(p[CROP])) for _, p in pictures]
    width, height = crops[0].width * ZOOM, crops[0].height * ZOOM
    row = Image.new("RGB", (width * len(crops), height + 18), "white")
    draw = ImageDraw.Draw(row)
    for slot, ((label, _), crop) in enumerate(zip(pictures, crops, strict=True)):
        row.paste(crop.resize((width, height), Image.LANCZOS), (slot * width, 18))
        draw.text((slot * width + 4, 3), label, fill="black")
    return row


def image_row() -> Image.Image:
    import skimage.data

    from lipsync_engine.common.faces import find_faces
    from lipsync_engine.lipsync import warp
    from lipsync_engine.lipsync.mouth import Shape, lip_displacements
    from lipsync_engine.lipsync.render import build_rig, paint_mouth, triangle_map

    image = skimage.data.astronaut()
    points = find_faces(image, 1)[0].points
    rig = build_rig(image, points)
    pictures = [("source", image)]
    shapes = {"closed (M/B/P)": Shape(press=1.0), "half": Shape(0.5), "wide": Shape(1.0),
              "rounded": Shape(0.5, 1.0)}
    for label, shape in shapes.items():
        target = points + lip_displacements(points, shape, rig.skin)
        out = image.copy()
        (x0, y0, x1, y1), map_x, map_y = triangle_map(rig, points, target, image.shape)
        out[y0:y1, x0:x1] = warp.remap(image, map_x, map_y)
        paint_mouth(out, image, rig, target, np.zeros(2, np.float32))
        pictures.append((label, out))
    return _tiles(pictures)


def dub_row() -> Image.Image:
    import skimage.data

    from lipsync_engine import EngineRequest, get_engine
    from lipsync_engine.lipsync.engine import render_frames

    work = Path(tempfile.mkdtemp())
    face, speech_a, speech_b = work / "face.png", work / "a.wav", work / "b.wav"
    Image.fromarray(skimage.data.astronaut()).save(face)
    for path, text in ((speech_a, SPEECH_A), (speech_b, SPEECH_B)):
        subprocess.run(["espeak-ng", "-w", str(path), text], check=True)
    talking = work / "talking.mp4"
    get_engine("lipsync").render(EngineRequest(mode="image", image=face, audio=speech_a,
                                               out_path=talking, seed=1))
    prepared = render_frames(EngineRequest(mode="video", video=talking, audio=speech_b,
                                           out_path=work / "dub.mp4", seed=1), work)
    frames = list(prepared.frames())
    track = prepared.speakers[0].track
    opened, rounded = track.open[: len(frames)], (track.round * track.open)[: len(frames)]
    picks = {"closed": int(np.argmin(opened + 0.01 * np.arange(len(frames)) % 1)),
             "half": int(np.argmin(np.abs(opened - 0.5 * opened.max()))),
             "wide": int(np.argmax(opened)), "rounded": int(np.argmax(rounded))}
    pictures = []
    for label, index in picks.items():
        source, rendered = frames[index]
        pictures += [(f"{label}: source", np.asarray(source)), (f"{label}: dub", rendered)]
    return _tiles(pictures)


def stack(out: Path, rows: list[Path]) -> None:
    images = [Image.open(row) for row in rows]
    labels = ["before", "after"] if len(images) == 2 else [""] * len(images)
    width = max(image.width for image in images) + 60
    canvas = Image.new("RGB", (width, sum(image.height for image in images)), "white")
    draw = ImageDraw.Draw(canvas)
    top = 0
    for label, image in zip(labels, images, strict=True):
        canvas.paste(image, (60, top))
        draw.text((4, top + image.height // 2), label, fill="black")
        top += image.height
    canvas.save(out)


def main(argv: list[str]) -> None:
    kind, out = argv[0], Path(argv[1])
    if kind == "stack":
        stack(out, [Path(path) for path in argv[2:]])
    else:
        (image_row if kind == "image" else dub_row)().save(out)


if __name__ == "__main__":
    main(sys.argv[1:])
