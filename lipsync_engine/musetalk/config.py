"""What the operator's MuseTalk folders hold, and the published full-size configs. No torch.

The published layout (the MuseTalk README's `models/` folder):

    musetalk/musetalk.json + pytorch_model.bin     the UNet (v1.5: musetalkV15/unet.pth)
    sd-vae/config.json + diffusion_pytorch_model.*  stabilityai/sd-vae-ft-mse (AutoencoderKL)
    whisper/config.json + pytorch_model.bin + preprocessor_config.json   openai/whisper-tiny

`musetalk.json` holds the keyword arguments of diffusers' UNet2DConditionModel: 8 input
channels (the masked face's latent and the reference face's latent), 4 out, cross-attention on
384-d whisper-tiny encoder features. Every size here comes from those files, so a small config
loads and runs the same way as the published one.
"""

from __future__ import annotations

import json
from pathlib import Path

# The folder checks and the environment's names live with the other engines' (common/selection),
# which the worker consults at start without importing this package.
from ..common.selection import ENV_MUSETALK_BATCH as ENV_BATCH
from ..common.selection import ENV_MUSETALK_DEVICE as ENV_DEVICE
from ..common.selection import ENV_MUSETALK_HALF as ENV_HALF
from ..common.selection import ENV_MUSETALK_UNET as ENV_UNET
from ..common.selection import ENV_MUSETALK_VAE as ENV_VAE
from ..common.selection import ENV_MUSETALK_WHISPER as ENV_WHISPER
from ..common.selection import MUSETALK_UNET_CONFIG as UNET_CONFIG
from ..common.selection import musetalk_problem as paths_problem

__all__ = ["ENV_BATCH", "ENV_DEVICE", "ENV_HALF", "ENV_UNET", "ENV_VAE", "ENV_WHISPER",
           "FULL_UNET", "FULL_VAE", "FULL_WHISPER", "UNET_CONFIG", "UNET_WEIGHTS",
           "ModelFilesError", "paths_problem", "unet_config", "unet_weights", "write_json"]


# The UNet's state dict, first match wins: v1.0's name, v1.5's name, then safetensors.
UNET_WEIGHTS = ("pytorch_model.bin", "unet.pth", "diffusion_pytorch_model.safetensors",
                "model.safetensors", "pytorch_model.safetensors", "unet.safetensors")

# diffusers' UNet2DConditionModel keywords as published in musetalk.json: the Stable Diffusion
# 1.x block layout at 8 input channels and a 384-d cross-attention.
FULL_UNET = {
    "_class_name": "UNet2DConditionModel",
    "act_fn": "silu",
    "attention_head_dim": 8,
    "block_out_channels": [320, 640, 1280, 1280],
    "center_input_sample": False,
    "cross_attention_dim": 384,
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                         "CrossAttnDownBlock2D", "DownBlock2D"],
    "downsample_padding": 1,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "in_channels": 8,
    "layers_per_block": 2,
    "mid_block_scale_factor": 1,
    "norm_eps": 1e-05,
    "norm_num_groups": 32,
    "out_channels": 4,
    "sample_size": 64,
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                       "CrossAttnUpBlock2D"],
}

# stabilityai/sd-vae-ft-mse's config.json (AutoencoderKL, 8x downsampling, 4 latent channels).
FULL_VAE = {
    "_class_name": "AutoencoderKL",
    "act_fn": "silu",
    "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "in_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 2,
    "norm_num_groups": 32,
    "out_channels": 3,
    "sample_size": 256,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
}

# openai/whisper-tiny's config.json, the parts that size the network (transformers' WhisperConfig).
FULL_WHISPER = {
    "d_model": 384,
    "encoder_layers": 4,
    "encoder_attention_heads": 6,
    "encoder_ffn_dim": 1536,
    "decoder_layers": 4,
    "decoder_attention_heads": 6,
    "decoder_ffn_dim": 1536,
    "num_mel_bins": 80,
    "max_source_positions": 1500,
    "max_target_positions": 448,
    "vocab_size": 51865,
    "activation_function": "gelu",
}


class ModelFilesError(Exception):
    """A MuseTalk folder that lacks a file or holds one that cannot be used (message: which)."""


def unet_config(folder: Path | str) -> dict:
    """musetalk.json's keywords (keys starting with "_" are diffusers' bookkeeping, dropped)."""
    path = Path(folder) / UNET_CONFIG
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise ModelFilesError(f"MuseTalk UNet config {path} does not exist.") from None
    except (OSError, ValueError) as exc:
        raise ModelFilesError(f"MuseTalk UNet config {path} cannot be read: {exc}") from None
    if not isinstance(raw, dict):
        raise ModelFilesError(f"MuseTalk UNet config {path} is not a JSON object.")
    return {key: value for key, value in raw.items() if not key.startswith("_")}


def unet_weights(folder: Path | str) -> Path:
    """The UNet's state dict file in `folder` (UNET_WEIGHTS, first present)."""
    folder = Path(folder)
    for name in UNET_WEIGHTS:
        if (folder / name).is_file():
            return folder / name
    raise ModelFilesError(f"MuseTalk UNet folder {folder} holds no weights (one of "
                          f"{', '.join(UNET_WEIGHTS)}).")


def write_json(path: Path, config: dict) -> None:
    path.write_text(json.dumps(config, indent=2) + "\n")
