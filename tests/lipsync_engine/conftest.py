"""Fixtures for the engine's tests: a real face (scikit-image's astronaut) and real speech
(Debian's espeak-ng), made once per session (tests skip with the reason when a tool is missing);
`speech(name, text)` and `mask_image(size, box, name)` make more. The synthetic `media` files
come from tests/conftest.py."""

import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from lipsync_engine import EngineRequest, EngineResult, get_engine

LONG_TEXT = ("Hello there. My name is Peter, and I would like to show you how my mouth moves "
             "when I speak. Maybe we can meet tomorrow for a cup of coffee.")
SHORT_TEXT = "Good morning. How are you today?"
OTHER_TEXT = "Yes, thank you. I am fine."


@pytest.fixture(scope="session")
def real_media(tmp_path_factory) -> Path:
    """The folder of the real face and speech files."""
    return tmp_path_factory.mktemp("engine-media")


@pytest.fixture(scope="session")
def speech(real_media):
    """speech(name, text) -> a WAV of espeak-ng saying `text` (made once per name)."""

    def make(name: str, text: str) -> Path:
        if shutil.which("espeak-ng") is None:
            pytest.skip("espeak-ng is not installed (apt-get install espeak-ng): no real speech")
        path = real_media / name
        if not path.exists():
            subprocess.run(["espeak-ng", "-w", str(path), text], check=True,
                           capture_output=True)
        return path

    return make


@pytest.fixture(scope="session")
def long_speech(speech) -> Path:
    return speech("long.wav", LONG_TEXT)


@pytest.fixture(scope="session")
def short_speech(speech) -> Path:
    return speech("short.wav", SHORT_TEXT)


@pytest.fixture(scope="session")
def other_speech(speech) -> Path:
    return speech("other.wav", OTHER_TEXT)


@pytest.fixture(scope="session")
def tiny_speech(speech) -> Path:
    return speech("tiny.wav", "Hi there.")


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    data = pytest.importorskip("skimage.data", reason="scikit-image is not installed")
    return data.astronaut()


@pytest.fixture(scope="session")
def face_image(real_media, astronaut) -> Path:
    path = real_media / "face.png"
    Image.fromarray(astronaut).save(path)
    return path


@pytest.fixture(scope="session")
def two_faces_image(real_media, astronaut) -> Path:
    """Two people side by side (the right one a little smaller)."""
    path = real_media / "two.png"
    left = Image.fromarray(astronaut)
    right = left.resize((440, 440)).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    canvas = Image.new("RGB", (1024, 512), (200, 200, 205))
    canvas.paste(left, (0, 0))
    canvas.paste(right, (560, 40))
    canvas.save(path)
    return path


@pytest.fixture(scope="session")
def no_face_image(real_media) -> Path:
    path = real_media / "wall.png"
    rng = np.random.default_rng(3)
    noise = (rng.random((360, 480, 1)) * 40 + 100).astype(np.uint8).repeat(3, axis=2)
    Image.fromarray(noise).save(path)
    return path


@pytest.fixture(scope="session")
def face_video(real_media, astronaut) -> Path:
    """2 s at 25 fps of the astronaut drifting slowly; frames 20-29 show a blank wall (no face)."""
    path = real_media / "face.mp4"
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


@pytest.fixture
def mask_image(tmp_path):
    """mask_image(size, box, name) -> a black mask with a white rectangle (x0, y0, x1, y1) in the
    image's own pixels."""

    def make(size: tuple[int, int], box: tuple[int, int, int, int], name: str) -> Path:
        mask = Image.new("L", size, 0)
        mask.paste(255, box)
        path = tmp_path / name
        mask.save(path)
        return path

    return make


@pytest.fixture(scope="session")
def spoken(tmp_path_factory, face_image, long_speech) -> EngineResult:
    """One lipsync render of ~8 s of speech on the astronaut (seed 5, with a prompt), shared by
    the sync tests."""
    pytest.importorskip("mediapipe", reason="mediapipe is not installed")
    out = tmp_path_factory.mktemp("spoken") / "out.mp4"
    return get_engine("lipsync").render(EngineRequest(
        mode="image", image=face_image, audio=long_speech, out_path=out, seed=5,
        prompt="smile more"))


@pytest.fixture(scope="session")
def talking(tmp_path_factory, face_image, long_speech) -> Path:
    """~8 s of the astronaut saying the long text: a source whose mouth already moves."""
    out = tmp_path_factory.mktemp("talking") / "talking.mp4"
    get_engine("lipsync").render(EngineRequest(mode="image", image=face_image,
                                               audio=long_speech, out_path=out, seed=1))
    return out
