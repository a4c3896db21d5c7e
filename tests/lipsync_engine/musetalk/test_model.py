"""The musetalk engine's networks: the published folder layout loads strictly, a UNet state dict
that does not fit musetalk.json is refused with one error naming the key and the file."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (the musetalk engine's)")
pytest.importorskip("diffusers", reason="diffusers is not installed (the musetalk engine's)")
pytest.importorskip("transformers", reason="transformers is not installed")

from lipsync_engine.musetalk import config  # noqa: E402
from lipsync_engine.musetalk.model import (  # noqa: E402
    CheckpointError,
    ModelFilesError,
    load_networks,
    load_unet,
)
from lipsync_engine.musetalk.random_weights import SMALL, save_state_dict, write_folders  # noqa: E402


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    return write_folders(tmp_path_factory.mktemp("musetalk"), SMALL, seed=2)


@pytest.fixture(scope="module")
def saved_state(folders):
    return torch.load(folders[0] / "pytorch_model.bin", weights_only=True)


def test_the_published_layout_loads_and_keeps_every_tensor(folders, saved_state):
    networks = load_networks(*folders)
    assert networks.unet.config.in_channels == 8 and networks.unet.config.out_channels == 4
    assert networks.unet.config.cross_attention_dim == networks.whisper.config.d_model
    loaded = networks.unet.state_dict()
    assert loaded.keys() == saved_state.keys()
    assert all(torch.equal(loaded[key], value) for key, value in saved_state.items())
    assert not networks.unet.training and not networks.vae.training


def test_safetensors_weights_load_too(tmp_path, folders, saved_state):
    unet = tmp_path / "unet"
    unet.mkdir()
    (unet / "musetalk.json").write_text((folders[0] / "musetalk.json").read_text())
    save_state_dict(saved_state, unet / "unet.safetensors")
    key = "conv_in.weight"
    assert torch.equal(load_unet(unet).state_dict()[key], saved_state[key])


def _folder_with(tmp_path, folders, state):
    unet = tmp_path / "bad-unet"
    unet.mkdir()
    (unet / "musetalk.json").write_text((folders[0] / "musetalk.json").read_text())
    torch.save(state, unet / "pytorch_model.bin")
    return unet, str(unet / "pytorch_model.bin")


def test_a_missing_key_is_refused_naming_the_first_one_and_the_file(tmp_path, folders,
                                                                    saved_state):
    state = dict(saved_state)
    state.pop("conv_in.bias")
    state.pop("conv_out.weight")
    unet, path = _folder_with(tmp_path, folders, state)
    with pytest.raises(CheckpointError) as caught:
        load_unet(unet)
    message = str(caught.value)
    assert path in message and "missing key 'conv_in.bias'" in message
    assert "conv_out" not in message


def test_an_unexpected_key_is_refused(tmp_path, folders, saved_state):
    state = {**saved_state, "audio_proj.weight": torch.zeros(3)}
    unet, path = _folder_with(tmp_path, folders, state)
    with pytest.raises(CheckpointError, match="unexpected key 'audio_proj.weight'") as caught:
        load_unet(unet)
    assert path in str(caught.value)


def test_a_mis_shaped_key_is_refused(tmp_path, folders, saved_state):
    # A UNet trained on 4 input channels (plain Stable Diffusion) is not MuseTalk's.
    state = {**saved_state, "conv_in.weight": torch.zeros(32, 4, 3, 3)}
    unet, _path = _folder_with(tmp_path, folders, state)
    with pytest.raises(CheckpointError, match=r"key 'conv_in.weight' has shape \(32, 4, 3, 3\), "
                                              r"expected \(32, 8, 3, 3\)"):
        load_unet(unet)


def test_unreadable_or_absent_files_fail_clearly(tmp_path, folders):
    unet = tmp_path / "notes"
    unet.mkdir()
    with pytest.raises(ModelFilesError, match="musetalk.json does not exist"):
        load_unet(unet)
    (unet / "musetalk.json").write_text((folders[0] / "musetalk.json").read_text())
    with pytest.raises(ModelFilesError, match="holds no weights"):
        load_unet(unet)
    (unet / "pytorch_model.bin").write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot be read"):
        load_unet(unet)


def test_a_whisper_whose_width_the_unet_does_not_take_is_refused(tmp_path, folders):
    other = write_folders(tmp_path, config_with_width(64), seed=0)
    with pytest.raises(ModelFilesError, match="32-d audio features but the whisper folder's "
                                              "encoder gives 64-d"):
        load_networks(folders[0], folders[1], other[2])


def config_with_width(width):
    from lipsync_engine.musetalk.random_weights import Sizes

    return Sizes(SMALL.unet, SMALL.vae, {**SMALL.whisper, "d_model": width})


def test_the_full_size_configs_are_the_published_ones():
    assert config.FULL_UNET["in_channels"] == 8 and config.FULL_UNET["out_channels"] == 4
    assert config.FULL_UNET["cross_attention_dim"] == config.FULL_WHISPER["d_model"] == 384
    assert config.FULL_VAE["latent_channels"] == 4
    assert json.loads(json.dumps(config.FULL_UNET)) == config.FULL_UNET  # writable as JSON


def test_paths_problem_names_the_variable_and_what_is_missing(tmp_path, folders):
    unet, vae, whisper = (str(folder) for folder in folders)
    assert config.paths_problem(unet, vae, whisper) is None
    assert config.paths_problem("", vae, whisper) == (
        "LIPSYNC_MUSETALK_UNET=/path/to/musetalk (not set)")
    assert config.paths_problem(unet, str(tmp_path / "absent"), whisper) == (
        f"LIPSYNC_MUSETALK_VAE=/path/to/sd-vae-ft-mse (no folder at {tmp_path / 'absent'})")
    assert config.paths_problem(unet, vae, vae) == (
        f"LIPSYNC_MUSETALK_WHISPER=/path/to/whisper-tiny (no preprocessor_config.json in {vae})")


def test_the_small_networks_map_latents_and_audio_to_a_face(folders):
    from lipsync_engine.musetalk.inference import Runner

    runner = Runner(load_networks(*folders), torch.device("cpu"))
    rng = np.random.default_rng(0)
    pictures = rng.uniform(-1, 1, (3, 2, 3, 256, 256)).astype(np.float32)
    latents = runner.encode(pictures)
    assert tuple(latents.shape) == (3, 8, 32, 32)
    tokens = rng.normal(0, 1, (3, 30, 32)).astype(np.float32)
    faces = runner(latents, tokens).result()
    again = runner(latents, tokens).result()
    assert faces.shape == (3, 256, 256, 3) and faces.dtype == np.uint8
    assert np.array_equal(faces, again)


def test_the_engine_reports_a_bad_unet_as_one_engine_error(tmp_path, folders, saved_state):
    pytest.importorskip("mediapipe", reason="mediapipe is not installed")
    from lipsync_engine import EngineError
    from lipsync_engine.musetalk import MuseTalkEngine

    state = dict(saved_state)
    state.pop("conv_in.bias")
    unet, path = _folder_with(tmp_path, folders, state)
    engine = MuseTalkEngine(unet=unet, vae=folders[1], whisper=folders[2], device="cpu")
    with pytest.raises(EngineError) as caught:
        engine.runner()
    assert str(caught.value) == (f"MuseTalk UNet weights {path} do not match "
                                 f"{unet / 'musetalk.json'}: missing key 'conv_in.bias'.")
