"""``Denoiser``: features -> network -> target head, one streamable module (what gets exported).

Built from three explicit config pieces, each resolved in its own registry::

    Denoiser(features={"name": "erb_df", "num_bands": 32, "df_bins": 96},
             network={"name": "rnn", "hidden": 128, "layers": 2},
             target="irm")

``forward(spectrum, state)`` takes the noisy spectrum ``(batch, frames, bins, 2)`` (real, imag;
the framing of ``models.filterbank``/``dsp.stft``) and the flat state tuple (feature
normalisation states first, then the network's), and returns ``(raw, quantity, enhanced,
new_state)`` with ``enhanced`` ``(batch, frames, bins, 2)``. ``Denoiser(**d.get_config())``
rebuilds the same architecture; ``save``/``load`` add the weights and versions.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .features import FEATURES
from .filterbank import FRAME_SIZE, HOP_SIZE, SAMPLE_RATE
from .heads import HEADS
from .networks import NETWORKS

State = tuple[torch.Tensor, ...]


class Denoiser(nn.Module):
    """See the module docstring. ``frame_size``/``hop_size``/``sample_rate`` fix the geometry."""

    def __init__(self, features: dict[str, Any], network: dict[str, Any], target: str,
                 frame_size: int = FRAME_SIZE, hop_size: int = HOP_SIZE,
                 sample_rate: int = SAMPLE_RATE) -> None:
        super().__init__()
        self.frame_size, self.hop_size, self.sample_rate = frame_size, hop_size, sample_rate
        self.num_bins = frame_size // 2 + 1
        self.feature_config, self.network_config, self.target = dict(features), dict(network), target
        feature_args = {k: v for k, v in features.items() if k != "name"}
        self.features = FEATURES.get(features["name"])(
            num_bins=self.num_bins, sample_rate=sample_rate, hop_size=hop_size, **feature_args)
        self.head = HEADS.get(target)
        network_args = {k: v for k, v in network.items() if k != "name"}
        self.network = NETWORKS.get(network["name"])(
            input_size=self.features.size,
            output_size=self.head.output_size(self.num_bins, frame_size), **network_args)
        if target == "waveform":  # real DFT matrices for the waveform head (not saved: derived)
            n = torch.arange(frame_size, dtype=torch.float64)[:, None]
            k = torch.arange(self.num_bins, dtype=torch.float64)[None, :]
            angle = 2 * math.pi * n * k / frame_size
            self.register_buffer("dft_cos", torch.cos(angle).float(), persistent=False)
            self.register_buffer("dft_sin", torch.sin(angle).float(), persistent=False)
        self.num_feature_states = len(self.features.initial_state(1))

    def get_config(self) -> dict[str, Any]:
        return {"features": dict(self.feature_config), "network": dict(self.network_config),
                "target": self.target, "frame_size": self.frame_size, "hop_size": self.hop_size,
                "sample_rate": self.sample_rate}

    def initial_state(self, batch: int = 1) -> State:
        return tuple(self.features.initial_state(batch)) + tuple(self.network.initial_state(batch))

    def forward(self, spectrum: torch.Tensor, state: State
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, State]:
        split = self.num_feature_states
        feats, feature_state = self.features(spectrum, state[:split])  # [B, T, D]
        raw, network_state = self.network(feats, state[split:])  # [B, T, O]
        quantity, enhanced = self.head.decode(self, raw, spectrum)
        return raw, quantity, enhanced, tuple(feature_state) + tuple(network_state)

    def count_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def save(self, path: Path, extra: dict[str, Any] | None = None) -> None:
        """Class name, config, weights and versions in one file (asteroid's ``serialize``)."""
        torch.save({"class": type(self).__name__, "config": self.get_config(),
                    "state_dict": self.state_dict(), "versions": {"torch": torch.__version__},
                    **(extra or {})}, path)

    @classmethod
    def load(cls, path: Path) -> "Denoiser":
        package = torch.load(path, map_location="cpu", weights_only=False)
        model = cls(**package["config"])
        model.load_state_dict(package["state_dict"])
        return model
