"""Post-processing of spectral gains shared by every classic denoiser.

The article's classic pipeline ends with "gain x magnitude"; what makes that sound good or bad is
mostly what happens to the gain between the estimator and the multiplication:

1. stereo link (one gain for all channels: their ``mean`` or WebRTC-style ``min``), so the image
   does not wander;
2. frequency smoothing over ``width_bins`` bins (moving average), which removes the isolated
   one-bin gain peaks heard as "musical noise" (Cappe, "Elimination of the musical noise
   phenomenon with the Ephraim and Malah noise suppressor", IEEE TSAP 2(2), 1994);
3. the floor ``10^(-reduction_db/20)``: the most attenuation anywhere, as in RX/WebRTC;
4. time smoothing with separate attack (gain rising: the gate opening for speech/music onsets)
   and release (gain falling: the gate closing; this caps how fast gains can decay, the second
   classic remedy for musical noise).

All functions work on one STFT frame ``(channels, bins)``; state is one array.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def link_gains(gain: np.ndarray, mode: str) -> np.ndarray:
    """Share one gain across channels: ``"off"`` keeps per-channel gains, ``"mean"``/``"min"`` combine."""
    if mode == "off" or gain.shape[0] == 1:
        return gain
    shared = gain.min(axis=0) if mode == "min" else gain.mean(axis=0)
    return np.broadcast_to(shared, gain.shape)


def smooth_frequency(gain: np.ndarray, width_bins: int) -> np.ndarray:
    """Centered moving average over ``width_bins`` (odd, >= 1) bins; edges average what exists."""
    if width_bins <= 1:
        return gain
    half = width_bins // 2
    bins = gain.shape[-1]
    padded = np.concatenate([np.zeros(gain.shape[:-1] + (1,)), np.cumsum(gain, axis=-1)], axis=-1)
    hi = np.minimum(np.arange(bins) + half + 1, bins)
    lo = np.maximum(np.arange(bins) - half, 0)
    return (padded[..., hi] - padded[..., lo]) / (hi - lo)


def time_constant_coefficient(time_ms: float, frame_period_s: float) -> float:
    """One-pole coefficient for a time constant of ``time_ms`` at one update per ``frame_period_s``.

    ``y += (1 - a) * (x - y)`` with ``a = exp(-T / tau)``; 0 ms gives ``a = 0`` (no smoothing).
    """
    if time_ms <= 0:
        return 0.0
    return float(np.exp(-frame_period_s / (time_ms * 1e-3)))


@dataclass
class GainSmootherState:
    """The previous frame's output gain, ``(channels, bins)``; ``None`` before the first frame."""

    previous: np.ndarray | None = None


def smooth_gain(state: GainSmootherState, gain: np.ndarray, *, link: str, width_bins: int,
                floor: float, attack: float, release: float) -> np.ndarray:
    """Apply link, frequency smoothing, floor and attack/release to one frame's gain.

    Args:
        gain: raw estimator gain, ``(channels, bins)``, in [0, 1].
        link: ``"off"``, ``"mean"`` or ``"min"``.
        width_bins: frequency smoothing width in bins (1 = none).
        floor: lowest allowed linear gain, ``10^(-reduction_db/20)``.
        attack, release: one-pole coefficients (see :func:`time_constant_coefficient`) used when
            the gain rises and falls.

    Returns:
        The gain to multiply with the spectrum, ``(channels, bins)``.
    """
    gain = smooth_frequency(link_gains(gain, link), width_bins)
    gain = np.maximum(gain, floor)
    previous = state.previous
    if previous is not None:
        coefficient = np.where(gain > previous, attack, release)
        gain = gain + coefficient * (previous - gain)
    state.previous = gain
    return gain
