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

import math
from dataclasses import dataclass

import numpy as np


def link_gains(gain: np.ndarray, mode: str) -> np.ndarray:
    """Share one gain across channels: ``"off"`` keeps per-channel gains, ``"mean"``/``"min"`` combine.

    A shared gain comes back as ONE row, ``(1, ...)``, which broadcasts against every channel
    (the later steps then run once instead of once per channel).
    """
    if mode == "off" or gain.shape[0] == 1:
        return gain
    if mode == "min":
        return np.minimum.reduce(gain, axis=0, keepdims=True)
    return np.add.reduce(gain, axis=0, keepdims=True) / gain.shape[0]  # the mean, as np.mean


@dataclass(frozen=True)
class FrequencyKernel:
    """Geometry of the centered moving average: ``width_bins`` wide over ``num_bins`` bins.

    ``counts[k]`` is the number of bins averaged at bin ``k`` (fewer at the edges); ``ones`` is
    the box of ``width_bins`` ones the average convolves with.
    """

    num_bins: int
    width_bins: int
    counts: np.ndarray
    ones: np.ndarray

    @classmethod
    def build(cls, num_bins: int, width_bins: int) -> "FrequencyKernel":
        half = width_bins // 2
        k = np.arange(num_bins)
        counts = (np.minimum(k + half + 1, num_bins) - np.maximum(k - half, 0)).astype(float)
        return cls(num_bins, width_bins, counts, np.ones(2 * half + 1))


def smooth_frequency(gain: np.ndarray, width_bins: int,
                     kernel: FrequencyKernel | None = None) -> np.ndarray:
    """Centered moving average over ``width_bins`` (odd, >= 1) bins; edges average what exists.

    Bin ``k`` averages bins ``max(k - h, 0) .. min(k + h, B - 1)`` (``h = width_bins // 2``):
    the full convolution of each row with ``2 h + 1`` ones, read from ``h`` on, over the count
    of bins. One 1-D convolution per row (``np.convolve``: one C loop; a real-time block has one
    row per linked frame), the same arithmetic whatever the number of rows, so the output does
    not depend on how frames were grouped into blocks. ``kernel`` (from
    :meth:`FrequencyKernel.build`) saves recomputing the counts.
    """
    if width_bins <= 1:
        return gain
    bins = gain.shape[-1]
    if kernel is None or kernel.num_bins != bins or kernel.width_bins != width_bins:
        kernel = FrequencyKernel.build(bins, width_bins)
    half = width_bins // 2
    rows = gain.reshape(-1, bins)
    out = np.empty(rows.shape)
    for r in range(rows.shape[0]):
        out[r] = np.convolve(rows[r], kernel.ones)[half: half + bins]
    out /= kernel.counts
    return out.reshape(gain.shape)


def time_constant_coefficient(time_ms: float, frame_period_s: float) -> float:
    """One-pole coefficient for a time constant of ``time_ms`` at one update per ``frame_period_s``.

    ``y += (1 - a) * (x - y)`` with ``a = exp(-T / tau)``; 0 ms gives ``a = 0`` (no smoothing).
    """
    if time_ms <= 0:
        return 0.0
    return math.exp(-frame_period_s / (time_ms * 1e-3))


def median3(gain: np.ndarray) -> np.ndarray:
    """Median of each bin and its two neighbours along the last axis (edges keep their value).

    Removes one-bin gain peaks and holes (the "musical noise" tones of spectral subtraction)
    while keeping anything two or more bins wide: a sinusoid's main lobe spans three bins with a
    sqrt-Hann window, so tones pass untouched.
    """
    if gain.shape[-1] < 3:
        return gain
    left, mid, right = gain[..., :-2], gain[..., 1:-1], gain[..., 2:]
    lower = np.minimum(left, mid)
    upper = np.maximum(left, mid)
    np.minimum(upper, right, out=upper)
    out = gain.copy()
    np.maximum(lower, upper, out=out[..., 1:-1])  # median(a, b, c) = max(min(a, b), min(max(a, b), c))
    return out


def shape_gains(gain: np.ndarray, *, link: str, width_bins: int, floor: float | np.ndarray,
                kernel: FrequencyKernel | None = None) -> np.ndarray:
    """The stateless part, vectorised over any frames: link, median-of-3, smoothing, floor.

    Args:
        gain: raw estimator gains ``(channels, ..., bins)`` in [0, 1].
        link: ``"off"``, ``"mean"`` or ``"min"`` (a shared gain comes back as one row).
        width_bins: moving-average width in bins (1 = none).
        floor: lowest allowed linear gain, ``10^(-reduction_db/20)``; a scalar or any array that
            broadcasts against ``gain`` (e.g. one floor per frame, ``(1, frames, 1)``).
        kernel: optional precomputed :class:`FrequencyKernel` for ``width_bins``.
    """
    gain = smooth_frequency(median3(link_gains(gain, link)), width_bins, kernel)
    return np.maximum(gain, floor)


@dataclass
class GainSmootherState:
    """The previous frame's output gain, ``(channels or 1, bins)``; ``None`` before the first
    frame. ``kernel`` caches the frequency-smoothing counts for the last width used."""

    previous: np.ndarray | None = None
    kernel: FrequencyKernel | None = None


def attack_release(state: GainSmootherState, gains: np.ndarray, attack: float,
                   release: float) -> np.ndarray:
    """One-pole time smoothing of ``(channels, frames, bins)`` gains, frame by frame.

    ``attack``/``release`` are coefficients from :func:`time_constant_coefficient`, used where the
    gain rises/falls. Returns the smoothed gains (a new array). ``gains`` may be one shared row
    ``(1, frames, bins)`` (linked channels); if the previous frame had one row per channel, the
    shared row is spread over them.
    """
    previous = state.previous
    if previous is not None and previous.shape[0] > gains.shape[0]:
        gains = np.broadcast_to(gains, (previous.shape[0],) + gains.shape[1:])
    num_frames = gains.shape[1]
    if num_frames == 1 and previous is not None:  # the real-time case: no frame loop
        gain = gains[:, 0]
        coefficient = np.where(gain > previous, attack, release)
        state.previous = gain = gain + coefficient * (previous - gain)
        return gain[:, None]
    out = np.empty_like(gains)
    for f in range(num_frames):
        gain = gains[:, f]
        if previous is not None:
            coefficient = np.where(gain > previous, attack, release)
            gain = gain + coefficient * (previous - gain)
        out[:, f] = previous = gain
    state.previous = previous
    return out
