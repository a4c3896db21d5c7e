"""Folders in the published layout with random weights, for tests and the benchmark: speed and
shapes do not depend on the weights, and none are shipped or downloaded. No Django.

    unet, vae, whisper = write_folders(Path("/tmp/mt"), SMALL)   # or FULL (GPU benchmark)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from .config import FULL_UNET, FULL_VAE, FULL_WHISPER, write_json
from .model import Networks, build_unet, check_compatible, quiet_offline


@dataclass(frozen=True)
class Sizes:
    unet: dict
    vae: dict
    whisper: dict


FULL = Sizes(FULL_UNET, FULL_VAE, FULL_WHISPER)

# The same kinds of blocks, a few channels each: runs on a CPU in tests (~30 ms per face).
SMALL = Sizes(
    unet={**FULL_UNET, "block_out_channels": [32, 64], "layers_per_block": 1,
          "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
          "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"], "cross_attention_dim": 32,
          "attention_head_dim": 4, "norm_num_groups": 8, "sample_size": 32},
    vae={**FULL_VAE, "block_out_channels": [4, 8, 8, 8], "layers_per_block": 1,
         "norm_num_groups": 4},
    whisper={**FULL_WHISPER, "d_model": 32, "encoder_layers": 2, "encoder_attention_heads": 2,
             "encoder_ffn_dim": 64, "decoder_layers": 1, "decoder_attention_heads": 2,
             "decoder_ffn_dim": 64, "max_target_positions": 32},
)


def write_folders(root: Path, sizes: Sizes = SMALL, seed: int = 0,
                  weights_name: str = "pytorch_model.bin") -> tuple[Path, Path, Path]:
    """(unet, vae, whisper) folders under `root`: musetalk.json + the UNet's state dict,
    AutoencoderKL.save_pretrained, WhisperModel + WhisperFeatureExtractor.save_pretrained."""
    quiet_offline()
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperModel

    torch.manual_seed(seed)
    unet_folder, vae_folder, whisper_folder = root / "musetalk", root / "sd-vae", root / "whisper"
    unet_folder.mkdir(parents=True, exist_ok=True)
    write_json(unet_folder / "musetalk.json", sizes.unet)
    unet = UNet2DConditionModel(**{k: v for k, v in sizes.unet.items() if not k.startswith("_")})
    save_state_dict(unet.state_dict(), unet_folder / weights_name)
    AutoencoderKL(**{k: v for k, v in sizes.vae.items() if not k.startswith("_")}
                  ).save_pretrained(vae_folder)
    WhisperModel(WhisperConfig(**sizes.whisper)).save_pretrained(whisper_folder)
    WhisperFeatureExtractor(feature_size=sizes.whisper["num_mel_bins"]).save_pretrained(
        whisper_folder)
    return unet_folder, vae_folder, whisper_folder


def random_networks(sizes: Sizes = SMALL, seed: int = 0) -> Networks:
    """The three networks of these sizes with random weights, in memory (no files): what the
    benchmark times, at the full size too (its UNet alone would be a 3.4 GB file)."""
    quiet_offline()
    from diffusers import AutoencoderKL
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperModel

    torch.manual_seed(seed)
    networks = Networks(
        unet=build_unet({k: v for k, v in sizes.unet.items() if not k.startswith("_")}).eval(),
        vae=AutoencoderKL(**{k: v for k, v in sizes.vae.items()
                             if not k.startswith("_")}).eval(),
        whisper=WhisperModel(WhisperConfig(**sizes.whisper)).get_encoder().eval(),
        features=WhisperFeatureExtractor(feature_size=sizes.whisper["num_mel_bins"]))
    check_compatible(networks)
    return networks


def save_state_dict(state: dict, path: Path) -> None:
    if path.suffix == ".safetensors":
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    else:
        torch.save(state, path)
