"""DNN: a multilayer perceptron over the current frame and ``context_frames - 1`` past frames.

The classic regression/masking DNN (Xu et al., IEEE/ACM TASLP 23(1), 2015; Wang et al. 2014)
made causal: only past frames are stacked, so the only state is the last ``context_frames - 1``
input frames, ``(batch, context_frames - 1, input_size)``.
"""
from __future__ import annotations

import torch
from torch import nn


class FrameMlp(nn.Module):
    """``[x_{t-c+1} .. x_t] -> (Linear, ReLU) x layers -> Linear``.

    Args:
        input_size, output_size: feature and output sizes per frame.
        hidden: width of each hidden layer.
        layers: number of hidden layers (>= 1).
        context_frames: frames stacked per output (>= 2: the current one and the past ones).
    """

    def __init__(self, input_size: int, output_size: int, hidden: int = 256, layers: int = 2,
                 context_frames: int = 3) -> None:
        super().__init__()
        if context_frames < 2 or layers < 1:
            raise ValueError("FrameMlp needs context_frames >= 2 and layers >= 1")
        self.input_size, self.output_size = input_size, output_size
        self.hidden, self.layers, self.context_frames = hidden, layers, context_frames
        blocks: list[nn.Module] = []
        width = input_size * context_frames
        for _ in range(layers):
            blocks += [nn.Linear(width, hidden), nn.ReLU()]
            width = hidden
        blocks.append(nn.Linear(width, output_size))
        self.mlp = nn.Sequential(*blocks)

    def get_config(self) -> dict:
        return {"input_size": self.input_size, "output_size": self.output_size, "hidden": self.hidden,
                "layers": self.layers, "context_frames": self.context_frames}

    def initial_state(self, batch: int) -> tuple[torch.Tensor, ...]:
        return (torch.zeros(batch, self.context_frames - 1, self.input_size),)

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, ...]
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        history = torch.cat([state[0], x], dim=1)  # [B, c-1+T, D]
        frames = x.shape[1]
        stacked = torch.cat([history[:, k: k + frames] for k in range(self.context_frames)], dim=-1)
        return self.mlp(stacked), (history[:, frames:],)  # [B, T, D*c] -> [B, T, out]
