"""Multiply-accumulates per second of a ``Denoiser`` (the model card's "MACs/s").

Counted from the layers that do the work, per frame, times frames per second
(``sample_rate / hop_size`` = 100 at 48 kHz / 480): ``nn.Linear`` (in x out), ``nn.GRU``
(3 gates x (in + hidden) x hidden per layer), ``nn.Conv2d`` (output elements x in-channels x
kernel area), the attention products of ``CausalSelfAttention`` (2 x window x d_model), the
feature extractor's band matrix (bins x bands) and the waveform head's DFT. Element-wise work
(activations, normalisation, the STFT) is not counted, as in the usual MAC figures.
"""
from __future__ import annotations

import torch
from torch import nn

from .denoiser import Denoiser
from .networks.transformer import CausalSelfAttention


def macs_per_frame(model: Denoiser) -> int:
    """MACs to process one frame in streaming (batch 1)."""
    total = 0
    counted: list[int] = []

    def linear(module: nn.Linear, inputs, output) -> None:
        counted.append(module.in_features * module.out_features * output[..., 0].numel())

    def conv(module: nn.Conv2d, inputs, output) -> None:
        kernel = module.kernel_size[0] * module.kernel_size[1]
        counted.append(output.numel() * (module.in_channels // module.groups) * kernel)

    def gru(module: nn.GRU, inputs, output) -> None:
        frames = inputs[0].shape[0] * inputs[0].shape[1]
        for layer in range(module.num_layers):
            width_in = module.input_size if layer == 0 else module.hidden_size
            counted.append(3 * (width_in + module.hidden_size) * module.hidden_size * frames)

    def attention(module: CausalSelfAttention, inputs, output) -> None:
        counted.append(2 * (module.cache_frames + 1) * module.d_model * inputs[0].shape[1])

    handles = []
    for module in model.modules():
        if isinstance(module, nn.Linear):
            handles.append(module.register_forward_hook(linear))
        elif isinstance(module, nn.Conv2d):
            handles.append(module.register_forward_hook(conv))
        elif isinstance(module, nn.GRU):
            handles.append(module.register_forward_hook(gru))
        elif isinstance(module, CausalSelfAttention):
            handles.append(module.register_forward_hook(attention))
    try:
        with torch.no_grad():
            model(torch.zeros(1, 1, model.num_bins, 2), model.initial_state(1))
    finally:
        for handle in handles:
            handle.remove()
    total = sum(counted)
    band_matrix = getattr(model.features, "band_matrix", None)
    if band_matrix is not None:
        total += band_matrix.numel()
    if model.target == "waveform":
        total += 2 * model.frame_size * model.num_bins
    return int(total)


def macs_per_second(model: Denoiser) -> float:
    return macs_per_frame(model) * model.sample_rate / model.hop_size
