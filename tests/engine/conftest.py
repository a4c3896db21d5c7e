"""Real inputs for the lipsync engine: a real face (scikit-image's astronaut) and real speech
(Debian's espeak-ng). Made once per session; tests skip with the reason when a tool is missing."""

import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

LONG_TEXT = ("Hello there. My name is Peter, and I would like to show you how my mouth moves "
             "when I speak. Maybe we can meet tomorrow for a cup of coffee.")
SHORT_TEXT = "Good morning. How are you today?"
OTHER_TEXT = "Yes, thank you. I am fine."


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("engine-media")


def _speech(folder: Path, name: str, text: str) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng): no real speech")
    path = folder / name
    if not path.exists():
        subprocess.run(["espeak-ng", "-w", str(path), text], check=True, capture_output=True)
    return path


@pytest.fixture(scope="session")
def long_speech(media) -> Path:
    return _speech(media, "long.wav", LONG_TEXT)


@pytest.fixture(scope="session")
def short_speech(media) -> Path:
    return _speech(media, "short.wav", SHORT_TEXT)


@pytest.fixture(scope="session")
def other_speech(media) -> Path:
    return _speech(media, "other.wav", OTHER_TEXT)


@pytest.fixture(scope="session")
def astronaut(media) -> np.ndarray:
    data = pytest.importorskip("skimage.data", reason="scikit-image is not installed")
    return data.astronaut()


@pytest.fixture(scope="session")
def face_image(media, astronaut) -> Path:
    path = media / "face.png"
    Image.fromarray(astronaut).save(path)
    return path


@pytest.fixture(scope="session")
def two_faces_image(media, astronaut) -> Path:
    """Two people side by side (the right one a little smaller)."""
    path = media / "two.png"
    left = Image.fromarray(astronaut)
    right = left.resize((440, 440)).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    canvas = Image.new("RGB", (1024, 512), (200, 200, 205))
    canvas.paste(left, (0, 0))
    canvas.paste(right, (560, 40))
    canvas.save(path)
    return path


@pytest.fixture(scope="session")
def no_face_image(media) -> Path:
    path = media / "wall.png"
    rng = np.random.default_rng(3)
    noise = (rng.random((360, 480, 1)) * 40 + 100).astype(np.uint8).repeat(3, axis=2)
    Image.fromarray(noise).save(path)
    return path


@pytest.fixture(scope="session")
def face_video(media, astronaut) -> Path:
    """2 s at 25 fps of the astronaut drifting slowly; frames 20-29 show a blank wall (no face)."""
    path = media / "face.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 512, 512, "yuv420p"
        stream.options = {"qscale": "2"}
        for index in range(50):
            if 20 <= index < 30:
                picture = np.full_like(astronaut, 128)
            else:
                picture = np.roll(astronaut, index // 5, axis=1)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def mask_image(folder: Path, size: tuple[int, int], box: tuple[int, int, int, int],
               name: str) -> Path:
    """A black mask with a white rectangle (x0, y0, x1, y1) in the image's own pixels."""
    mask = Image.new("L", size, 0)
    mask.paste(255, box)
    path = folder / name
    mask.save(path)
    return path
