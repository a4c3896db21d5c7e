"""The Wav2Lip network: the public checkpoint layout loads strictly; mismatches name the key."""

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (the wav2lip engine's)")

from lipsync_engine.wav2lip import CheckpointError, Wav2Lip, load_checkpoint  # noqa: E402
from lipsync_engine.wav2lip.model import public_state_dict  # noqa: E402

# A few keys and shapes of the public wav2lip.pth / wav2lip_gan.pth (as printed by
# load_state_dict errors in public issue threads), with their DataParallel prefix.
PUBLIC_KEYS = {
    "module.face_encoder_blocks.0.0.conv_block.0.weight": (16, 6, 7, 7),
    "module.face_encoder_blocks.6.1.conv_block.0.weight": (512, 512, 1, 1),
    "module.audio_encoder.3.conv_block.0.weight": (64, 32, 3, 3),
    "module.audio_encoder.12.conv_block.1.running_var": (512,),
    "module.face_decoder_blocks.1.0.conv_block.0.weight": (1024, 512, 3, 3),
    "module.face_decoder_blocks.6.0.conv_block.0.weight": (160, 64, 3, 3),
    "module.output_block.0.conv_block.0.weight": (32, 80, 3, 3),
    "module.output_block.1.weight": (3, 32, 1, 1),
    "module.face_encoder_blocks.0.0.conv_block.1.num_batches_tracked": (),
}


@pytest.fixture(scope="module")
def random_checkpoint(tmp_path_factory):
    """A checkpoint in the public format (`{"state_dict": {"module." + key: ...}}`), random
    weights and BatchNorm statistics."""
    torch.manual_seed(0)
    model = Wav2Lip()
    with torch.no_grad():
        for name, buffer in model.named_buffers():
            if name.endswith("running_mean"):
                buffer.normal_(0, 0.1)
            elif name.endswith("running_var"):
                buffer.uniform_(0.5, 1.5)
    path = tmp_path_factory.mktemp("checkpoints") / "wav2lip_random.pth"
    saved = public_state_dict(model)
    saved.update(global_step=1, global_epoch=1)  # the public files carry these too
    torch.save(saved, path)
    return path, model


def test_the_state_dict_has_the_public_keys_and_shapes(random_checkpoint):
    path, _model = random_checkpoint
    state = torch.load(path, weights_only=True)["state_dict"]
    assert len(state) == 352
    for key, shape in PUBLIC_KEYS.items():
        assert tuple(state[key].shape) == shape, key
    assert all(key.startswith("module.") for key in state)


def test_a_public_format_checkpoint_loads_strictly(random_checkpoint):
    path, model = random_checkpoint
    loaded = load_checkpoint(path)
    assert not loaded.training
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key


def test_a_checkpoint_without_module_prefixes_loads_too(tmp_path, random_checkpoint):
    _path, model = random_checkpoint
    bare = tmp_path / "bare.pth"
    torch.save(model.state_dict(), bare)
    loaded = load_checkpoint(bare)
    assert torch.equal(loaded.state_dict()["output_block.1.weight"],
                       model.state_dict()["output_block.1.weight"])


def test_a_checkpoint_without_num_batches_tracked_loads(tmp_path, random_checkpoint):
    _path, model = random_checkpoint
    old = tmp_path / "old.pth"
    torch.save({"state_dict": {"module." + k: v for k, v in model.state_dict().items()
                               if not k.endswith("num_batches_tracked")}}, old)
    load_checkpoint(old)


def _saved_with(tmp_path, model, change) -> str:
    state = {"module." + k: v for k, v in model.state_dict().items()}
    change(state)
    path = tmp_path / "bad.pth"
    torch.save({"state_dict": state}, path)
    return str(path)


def test_a_missing_key_is_named_with_the_file(tmp_path, random_checkpoint):
    _path, model = random_checkpoint
    path = _saved_with(tmp_path, model, lambda s: (
        s.pop("module.audio_encoder.4.conv_block.0.bias"),
        s.pop("module.output_block.1.bias")))
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(path)
    message = str(caught.value)
    assert path in message
    assert "missing key 'audio_encoder.4.conv_block.0.bias'" in message  # the first one only
    assert "output_block" not in message


def test_a_wrong_shape_is_named(tmp_path, random_checkpoint):
    _path, model = random_checkpoint

    def widen(state):
        state["module.face_decoder_blocks.3.0.conv_block.0.weight"] = torch.zeros(768, 256, 3, 3)

    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(_saved_with(tmp_path, model, widen))
    assert ("key 'face_decoder_blocks.3.0.conv_block.0.weight' has shape (768, 256, 3, 3), "
            "expected (768, 384, 3, 3)") in str(caught.value)


def test_an_unexpected_key_is_named(tmp_path, random_checkpoint):
    _path, model = random_checkpoint

    def extra(state):
        state["module.audio_refine.0.conv_block.0.weight"] = torch.zeros(1)

    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(_saved_with(tmp_path, model, extra))
    assert "unexpected key 'audio_refine.0.conv_block.0.weight'" in str(caught.value)


def test_a_file_that_is_no_checkpoint_fails_clearly(tmp_path):
    path = tmp_path / "notes.pth"
    path.write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot be read"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "absent.pth")


def test_the_network_maps_mel_and_faces_to_faces_in_0_1(random_checkpoint):
    _path, model = random_checkpoint
    model.eval()
    generator = torch.Generator().manual_seed(1)
    mel = torch.randn(3, 1, 80, 16, generator=generator)
    faces = torch.rand(3, 6, 96, 96, generator=generator)
    with torch.inference_mode():
        out = model(mel, faces)
        again = Wav2Lip.forward(model, mel, faces)
        sequence = model(mel.unsqueeze(1).repeat(1, 2, 1, 1, 1),
                         faces.unsqueeze(2).repeat(1, 1, 2, 1, 1))
    assert out.shape == (3, 3, 96, 96)
    assert float(out.min()) >= 0 and float(out.max()) <= 1
    assert torch.equal(out, again)  # CPU inference is deterministic
    assert sequence.shape == (3, 3, 2, 96, 96)  # the published (B, T, ...) form
    assert torch.allclose(sequence[:, :, 1], out, atol=1e-5)
