"""RNN: dense -> stacked GRU -> dense, the RNNoise recipe.

Valin, "A Hybrid DSP/Deep Learning Approach to Real-Time Full-Band Speech Enhancement",
MMSP 2018, arXiv:1709.08243: band energies in, per-band gains out of GRU layers. Here the input
is any feature set and the output any target; the GRU state is ``(batch, layers, hidden)``.
"""
from __future__ import annotations

import torch
from torch import nn


class GruNet(nn.Module):
    """``Linear+tanh -> GRU(layers) -> Linear``.

    Args:
        input_size, output_size: feature and output sizes per frame.
        hidden: GRU width.
        layers: stacked GRU layers.
    """

    def __init__(self, input_size: int, output_size: int, hidden: int = 128, layers: int = 2) -> None:
        super().__init__()
        self.input_size, self.output_size, self.hidden, self.layers = input_size, output_size, hidden, layers
        self.dense_in = nn.Linear(input_size, hidden)
        self.gru = nn.GRU(hidden, hidden, num_layers=layers, batch_first=True)
        self.dense_out = nn.Linear(hidden, output_size)

    def get_config(self) -> dict:
        return {"input_size": self.input_size, "output_size": self.output_size,
                "hidden": self.hidden, "layers": self.layers}

    def initial_state(self, batch: int) -> tuple[torch.Tensor, ...]:
        return (torch.zeros(batch, self.layers, self.hidden),)

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, ...]
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        h = torch.tanh(self.dense_in(x))  # [B, T, H]
        h, last = self.gru(h, state[0].transpose(0, 1).contiguous())  # [B, T, H], [L, B, H]
        return self.dense_out(h), (last.transpose(0, 1),)
