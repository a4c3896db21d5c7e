"""What the torch engines share (common/networks.py): the strict state dict check, the device."""

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (the network engines')")

from lipsync_engine.common.networks import (  # noqa: E402
    batch_from_memory,
    first_mismatch,
    pick_device,
    unwrapped,
)


def test_the_first_mismatch_names_the_key():
    expected = {"a.weight": torch.zeros(2, 3), "b.bias": torch.zeros(4)}

    assert first_mismatch(expected, dict(expected)) is None
    assert first_mismatch(expected, {"a.weight": torch.zeros(2, 3)}) == "missing key 'b.bias'"
    assert first_mismatch(expected, {**expected, "a.weight": torch.zeros(3, 2)}) == (
        "key 'a.weight' has shape (3, 2), expected (2, 3)")
    assert first_mismatch(expected, {**expected, "c": torch.zeros(1)}) == "unexpected key 'c'"


def test_data_parallel_prefixes_are_dropped():
    assert unwrapped("module.conv.weight") == "conv.weight"
    assert unwrapped("conv.weight") == "conv.weight"


def test_the_cpu_gets_its_batch_and_a_missing_gpu_is_named(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)

    assert batch_from_memory(torch.device("cpu"), 1, cpu_batch=8, max_batch=64) == 8
    assert batch_from_memory(torch.device("cpu"), 1, cpu_batch=8, max_batch=64,
                             requested=3) == 3
    with pytest.raises(RuntimeError) as caught:
        pick_device("cuda:1", "LIPSYNC_MUSETALK_DEVICE")
    assert str(caught.value) == ("LIPSYNC_MUSETALK_DEVICE=cuda:1 but no CUDA device is available "
                                 "to torch (a CPU-only build, or no driver).")
