"""CNN: a causal convolutional recurrent network (CRN).

Tan & Wang, "A Convolutional Recurrent Neural Network for Real-Time Speech Enhancement",
Interspeech 2018: a convolutional encoder over (time, frequency) with kernels that look only at
the current and past frames, a recurrent bottleneck, and a decoder. Simplified here: the
transposed-convolution decoder is a linear layer from the GRU output (the target sizes differ
per target kind, and the encoder's skip connections would need matching shapes).

Streaming: each conv layer has a time kernel of 2 frames (``(2, 3)`` time x feature, stride 2
along features), so its cache is the previous input frame ``(batch, channels_in, 1, width_in)``;
the GRU state is ``(batch, 1, hidden)``. GTCRN (Rong et al., ICASSP 2024) ships caches the same way.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class CausalCrn(nn.Module):
    """Causal Conv2d encoder (time kernel 2) -> GRU -> Linear.

    Args:
        input_size, output_size: feature and output sizes per frame.
        channels: output channels of each conv layer (each halves the feature axis).
        hidden: GRU width.
    """

    def __init__(self, input_size: int, output_size: int, channels: tuple[int, ...] = (16, 16),
                 hidden: int = 128) -> None:
        super().__init__()
        self.input_size, self.output_size, self.hidden = input_size, output_size, hidden
        self.channels = tuple(int(c) for c in channels)
        self.convs = nn.ModuleList()
        self.widths = [input_size]
        c_in = 1
        for c_out in self.channels:
            self.convs.append(nn.Conv2d(c_in, c_out, kernel_size=(2, 3), stride=(1, 2), padding=(0, 1)))
            self.widths.append((self.widths[-1] - 1) // 2 + 1)  # stride 2, pad 1, kernel 3
            c_in = c_out
        self.gru = nn.GRU(c_in * self.widths[-1], hidden, batch_first=True)
        self.dense_out = nn.Linear(hidden, output_size)

    def get_config(self) -> dict:
        return {"input_size": self.input_size, "output_size": self.output_size,
                "channels": list(self.channels), "hidden": self.hidden}

    def initial_state(self, batch: int) -> tuple[torch.Tensor, ...]:
        caches = [torch.zeros(batch, c_in, 1, width)
                  for c_in, width in zip((1,) + self.channels[:-1], self.widths[:-1])]
        return tuple(caches) + (torch.zeros(batch, 1, self.hidden),)

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, ...]
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        h = x.unsqueeze(1)  # [B, 1, T, D]
        new_state = []
        for conv, cache in zip(self.convs, state[:-1]):
            padded = torch.cat([cache, h], dim=2)  # [B, C, 1 + T, W]: the past frame first
            new_state.append(padded[:, :, -1:])
            h = F.elu(conv(padded))  # [B, C_out, T, W_out]
        batch, chans, frames, width = h.shape
        h = h.permute(0, 2, 1, 3).reshape(batch, frames, chans * width)  # [B, T, C*W]
        h, last = self.gru(h, state[-1].transpose(0, 1).contiguous())
        new_state.append(last.transpose(0, 1))
        return self.dense_out(h), tuple(new_state)
