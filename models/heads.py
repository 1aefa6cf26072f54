"""Target heads: how a network's raw output becomes (a) the trained quantity and (b) an enhanced
spectrum, one head per training target of the article (``HEADS``, selected by ``target`` name).

Spectra here are real tensors ``(batch, frames, bins, 2)`` (real, imag), because ONNX has no
complex type: every head is exported inside the streaming graph. ``decode(raw, noisy)`` returns
``(quantity, enhanced)``; ``reference(clean, noisy)`` (complex64 ``(batch, frames, bins)``
spectra, training only) returns the ideal ``quantity`` from ``models.targets``, or ``None`` for
the waveform head, whose loss must be computed on the signal.

=========  ====================  ======================================  =====================
target     raw output per frame  quantity (what "loss_on: target" fits)   enhanced spectrum
=========  ====================  ======================================  =====================
ibm        bins                  sigmoid mask vs ideal binary mask       mask * Y
irm        bins                  sigmoid mask vs ideal ratio mask        mask * Y
psm        bins                  sigmoid mask vs truncated PSM [0, 1]    mask * Y
smm        bins                  2 sigmoid mask vs SMM clipped to [0, 2] mask * Y
cirm       2 bins                K tanh(o) vs compressed cIRM            (2 / C) o (x) Y
magnitude  bins                  exp(o) vs |S|                           exp(o) e^{j angle Y}
complex    2 bins                o vs |S|^0.3 e^{j angle S}              o |o|^(1/0.3 - 1)
waveform   frame_size samples    (none: loss on the signal only)         DFT of the frame
=========  ====================  ======================================  =====================

"Mask + mapping fusion" is any mask head trained with ``loss_on: "signal"``: the mask is applied
and the loss compares the resynthesised signal with the clean one (the article's fusion).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

import torch
from torch import nn

from ..plugin.registry import Registry
from . import targets

SPEC_EPS = 1e-10  # on |Y|^2 when taking the unit phasor of a bin
MAX_LOG_MAGNITUDE = 12.0  # exp(12) ~ 1.6e5, above any bin of a full-scale 960-sample frame
# |M| <= (2 / C) atanh(0.9999): the largest mask the compressed cIRM can express
CIRM_LIMIT = math.atanh(0.9999)

Quantity = torch.Tensor
Decoder = Callable[[nn.Module, torch.Tensor, torch.Tensor], tuple[Quantity, torch.Tensor]]


def complex_multiply(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a * b`` for real-pair tensors ``(..., 2)``."""
    real = a[..., 0] * b[..., 0] - a[..., 1] * b[..., 1]
    imag = a[..., 0] * b[..., 1] + a[..., 1] * b[..., 0]
    return torch.stack([real, imag], dim=-1)


def magnitude(x: torch.Tensor, eps: float = SPEC_EPS) -> torch.Tensor:
    """``sqrt(re^2 + im^2 + eps)`` of a real-pair tensor ``(..., 2)`` -> ``(...)``."""
    return torch.sqrt(x[..., 0] ** 2 + x[..., 1] ** 2 + eps)


def _pairs(raw: torch.Tensor) -> torch.Tensor:
    """``(B, T, 2F)`` -> ``(B, T, F, 2)`` (the output layer's first F are real parts)."""
    real, imag = raw.chunk(2, dim=-1)
    return torch.stack([real, imag], dim=-1)


@dataclass(frozen=True)
class Head:
    """One target head (see the module table)."""

    output_size: Callable[[int, int], int]  # (bins, frame_size) -> raw outputs per frame
    decode: Decoder  # (model, raw, noisy) -> (quantity, enhanced)
    reference: Optional[Callable[[torch.Tensor, torch.Tensor], Quantity]]
    real_mask: bool = False  # quantity is a real mask and enhanced = quantity * Y (linear in Y)


def _mask_head(ideal: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], scale: float = 1.0,
               clip: float = 1.0) -> Head:
    def decode(model: nn.Module, raw: torch.Tensor, noisy: torch.Tensor) -> tuple[Quantity, torch.Tensor]:
        mask = scale * torch.sigmoid(raw)  # [B, T, F]
        return mask, mask.unsqueeze(-1) * noisy

    def reference(clean: torch.Tensor, noisy: torch.Tensor) -> Quantity:
        return ideal(clean, noisy).clamp(0.0, clip)

    return Head(lambda bins, frame: bins, decode, reference, real_mask=True)


def _decode_cirm(model: nn.Module, raw: torch.Tensor, noisy: torch.Tensor) -> tuple[Quantity, torch.Tensor]:
    o = _pairs(raw)  # [B, T, F, 2]
    compressed = targets.CIRM_K * torch.tanh(o)
    mask = (2.0 / targets.CIRM_C) * o.clamp(-CIRM_LIMIT, CIRM_LIMIT)  # uncompressed K tanh(o)
    return compressed, complex_multiply(mask, noisy)


def _reference_cirm(clean: torch.Tensor, noisy: torch.Tensor) -> Quantity:
    return torch.view_as_real(targets.compress_cirm(targets.complex_ideal_ratio_mask(clean, noisy)))


def _decode_magnitude(model: nn.Module, raw: torch.Tensor, noisy: torch.Tensor) -> tuple[Quantity, torch.Tensor]:
    mag = torch.exp(raw.clamp(max=MAX_LOG_MAGNITUDE))  # [B, T, F]
    phasor = noisy / magnitude(noisy).unsqueeze(-1)
    return mag, mag.unsqueeze(-1) * phasor


def _decode_complex(model: nn.Module, raw: torch.Tensor, noisy: torch.Tensor) -> tuple[Quantity, torch.Tensor]:
    compressed = _pairs(raw)
    gain = magnitude(compressed) ** (1.0 / targets.COMPRESSION_POWER - 1.0)
    return compressed, compressed * gain.unsqueeze(-1)


def _decode_waveform(model: nn.Module, raw: torch.Tensor, noisy: torch.Tensor) -> tuple[Quantity, torch.Tensor]:
    # real DFT as two matmuls (ONNX-exportable): rfft(frame) = frame @ (cos - j sin)
    spectrum = torch.stack([raw @ model.dft_cos, -(raw @ model.dft_sin)], dim=-1)  # [B, T, F, 2]
    return raw, spectrum


HEADS: Registry[Head] = Registry("target")
HEADS.register("ibm", _mask_head(targets.ideal_binary_mask))
HEADS.register("irm", _mask_head(targets.ideal_ratio_mask))
HEADS.register("psm", _mask_head(targets.phase_sensitive_mask))
HEADS.register("smm", _mask_head(targets.spectral_magnitude_mask, scale=2.0, clip=2.0))
HEADS.register("cirm", Head(lambda bins, frame: 2 * bins, _decode_cirm, _reference_cirm))
HEADS.register("magnitude", Head(lambda bins, frame: bins, _decode_magnitude,
                                 lambda clean, noisy: targets.magnitude_spectrum(clean)))
HEADS.register("complex", Head(lambda bins, frame: 2 * bins, _decode_complex,
                               lambda clean, noisy: torch.view_as_real(targets.compressed_complex_spectrum(clean))))
HEADS.register("waveform", Head(lambda bins, frame: frame, _decode_waveform, None))
