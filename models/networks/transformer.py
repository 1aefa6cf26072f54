"""Transformer: a small causal one, streamable through a bounded key/value cache.

Each layer is pre-norm self-attention + feed-forward (Vaswani et al., NeurIPS 2017). A frame
attends to itself and the ``cache_frames`` frames before it (sliding-window attention), with a
learned bias per head and lag as its only position information (relative position bias, Shaw et
al., NAACL 2018), so its receptive field per layer is ``cache_frames + 1`` frames. The cache
holds the projected keys and values of those past frames: per layer two tensors
``(batch, cache_frames, d_model)``, zeros at the start of a stream (they act as silent frames,
the same in whole-sequence and frame-by-frame processing).
"""
from __future__ import annotations

import math

import torch
from torch import nn


class CausalSelfAttention(nn.Module):
    """Multi-head attention of each frame over ``[cache; frames]`` within ``cache_frames`` lags."""

    def __init__(self, d_model: int, heads: int, cache_frames: int) -> None:
        super().__init__()
        if d_model % heads:
            raise ValueError(f"d_model {d_model} must be a multiple of heads {heads}")
        self.d_model, self.heads, self.cache_frames = d_model, heads, cache_frames
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.lag_bias = nn.Parameter(torch.zeros(heads, cache_frames + 1))

    def forward(self, x: torch.Tensor, key_cache: torch.Tensor, value_cache: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        batch, frames, _ = x.shape
        heads, width, past = self.heads, self.d_model // self.heads, self.cache_frames
        q, k, v = self.qkv(x).chunk(3, dim=-1)  # [B, T, d] each
        keys = torch.cat([key_cache, k], dim=1)  # [B, L+T, d]
        values = torch.cat([value_cache, v], dim=1)

        def split(t: torch.Tensor) -> torch.Tensor:  # [B, N, d] -> [B, h, N, d/h]
            return t.reshape(batch, -1, heads, width).transpose(1, 2)

        logits = torch.matmul(split(q), split(keys).transpose(-1, -2)) / math.sqrt(width)  # [B,h,T,L+T]
        query_pos = torch.arange(frames, device=x.device)[:, None] + past  # [T, 1]
        key_pos = torch.arange(keys.shape[1], device=x.device)[None, :]  # [1, L+T]
        lag = query_pos - key_pos  # [T, L+T]
        allowed = (lag >= 0) & (lag <= past)
        bias = self.lag_bias[:, lag.clamp(0, past)]  # [h, T, L+T]
        logits = torch.where(allowed, logits + bias, torch.full_like(logits, -1e9))
        attended = torch.matmul(torch.softmax(logits, dim=-1), split(values))  # [B, h, T, d/h]
        attended = attended.transpose(1, 2).reshape(batch, frames, self.d_model)
        return self.out(attended), keys[:, -past:], values[:, -past:]


class CausalTransformer(nn.Module):
    """``Linear -> (LN, attention, LN, FFN) x layers -> LN -> Linear``.

    Args:
        input_size, output_size: feature and output sizes per frame.
        d_model: width; heads: attention heads; layers: blocks.
        cache_frames: past frames each frame attends to (32 frames = 320 ms at a 10 ms hop).
        ff_mult: feed-forward width as a multiple of ``d_model``.
    """

    def __init__(self, input_size: int, output_size: int, d_model: int = 96, heads: int = 4,
                 layers: int = 2, cache_frames: int = 32, ff_mult: int = 2) -> None:
        super().__init__()
        self.input_size, self.output_size = input_size, output_size
        self.d_model, self.heads, self.layers = d_model, heads, layers
        self.cache_frames, self.ff_mult = cache_frames, ff_mult
        self.dense_in = nn.Linear(input_size, d_model)
        self.attn = nn.ModuleList(CausalSelfAttention(d_model, heads, cache_frames) for _ in range(layers))
        self.norm_attn = nn.ModuleList(nn.LayerNorm(d_model) for _ in range(layers))
        self.norm_ff = nn.ModuleList(nn.LayerNorm(d_model) for _ in range(layers))
        self.ff = nn.ModuleList(
            nn.Sequential(nn.Linear(d_model, ff_mult * d_model), nn.GELU(), nn.Linear(ff_mult * d_model, d_model))
            for _ in range(layers))
        self.norm_out = nn.LayerNorm(d_model)
        self.dense_out = nn.Linear(d_model, output_size)

    def get_config(self) -> dict:
        return {"input_size": self.input_size, "output_size": self.output_size, "d_model": self.d_model,
                "heads": self.heads, "layers": self.layers, "cache_frames": self.cache_frames,
                "ff_mult": self.ff_mult}

    def initial_state(self, batch: int) -> tuple[torch.Tensor, ...]:
        return tuple(torch.zeros(batch, self.cache_frames, self.d_model) for _ in range(2 * self.layers))

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, ...]
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        h = self.dense_in(x)  # [B, T, d]
        new_state: list[torch.Tensor] = []
        for i in range(self.layers):
            attended, keys, values = self.attn[i](self.norm_attn[i](h), state[2 * i], state[2 * i + 1])
            h = h + attended
            h = h + self.ff[i](self.norm_ff[i](h))
            new_state += [keys, values]
        return self.dense_out(self.norm_out(h)), tuple(new_state)
