"""The engine boundary: no Django, shared code only through public names of `common`, the
registry, ffmpeg, the command line (and its `generation.engine` alias)."""

import ast
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import av
import pytest

import lipsync_engine
from lipsync_engine import DEFAULT_ENGINE, UnknownEngineError, get_engine, known_engines
from lipsync_engine.common.ffmpeg import FfmpegError, ffmpeg_binary, run_ffmpeg

REPO = Path(__file__).resolve().parents[2]
PACKAGE = Path(lipsync_engine.__file__).parent
ENGINES = ("still", "lipsync", "wav2lip", "musetalk")


def run_python(*args: str, **kwargs) -> subprocess.CompletedProcess:
    # The CLI's plumbing is tested on the still engine: these synthetic pictures have no face.
    env = {**os.environ, "LIPSYNC_ENGINE": "still"}
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env=env, **kwargs)


def engine_modules() -> list[str]:
    return ["lipsync_engine"] + [info.name for info in pkgutil.walk_packages(
        [str(PACKAGE)], prefix="lipsync_engine.")]


def parsed_modules():
    """(dotted name, package of its relative imports, syntax tree) of every module."""
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = name if parts[-1] == "__init__" else name.rpartition(".")[0]
        yield name, package, ast.parse(path.read_text(), str(path))


def imports_from(package: str, tree: ast.AST):
    """(imported module, [(name, the name it is bound to)]) per import, relative ones made
    absolute."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join(filter(None, [".".join(base), node.module or ""]))
            else:
                module = node.module
            yield module, [(alias.name, alias.asname or alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [("", alias.asname or alias.name.partition(".")[0])]


def test_no_module_of_the_engine_imports_django():
    # A fresh interpreter: this test process has Django loaded already.
    code = (
        "import importlib, sys\n"
        f"for name in {engine_modules()!r}: importlib.import_module(name)\n"
        "from lipsync_engine import get_engine; get_engine('still')\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(loaded)\n"
    )
    done = run_python("-c", code)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def private_uses(package: str, tree: ast.AST) -> list[str]:
    """`from X import _name`, and `module._name` on an engine module imported by name."""
    uses, modules = [], set()
    for module, names in imports_from(package, tree):
        if not module.startswith("lipsync_engine"):
            continue
        uses += [f"from {module} import {name}" for name, _ in names if name.startswith("_")]
        modules.update(bound for _, bound in names)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                and not node.attr.startswith("__") and isinstance(node.value, ast.Name)
                and node.value.id in modules):
            uses.append(f"{node.value.id}.{node.attr}")
    return uses


def test_no_module_uses_a_private_name_of_another():
    private = [f"{name}: {use}" for name, package, tree in parsed_modules()
               for use in private_uses(package, tree)]

    assert private == []


def test_each_engine_imports_only_common_base_and_itself():
    """still, lipsync, wav2lip and musetalk never reach into each other: what they share is in
    common."""
    crossings = []
    for name, package, tree in parsed_modules():
        engine = name.split(".")[1] if name.count(".") >= 1 else None
        if engine not in ENGINES:
            continue
        own = f"lipsync_engine.{engine}"
        for module, _names in imports_from(package, tree):
            inside = module == "lipsync_engine" or module.startswith("lipsync_engine.")
            allowed = (module == own or module.startswith(own + ".")
                       or module.startswith("lipsync_engine.common")
                       or module == "lipsync_engine.base")
            if inside and not allowed:
                crossings.append(f"{name} imports {module}")

    assert crossings == []


def test_engines_are_created_once_per_process():
    assert get_engine("still") is get_engine("still")
    assert get_engine() is get_engine(DEFAULT_ENGINE)
    assert DEFAULT_ENGINE == "lipsync"


def test_unknown_engine_lists_the_known_ones():
    with pytest.raises(UnknownEngineError) as caught:
        get_engine("sadtalker")

    assert str(caught.value) == ("Unknown engine 'sadtalker'; known engines: lipsync, musetalk, "
                                 "still, wav2lip.")
    assert known_engines() == ["lipsync", "musetalk", "still", "wav2lip"]


def test_ffmpeg_binary_prefers_the_environment(monkeypatch):
    monkeypatch.setenv("FFMPEG_BINARY", "/opt/ffmpeg/bin/ffmpeg")

    assert ffmpeg_binary() == "/opt/ffmpeg/bin/ffmpeg"


def test_ffmpeg_failure_carries_its_last_words(tmp_path):
    with pytest.raises(FfmpegError) as caught:
        run_ffmpeg(["-i", str(tmp_path / "missing.wav"), str(tmp_path / "out.wav")])

    assert "missing.wav" in str(caught.value)
    assert caught.value.returncode != 0


# --- command line -----------------------------------------------------------------------------


def test_cli_image(media, tmp_path):
    out = tmp_path / "cli.mp4"

    done = run_python("-m", "lipsync_engine", "image", "--image", str(media.image_png),
                      "--audio", str(media.audio_wav), "--out", str(out), "--resolution", "720p",
                      "--seed", "3", "--prompt", "calm")

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["output_path"] == str(out)
    assert (result["width"], result["height"], result["fps"]) == (540, 720, 25)
    assert result["duration_s"] == pytest.approx(1.5, abs=0.05)
    assert "prompt was accepted but is not used by this engine." in result["warnings"]
    assert "progress 100%" in done.stderr
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.height == 720


def test_cli_video_and_multi(media, tmp_path):
    video = run_python("-m", "lipsync_engine", "video", "--video", str(media.video_mp4),
                       "--audio", str(media.audio_short), "--out", str(tmp_path / "v.mp4"),
                       "--quiet")
    multi = run_python("-m", "lipsync_engine", "multi", "--image", str(media.image_png),
                       "--left-audio", str(media.audio_wav), "--right-audio",
                       str(media.audio_short), "--order", "left_right",
                       "--out", str(tmp_path / "m.mp4"), "--quiet")

    assert video.returncode == 0, video.stderr
    assert multi.returncode == 0, multi.stderr
    assert json.loads(video.stdout)["duration_s"] == pytest.approx(1.0, abs=0.05)
    assert json.loads(multi.stdout)["duration_s"] == pytest.approx(2.5, abs=0.05)


def test_cli_bad_input_exits_2_with_the_sentence(media, tmp_path):
    done = run_python("-m", "lipsync_engine", "image", "--image", str(media.text),
                      "--audio", str(media.audio_wav), "--out", str(tmp_path / "x.mp4"))

    assert done.returncode == 2
    assert "formState.image is not a PNG, JPEG or WebP image we can read." in done.stderr


def test_cli_unknown_engine(media, tmp_path):
    done = run_python("-m", "lipsync_engine", "image", "--image", str(media.image_png),
                      "--audio", str(media.audio_wav), "--out", str(tmp_path / "x.mp4"),
                      "--engine", "nope")

    assert done.returncode == 2
    assert "known engines: lipsync, musetalk, still" in done.stderr


def test_generation_engine_is_an_alias_of_the_command_line(media, tmp_path):
    import generation.engine

    done = run_python("-m", "generation.engine", "image", "--image", str(media.image_png),
                      "--audio", str(media.audio_wav), "--out", str(tmp_path / "a.mp4"),
                      "--quiet")

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["duration_s"] == pytest.approx(1.5, abs=0.05)
    assert generation.engine.get_engine is lipsync_engine.get_engine
