"""The Wav2Lip generator, written from the published description, and its checkpoint loader.

The network (Prajwal et al., "A Lip Sync Expert Is All You Need", 2020) generates the lower half
of a 96x96 face from an 80x16 mel window (0.2 s of audio) and two pictures of the face stacked on
the channels: the target with its lower half blanked, and a reference for identity. A face
encoder (7 blocks, 96x96x6 -> 1x1x512, keeping each block's output) and an audio encoder
(80x16x1 -> 1x1x512) meet at the 1x1 bottleneck; the decoder upsamples back to 96x96,
concatenating the face encoder's feature map of the same size after every block (a U-Net);
an output block maps 80 channels to 3 through a sigmoid.

Attribute names and layer order are those of the public checkpoints (wav2lip.pth and
wav2lip_gan.pth: `{"state_dict": ...}` saved from DataParallel, so every key has a `module.`
prefix), so they load with `strict=True`. The checkpoints were trained on BGR pictures in [0, 1].
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..base import EngineError
from ..common.networks import first_mismatch, unwrapped

FACE_SIZE = 96


class ConvBlock(nn.Module):
    """Conv2d + BatchNorm2d (+ the input, for residual blocks) + ReLU."""

    def __init__(self, cin: int, cout: int, kernel_size: int, stride, padding: int,
                 residual: bool = False) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.Conv2d(cin, cout, kernel_size, stride, padding), nn.BatchNorm2d(cout))
        self.act = nn.ReLU()
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv_block(x)
        if self.residual:
            out = out + x
        return self.act(out)


class UpBlock(nn.Module):
    """ConvTranspose2d + BatchNorm2d + ReLU."""

    def __init__(self, cin: int, cout: int, kernel_size: int, stride: int, padding: int,
                 output_padding: int = 0) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ConvTranspose2d(cin, cout, kernel_size, stride, padding, output_padding),
            nn.BatchNorm2d(cout))
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv_block(x))


def _down(cin: int, cout: int, residuals: int) -> nn.Sequential:
    """A stride-2 block (halves the size) followed by `residuals` residual 3x3 blocks."""
    return nn.Sequential(ConvBlock(cin, cout, 3, 2, 1),
                         *(ConvBlock(cout, cout, 3, 1, 1, residual=True)
                           for _ in range(residuals)))


def _up(cin: int, cout: int, residuals: int, stride: int = 2) -> nn.Sequential:
    """A transposed-conv block (doubles the size; stride 1 turns 1x1 into 3x3) + residuals."""
    first = (UpBlock(cin, cout, 3, 2, 1, output_padding=1) if stride == 2
             else UpBlock(cin, cout, 3, 1, 0))
    return nn.Sequential(first, *(ConvBlock(cout, cout, 3, 1, 1, residual=True)
                                  for _ in range(residuals)))


def _face_encoder() -> nn.ModuleList:
    return nn.ModuleList([
        nn.Sequential(ConvBlock(6, 16, 7, 1, 3)),  # 96x96
        _down(16, 32, 2),  # 48x48
        _down(32, 64, 3),  # 24x24
        _down(64, 128, 2),  # 12x12
        _down(128, 256, 2),  # 6x6
        _down(256, 512, 1),  # 3x3
        nn.Sequential(ConvBlock(512, 512, 3, 1, 0), ConvBlock(512, 512, 1, 1, 0)),  # 1x1
    ])


def _audio_encoder() -> nn.Sequential:
    # 80x16 -> 80x16 -> 27x16 -> 9x6 -> 3x3 -> 1x1
    return nn.Sequential(
        ConvBlock(1, 32, 3, 1, 1),
        ConvBlock(32, 32, 3, 1, 1, residual=True),
        ConvBlock(32, 32, 3, 1, 1, residual=True),
        ConvBlock(32, 64, 3, (3, 1), 1),
        ConvBlock(64, 64, 3, 1, 1, residual=True),
        ConvBlock(64, 64, 3, 1, 1, residual=True),
        ConvBlock(64, 128, 3, 3, 1),
        ConvBlock(128, 128, 3, 1, 1, residual=True),
        ConvBlock(128, 128, 3, 1, 1, residual=True),
        ConvBlock(128, 256, 3, (3, 2), 1),
        ConvBlock(256, 256, 3, 1, 1, residual=True),
        ConvBlock(256, 512, 3, 1, 0),
        ConvBlock(512, 512, 1, 1, 0),
    )


def _face_decoder() -> nn.ModuleList:
    # Input channels = the previous block's output + the skip features concatenated after it.
    return nn.ModuleList([
        nn.Sequential(ConvBlock(512, 512, 1, 1, 0)),  # 1x1
        _up(1024, 512, 1, stride=1),  # 3x3
        _up(1024, 512, 2),  # 6x6
        _up(768, 384, 2),  # 12x12
        _up(512, 256, 2),  # 24x24
        _up(320, 128, 2),  # 48x48
        _up(160, 64, 2),  # 96x96
    ])


class Wav2Lip(nn.Module):
    """`Wav2Lip()(mel, faces)`: mel (B, 1, 80, 16), faces (B, 6, 96, 96) -> (B, 3, 96, 96) in
    [0, 1]. The published 5-D form (B, T, ...) is accepted too and returns (B, 3, T, 96, 96)."""

    def __init__(self) -> None:
        super().__init__()
        self.face_encoder_blocks = _face_encoder()
        self.audio_encoder = _audio_encoder()
        self.face_decoder_blocks = _face_decoder()
        self.output_block = nn.Sequential(
            ConvBlock(80, 32, 3, 1, 1), nn.Conv2d(32, 3, 1, 1, 0), nn.Sigmoid())

    def forward(self, mel: torch.Tensor, faces: torch.Tensor) -> torch.Tensor:
        if faces.dim() == 5:  # (B, 6, T, H, W) with mel (B, T, 1, 80, 16): frames as a batch
            batch, steps = faces.size(0), faces.size(2)
            flat = self.forward(mel.flatten(0, 1), faces.transpose(1, 2).flatten(0, 1))
            return flat.unflatten(0, (batch, steps)).transpose(1, 2)
        x = self.audio_encoder(mel)
        skips = []
        features = faces
        for block in self.face_encoder_blocks:
            features = block(features)
            skips.append(features)
        for block in self.face_decoder_blocks:
            x = torch.cat((block(x), skips.pop()), dim=1)
        return self.output_block(x)


class CheckpointError(EngineError):
    """A checkpoint that is not a Wav2Lip generator; the message names the file and the key."""


def load_checkpoint(path: Path | str, device: str | torch.device = "cpu") -> Wav2Lip:
    """A Wav2Lip in eval mode with the weights of `path`, loaded strictly.

    Accepts `{"state_dict": ...}` or a bare state dict, with or without DataParallel's `module.`
    prefixes. Any missing, unexpected or misshapen tensor raises CheckpointError naming the first
    bad key (in the model's own key order) and the file."""
    path = Path(path)
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"Wav2Lip checkpoint {path} does not exist.") from None
    except Exception as exc:  # unpickling errors come in many classes
        raise CheckpointError(f"Wav2Lip checkpoint {path} cannot be read: {exc}") from None
    state = saved.get("state_dict", saved) if isinstance(saved, dict) else None
    if not isinstance(state, dict) or not state:
        raise CheckpointError(f"Wav2Lip checkpoint {path} holds no state_dict.")
    state = {unwrapped(key): value for key, value in state.items()}
    model = Wav2Lip()
    problem = first_mismatch(model.state_dict(), state)
    if problem:
        raise CheckpointError(f"Wav2Lip checkpoint {path} does not match the network: {problem}.")
    model.load_state_dict(state, strict=True)
    return model.to(device).eval()


def public_state_dict(model: Wav2Lip) -> dict:
    """The state dict as the public checkpoints store it: `{"state_dict": {"module." + key}}`."""
    return {"state_dict": {"module." + key: value for key, value in model.state_dict().items()}}
