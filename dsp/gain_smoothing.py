"""Post-processing of spectral gains shared by every classic denoiser.

The article's classic pipeline ends with "gain x magnitude"; what makes that sound good or bad is
mostly what happens to the gain between the estimator and the multiplication:

1. stereo link (one gain for all channels: their ``mean`` or WebRTC-style ``min``), so the image
   does not wander;
2. a median over three bins, which removes the isolated one-bin gain peaks heard as "musical
   noise" without touching tones (see :func:`median3`), then optional frequency smoothing over
   ``width_bins`` bins (moving average; on musical noise see Cappe, "Elimination of the musical
   noise phenomenon with the Ephraim and Malah noise suppressor", IEEE TSAP 2(2), 1994);
3. the floor ``10^(-reduction_db/20)``: the most attenuation anywhere, as in RX/WebRTC;
4. time smoothing with separate attack (gain rising: the gate opening for speech/music onsets)
   and release (gain falling: the gate closing; this caps how fast gains can decay, the second
   classic remedy for musical noise).

The stateless steps (1-3) run on a whole block of frames at once; only attack/release needs
the previous frame, and its state is one array.
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


def median3(gain: np.ndarray) -> np.ndarray:
    """Median of each bin and its two neighbours along the last axis (edges keep their value).

    Removes one-bin gain peaks and holes (the "musical noise" tones of spectral subtraction)
    while keeping anything two or more bins wide: a sinusoid's main lobe spans three bins with a
    sqrt-Hann window, so tones pass untouched.
    """
    if gain.shape[-1] < 3:
        return gain
    left, mid, right = gain[..., :-2], gain[..., 1:-1], gain[..., 2:]
    out = gain.copy()
    out[..., 1:-1] = np.maximum(np.minimum(left, mid), np.minimum(np.maximum(left, mid), right))
    return out


def shape_gains(gain: np.ndarray, *, link: str, width_bins: int, floor: float | np.ndarray) -> np.ndarray:
    """The stateless part, vectorised over any frames: link, median-of-3, smoothing, floor.

    Args:
        gain: raw estimator gains ``(channels, ..., bins)`` in [0, 1].
        link: ``"off"``, ``"mean"`` or ``"min"``.
        width_bins: moving-average width in bins (1 = none).
        floor: lowest allowed linear gain, ``10^(-reduction_db/20)``; a scalar or any array that
            broadcasts against ``gain`` (e.g. one floor per frame, ``(1, frames, 1)``).
    """
    gain = smooth_frequency(median3(link_gains(gain, link)), width_bins)
    return np.maximum(gain, floor)


@dataclass
class GainSmootherState:
    """The previous frame's output gain, ``(channels, bins)``; ``None`` before the first frame."""

    previous: np.ndarray | None = None


def attack_release(state: GainSmootherState, gains: np.ndarray, attack: float,
                   release: float) -> np.ndarray:
    """One-pole time smoothing of ``(channels, frames, bins)`` gains, frame by frame.

    ``attack``/``release`` are coefficients from :func:`time_constant_coefficient`, used where the
    gain rises/falls. Returns the smoothed gains (a new array).
    """
    out = np.empty_like(gains)
    previous = state.previous
    for f in range(gains.shape[1]):
        gain = gains[:, f]
        if previous is not None:
            coefficient = np.where(gain > previous, attack, release)
            gain = gain + coefficient * (previous - gain)
        out[:, f] = previous = gain
    state.previous = previous
    return out
