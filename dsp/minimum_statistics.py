"""Noise power tracking by minimum statistics (Martin 2001), vectorised over channels x bins.

The noise power of a bin is the minimum of its smoothed periodogram over a window long enough to
span a speech pause (``WINDOW_S``), corrected for the minimum's bias:

1. Optimal smoothing (Martin eqs. 9-12): ``P = a P + (1 - a) |Y|^2`` (eq. 3) with a per-bin
   factor ``a = a_max a_c / (1 + (P / sigma^2 - 1)^2)`` (eq. 11) that smooths hard in noise and
   follows the signal when ``P`` departs from the noise estimate ``sigma^2``. ``a_c`` (eqs. 9-10)
   is a per-channel correction that stops ``a`` from locking up when the estimate is far off; the
   lower limit of ``a`` is eq. 12.
2. Variance of ``P`` from its first and second smoothed moments (eqs. 20-21, smoothing
   ``b = min(a^2, b_max)``) gives the inverse equivalent degrees of freedom
   ``1/Q_eq = var(P) / (2 sigma^4)`` (eq. 23, limited to 1/Q_eq <= 1/2: one periodogram of a
   complex Gaussian has Q = 2).
3. Bias compensation: the minimum of ``D`` values with ``Q_eq`` degrees of freedom underestimates
   the mean by ``1/B_min``, ``B_min = 1 + 2 (D - 1) (1 - M(D)) / (Q_eq - 2 M(D))`` (eq. 17), plus the
   global factor ``B_c = 1 + a_v sqrt(mean(1/Q_eq))`` (a_v = 2.12; eq. 23 and the text after it)
   for the variance of the estimate itself.
4. Windowed minimum with ``U`` sub-windows of ``V`` frames (Sec. III-E): a running minimum per
   sub-window, a ring buffer of the last ``U`` sub-window minima, and between sub-window
   boundaries the estimate may fall to the running sub-window minimum.

Simplification (why "simplified but real"): the "local minimum" rule of Sec. III-E that lets the
estimate rise before a sub-window boundary when the noise slope is small is omitted, so an
increase of the noise level is followed after at most ``WINDOW_S + WINDOW_S / U`` seconds.

``update`` in [0, 1] scales the tracking rate: smoothing factors become ``1 - u (1 - a)`` and the
sub-window clock advances by ``u`` frames per frame, so the tracker runs ``u`` times slower in
time; ``u = 0`` freezes the estimate exactly (state untouched).

References:
    R. Martin, "Noise power spectral density estimation based on optimal smoothing and minimum
    statistics", IEEE Trans. Speech and Audio Processing 9(5), 504-512, 2001.
    R. Martin, "Bias compensation methods for minimum statistics noise power spectral density
    estimation", Signal Processing 86(6), 1215-1229, 2006 (Table 5: M(D)).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Martin's constants are per frame at a 16 ms frame advance; they are kept as time constants
# tau = -0.016 s / ln(constant) so any hop gives the same behaviour in seconds.
ALPHA_MAX_TAU_S = 0.392  # a_max = 0.96 (eq. 11)
ALPHA_MIN_TAU_S = 0.0133  # upper bound 0.3 of the lower limit of a (eq. 12)
ALPHA_C_TAU_S = 0.0449  # 0.7: smoothing of a_c, also its lower limit (eq. 10)
BETA_MAX_TAU_S = 0.0717  # b_max = 0.8 (after eq. 22)
SNR_FALL_TAU_S = 0.064  # eq. 12: a >= min(a_min, SNR^(-hop / 0.064 s)): P falls this fast at most
WINDOW_S = 1.536  # D = 96 frames of 16 ms: spans the longest typical speech activity
SUBWINDOWS = 8  # U (Martin: U = 8, V = 12 at 16 ms)
BIAS_AV = 2.12  # a_v of B_c = 1 + a_v sqrt(mean(1/Q_eq))
INV_QEQ_MAX = 0.5  # Q_eq >= 2 (eq. 23)
# Lower limit of 1/Q_eq: 1/14 divided by the frames seen (voicebox `estnoisem`, M. Brookes): while
# the moments of eqs. 20-21 are still young their variance is near 0, which would make B_min ~ 1
# and the first second's estimate several dB low; the limit fades as the moments mature.
INV_QEQ_MIN_FIRST = 1.0 / 14.0
TINY_POWER = 1e-30  # denominators: digital silence is "noise power 1e-30", never a division by 0

# M(D): mean of the minimum of D correlated chi^2 values relative to the mean (Martin 2006, Table 5)
_M_TABLE_D = np.array([1, 2, 5, 8, 10, 15, 20, 30, 40, 60, 80, 120, 140, 160, 180, 220, 260, 300])
_M_TABLE = np.array([0, 0.26, 0.48, 0.58, 0.61, 0.668, 0.705, 0.762, 0.8, 0.841, 0.865, 0.89,
                     0.9, 0.91, 0.92, 0.93, 0.935, 0.94])


def minimum_bias_m(frames: float) -> float:
    """``M(D)`` of Martin's Table, interpolated over ``1/sqrt(D)`` (near linear there)."""
    x = 1.0 / np.sqrt(np.clip(frames, _M_TABLE_D[0], _M_TABLE_D[-1]))
    return float(np.interp(x, 1.0 / np.sqrt(_M_TABLE_D[::-1]), _M_TABLE[::-1]))


@dataclass
class MinimumStatisticsState:
    """Tracker state for ``(channels, bins)``; constants derived from the hop at creation.

    Attributes:
        smoothed_power: ``P`` (eq. 3).
        noise_power: ``sigma^2``, the current estimate.
        alpha_correction: ``a_c`` per channel, ``(channels, 1)`` (eq. 10).
        first_moment, second_moment: smoothed ``P`` and ``P^2`` (eqs. 20-21).
        window_min: running minimum of ``B_c B_min(D) P`` in the current sub-window.
        subwindow_min: same with ``B_min(V)``: the candidate between boundaries.
        subwindow_minima: ring buffer ``(U, channels, bins)`` of finished sub-window minima.
        slot: next ring-buffer slot; clock: frames elapsed in the sub-window (fractional).
        frames: frames tracked so far (also fractional: ``update`` per frame).
        started: whether the first frame has initialised the estimate.
    """

    smoothed_power: np.ndarray
    noise_power: np.ndarray
    alpha_correction: np.ndarray
    first_moment: np.ndarray
    second_moment: np.ndarray
    window_min: np.ndarray
    subwindow_min: np.ndarray
    subwindow_minima: np.ndarray
    hop_s: float
    subwindow_frames: int
    bias_d: float
    bias_v: float
    coefficients: tuple[float, float, float, float]  # a_c smoothing, a_max, a_min, b_max per hop
    slot: int = 0
    clock: float = 0.0
    frames: float = 1.0
    started: bool = False


def init_state(num_channels: int, num_bins: int, hop_s: float) -> MinimumStatisticsState:
    """A fresh tracker for frames advanced by ``hop_s`` seconds."""
    shape = (num_channels, num_bins)
    subwindow_frames = max(2, int(round(WINDOW_S / hop_s / SUBWINDOWS)))  # V
    window_frames = SUBWINDOWS * subwindow_frames  # D
    return MinimumStatisticsState(
        smoothed_power=np.zeros(shape), noise_power=np.zeros(shape),
        alpha_correction=np.ones((num_channels, 1)),
        first_moment=np.zeros(shape), second_moment=np.zeros(shape),
        window_min=np.full(shape, np.inf), subwindow_min=np.full(shape, np.inf),
        subwindow_minima=np.full((SUBWINDOWS,) + shape, np.inf),
        hop_s=hop_s, subwindow_frames=subwindow_frames,
        bias_d=minimum_bias_m(window_frames), bias_v=minimum_bias_m(subwindow_frames),
        coefficients=tuple(_per_frame(tau, hop_s) for tau in (
            ALPHA_C_TAU_S, ALPHA_MAX_TAU_S, ALPHA_MIN_TAU_S, BETA_MAX_TAU_S)))


def _per_frame(tau_s: float, hop_s: float) -> float:
    """One-pole coefficient with time constant ``tau_s`` at one step per ``hop_s``."""
    return float(np.exp(-hop_s / tau_s))


def _bias_factor_q(qeq: np.ndarray, frames: float, m: float) -> np.ndarray:
    """``B_min`` of eq. 17 for a minimum over ``frames`` values with ``M = m``, from ``Q_eq``."""
    out = qeq - 2.0 * m
    np.divide(2.0 * (frames - 1.0) * (1.0 - m), out, out=out)
    out += 1.0
    return out


def update(state: MinimumStatisticsState, power: np.ndarray, rate: float = 1.0) -> np.ndarray:
    """Track one frame's noisy power ``(channels, bins)``; return the noise power estimate.

    Args:
        power: ``|Y|^2`` of one frame, ``(channels, bins)``.
        rate: ``update`` in [0, 1]; 0 returns the estimate unchanged (after the first frame,
            which always initialises it: before it nothing is known).

    Returns:
        ``sigma^2`` ``(channels, bins)`` (the state's array: copy it to keep it).
    """
    if not state.started:
        _start(state, power)
        return state.noise_power
    if rate <= 0.0:
        return state.noise_power
    hop = state.hop_s
    a_c_coef, a_max, a_min, b_max = state.coefficients
    p, sigma2 = state.smoothed_power, np.maximum(state.noise_power, TINY_POWER)
    p_sum = np.add.reduce(p, axis=1, keepdims=True)
    # eqs. 9-10: a_c from the ratio of smoothed to instantaneous frame power
    ratio = p_sum / np.maximum(np.add.reduce(power, axis=1, keepdims=True), TINY_POWER)
    state.alpha_correction = a_c_coef * state.alpha_correction + (1.0 - a_c_coef) * np.maximum(
        1.0 / (1.0 + (ratio - 1.0) ** 2), a_c_coef)
    # eqs. 11-12: optimal smoothing factor per bin and its lower limit
    deviation = p / sigma2
    deviation -= 1.0
    np.square(deviation, out=deviation)
    deviation += 1.0
    alpha = np.divide(a_max * state.alpha_correction, deviation, out=deviation)
    snr = np.maximum(p_sum, TINY_POWER) / np.add.reduce(sigma2, axis=1, keepdims=True)
    np.maximum(alpha, np.minimum(a_min, snr ** (-hop / SNR_FALL_TAU_S)), out=alpha)
    beta = np.minimum(alpha * alpha, b_max)
    if rate < 1.0:  # a u-times slower tracker: (1 - a) scaled by u
        alpha = 1.0 - rate * (1.0 - alpha)
        beta = 1.0 - rate * (1.0 - beta)
    p = alpha * p + (1.0 - alpha) * power  # eq. 3
    state.smoothed_power = p
    state.first_moment = beta * state.first_moment + (1.0 - beta) * p  # eq. 20
    state.second_moment = beta * state.second_moment + (1.0 - beta) * p * p  # eq. 21
    variance = state.second_moment - state.first_moment ** 2
    state.frames += rate
    inv_qeq = variance / (2.0 * sigma2 * sigma2)
    np.maximum(inv_qeq, INV_QEQ_MIN_FIRST / state.frames, out=inv_qeq)
    np.minimum(inv_qeq, INV_QEQ_MAX, out=inv_qeq)  # eq. 23
    b_c = 1.0 + BIAS_AV * np.sqrt(np.add.reduce(inv_qeq, axis=1, keepdims=True) / inv_qeq.shape[1])
    frames_v = state.subwindow_frames
    scaled = b_c * p
    qeq = 1.0 / inv_qeq
    candidate = scaled * _bias_factor_q(qeq, SUBWINDOWS * frames_v, state.bias_d)
    new = candidate < state.window_min
    np.copyto(state.window_min, candidate, where=new)
    np.copyto(state.subwindow_min, scaled * _bias_factor_q(qeq, frames_v, state.bias_v), where=new)
    state.clock += rate
    if state.clock >= frames_v:  # sub-window boundary: push its minimum, forget it
        state.clock -= frames_v
        state.subwindow_minima[state.slot] = state.window_min
        state.slot = (state.slot + 1) % SUBWINDOWS
        state.noise_power = state.subwindow_minima.min(axis=0)
        state.window_min = np.full_like(p, np.inf)
        state.subwindow_min = np.full_like(p, np.inf)
    else:
        state.noise_power = np.minimum(state.noise_power, state.subwindow_min)
    return state.noise_power


def _start(state: MinimumStatisticsState, power: np.ndarray) -> None:
    """First frame: every average starts at this periodogram (Martin's initialisation); the
    minima start empty, so the first sub-window's minimum replaces this rough estimate."""
    state.smoothed_power = power.copy()
    state.noise_power = power.copy()
    state.first_moment = power.copy()
    state.second_moment = power * power
    state.started = True
