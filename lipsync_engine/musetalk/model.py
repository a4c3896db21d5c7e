"""The three networks from the operator's folders, loaded strictly and never downloaded.

- the UNet: diffusers' UNet2DConditionModel built from musetalk.json, its state dict
  (pytorch_model.bin / unet.pth / *.safetensors) loaded with every key and shape checked;
- the VAE: diffusers' AutoencoderKL.from_pretrained(folder) (sd-vae-ft-mse's layout);
- the audio encoder: the encoder of transformers' WhisperModel (whisper-tiny's folder) and its
  WhisperFeatureExtractor.

diffusers and transformers are imported here, inside the functions, so that only a worker that
runs this engine pays for importing them (~5 s). No Django.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

from ..common.networks import first_mismatch, unwrapped
from .config import ModelFilesError, unet_config, unet_weights


class CheckpointError(ModelFilesError):
    """A UNet state dict that does not fit musetalk.json; the message names the key and file."""


@dataclass
class Networks:
    """The loaded networks (float32, CPU, eval mode) and the audio front end."""

    unet: torch.nn.Module
    vae: torch.nn.Module
    whisper: torch.nn.Module  # the encoder only
    features: object  # transformers.WhisperFeatureExtractor


def quiet_offline() -> None:
    """No hub look-ups (every folder is local) and no progress bars or advice in the worker's
    log; before diffusers/transformers are first imported."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    import diffusers.utils.logging as diffusers_logging
    import transformers.utils.logging as transformers_logging

    for logging in (diffusers_logging, transformers_logging):
        logging.set_verbosity_error()
        logging.disable_progress_bar()


def build_unet(config: dict, device: str | torch.device = "cpu") -> torch.nn.Module:
    """A UNet2DConditionModel of this config with random weights (`device="meta"`: none)."""
    quiet_offline()
    from diffusers import UNet2DConditionModel

    try:
        with torch.device(device):
            return UNet2DConditionModel(**config)
    except (TypeError, ValueError) as exc:
        raise ModelFilesError(f"musetalk.json does not describe a UNet2DConditionModel: "
                              f"{exc}") from None


def load_unet(folder: Path | str) -> torch.nn.Module:
    """The UNet of `folder` in eval mode, every tensor of the file checked against the config:
    a missing, unexpected or mis-shaped key raises CheckpointError naming it and the file."""
    config = unet_config(folder)
    path = unet_weights(folder)
    state = read_state_dict(path)
    model = build_unet(config, "meta")  # no memory, no time spent on a random init
    problem = first_mismatch(model.state_dict(), state)
    if problem:
        raise CheckpointError(f"MuseTalk UNet weights {path} do not match "
                              f"{Path(folder) / 'musetalk.json'}: {problem}.")
    model.load_state_dict(state, strict=True, assign=True)
    return model.float().eval()


def read_state_dict(path: Path) -> dict:
    """The tensors of a .bin/.pth (torch's safe unpickler) or .safetensors file."""
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # unpickling and safetensors errors come in many classes
        raise CheckpointError(f"MuseTalk UNet weights {path} cannot be read: {exc}") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not state:
        raise CheckpointError(f"MuseTalk UNet weights {path} hold no state dict.")
    return {unwrapped(key): value for key, value in state.items()}


def load_vae(folder: Path | str) -> torch.nn.Module:
    """sd-vae-ft-mse (or a folder of the same layout) in eval mode; missing weights refused."""
    quiet_offline()
    from diffusers import AutoencoderKL

    try:
        vae, info = AutoencoderKL.from_pretrained(str(folder), local_files_only=True,
                                                  output_loading_info=True)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelFilesError(f"MuseTalk VAE folder {folder} cannot be loaded: "
                              f"{_first_line(exc)}") from None
    _refuse_missing(info, f"MuseTalk VAE folder {folder}")
    return vae.float().eval()


def load_whisper(folder: Path | str) -> tuple[torch.nn.Module, object]:
    """(whisper's encoder in eval mode, its feature extractor) from a whisper-tiny folder."""
    quiet_offline()
    from transformers import WhisperFeatureExtractor, WhisperModel

    try:
        model, info = WhisperModel.from_pretrained(str(folder), local_files_only=True,
                                                   output_loading_info=True)
        features = WhisperFeatureExtractor.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelFilesError(f"MuseTalk whisper folder {folder} cannot be loaded: "
                              f"{_first_line(exc)}") from None
    missing = {"missing_keys": [k for k in info.get("missing_keys", ())
                                if k.startswith("encoder.")]}
    _refuse_missing(missing, f"MuseTalk whisper folder {folder}")
    return model.get_encoder().float().eval(), features


def _refuse_missing(info: dict, what: str) -> None:
    missing = sorted(info.get("missing_keys", ()))
    if missing:
        raise ModelFilesError(f"{what} lacks weights: missing key {missing[0]!r}.")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def load_networks(unet: Path | str, vae: Path | str, whisper: Path | str) -> Networks:
    """All three, checked against each other: the UNet's cross-attention must take whisper's
    feature size and its input the two VAE latents."""
    networks = Networks(load_unet(unet), load_vae(vae), *load_whisper(whisper))
    check_compatible(networks)
    return networks


def check_compatible(networks: Networks) -> None:
    unet, vae, whisper = (networks.unet.config, networks.vae.config, networks.whisper.config)
    if unet.cross_attention_dim != whisper.d_model:
        raise ModelFilesError(
            f"The MuseTalk UNet attends to {unet.cross_attention_dim}-d audio features but the "
            f"whisper folder's encoder gives {whisper.d_model}-d ones (whisper-tiny: 384).")
    latent = vae.latent_channels
    if unet.in_channels != 2 * latent or unet.out_channels != latent:
        raise ModelFilesError(
            f"The MuseTalk UNet takes {unet.in_channels} channels and gives "
            f"{unet.out_channels}; the VAE's latents have {latent} (expected "
            f"{2 * latent} in, {latent} out).")
