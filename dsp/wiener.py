"""Statistical-model gains (Wiener, MMSE-STSA, log-MMSE) with decision-directed SNR and MCRA.

Per bin, with noise power ``lambda`` (MCRA, :mod:`hushboard.dsp.mcra`, or a learned profile):

- a posteriori SNR ``gamma = |Y|^2 / lambda`` and the decision-directed a priori SNR (Ephraim &
  Malah 1984, eq. 51) ``xi = a G_H1(l-1)^2 gamma(l-1) + (1 - a) max(gamma - 1, 0)`` with ``a = 0.98``
  (their recommended value), limited below by ``XI_MIN`` (Cappe 1994: the lower limit is what
  removes musical noise);
- the gain under speech presence ``G_H1`` of the chosen ``method``, with ``v = xi gamma / (1 + xi)``:

  * ``"wiener"``: ``xi / (1 + xi)``;
  * ``"mmse-stsa"`` (Ephraim & Malah 1984, eq. 7):
    ``sqrt(pi)/2 sqrt(v)/gamma exp(-v/2) [(1 + v) I0(v/2) + v I1(v/2)]``, evaluated with the
    exponentially scaled Bessel functions ``i0e``/``i1e`` so it never overflows;
  * ``"log-mmse"`` (Ephraim & Malah 1985, eq. 20): ``xi / (1 + xi) exp(E1(v) / 2)``;

- the speech-presence-weighted gain of OM-LSA (Cohen & Berdugo 2001):
  ``G = G_H1^p G_min^(1 - p)``, ``G_min = 10^(-reduction_db/20)``, where ``p`` is the conditional
  presence probability ``p = (1 - q) / ((1 - q) + q (1 + xi) exp(-v))`` given the observation, with
  the a priori absence probability ``q = 1 - p_MCRA`` from MCRA's minimum-controlled indicator.
  Where MCRA sees only noise the gain is exactly the floor (a steady residual, no musical noise);
  where it sees speech the statistical gain acts alone.

During the first half second the MCRA estimate is limited by the harmonic-gap estimate of
:mod:`hushboard.dsp.noise_startup` (a stream that opens on speech does not take it for noise),
and MCRA's own state is held within ``STARTUP_HOLD`` (3 dB) of that limit: MCRA averages its
first frames quickly (:mod:`hushboard.dsp.mcra`, "the start"), so a voice it learned there
would otherwise come back when the limit fades (``tests/dsp/test_noise_startup.py``'s voice:
error in its first half second -2.78 dB without the hold, -3.71 with it, -3.55 before MCRA's
start-up changes; the harness's test scenes give up 0.1-0.2 dB of SI-SDRi and 0.5-0.8 dB of
noise attenuation for it, the classic benchmark's stationary scenes gain 0.4 dB).

Every SNR is clipped (``XI_MIN..XI_MAX``, ``GAMMA_MIN..GAMMA_MAX``) and every gain limited to
[0, 1]: no NaN or inf whatever the input (silence included).

References:
    Y. Ephraim and D. Malah, "Speech enhancement using a minimum mean-square error short-time
    spectral amplitude estimator", IEEE Trans. ASSP 32(6), 1109-1121, 1984.
    Y. Ephraim and D. Malah, "Speech enhancement using a minimum mean-square error log-spectral
    amplitude estimator", IEEE Trans. ASSP 33(2), 443-445, 1985.
    O. Cappe, "Elimination of the musical noise phenomenon with the Ephraim and Malah noise
    suppressor", IEEE Trans. SAP 2(2), 345-349, 1994.
    I. Cohen and B. Berdugo, "Speech enhancement for non-stationary noise environments", Signal
    Processing 81(11), 2403-2418, 2001.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
from scipy import special

from . import mcra, noise_startup

DECISION_DIRECTED = 0.98  # Ephraim & Malah's a in eq. 51
XI_MIN = 10.0 ** (-25.0 / 10.0)  # -25 dB a priori SNR floor (Cappe's range of -25..-15 dB)
XI_MAX = 10.0 ** (60.0 / 10.0)  # 60 dB: every gain rule equals 1 to 1e-6 above it
GAMMA_MAX = 10.0 ** (60.0 / 10.0)
GAMMA_MIN = 1e-10  # sqrt(v)/gamma stays finite in digital silence
V_MIN = 1e-10  # E1(v) stays finite; the gain is clipped to 1 there anyway
GAIN_TINY = 1e-12  # log of G_H1 stays finite
TINY_POWER = mcra.TINY_POWER
STARTUP_HOLD = 2.0  # during the start-up MCRA's own estimate stays within 3 dB of the limit
SQRT_PI_HALF = float(np.sqrt(np.pi) / 2.0)


def wiener_gain(xi: np.ndarray, gamma: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Wiener filter ``xi / (1 + xi)``."""
    return xi / (1.0 + xi)


def mmse_stsa_gain(xi: np.ndarray, gamma: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Ephraim & Malah 1984 eq. 7, with ``exp(-v/2) I_n(v/2) = i_ne(v/2)``."""
    half = 0.5 * v
    return SQRT_PI_HALF * np.sqrt(v) / gamma * (
        (1.0 + v) * special.i0e(half) + v * special.i1e(half))


# 0.5 E1(v) of the log-MMSE rule, tabulated over ln v once (immutable constants): E1 is smooth
# in ln v (|d^2 E1 / d(ln v)^2| = v e^-v <= 1/e), so linear interpolation on this uniform grid
# errs by at most h^2 / (16 e) ~ 3e-7 (h = the step in ln v), far below audibility. The grid is
# uniform, so a value's cell is computed, not searched: ``(ln v - ln V_MIN) / h`` gives the cell
# index and the fraction within it (the same interpolation as ``np.interp`` on this grid, to
# 1e-12; ~6x cheaper per frame, and ~10x cheaper than ``scipy.special.exp1``). Beyond the grid's
# top (v > e^4.5 = 90) E1 < 1e-41: the table's last value (0 to float precision) serves.
_LOG_V_GRID = np.linspace(np.log(V_MIN), 4.5, 8192)
_LOG_V_STEP = float(_LOG_V_GRID[1] - _LOG_V_GRID[0])
_HALF_E1_TABLE = 0.5 * special.exp1(np.exp(_LOG_V_GRID))
_HALF_E1_SLOPE = np.append(np.diff(_HALF_E1_TABLE), 0.0)  # per cell; the last point's cell is flat
_LAST_CELL = float(_HALF_E1_TABLE.size - 1)


def half_e1(v: np.ndarray) -> np.ndarray:
    """``0.5 E1(v)`` by linear interpolation in ``ln v`` on ``_LOG_V_GRID`` (``v`` >= ``V_MIN``)."""
    position = np.asarray(np.log(v))  # an array even for one value: the steps below work in place
    position -= _LOG_V_GRID[0]
    position *= 1.0 / _LOG_V_STEP
    np.clip(position, 0.0, _LAST_CELL, out=position)
    cell = position.astype(np.intp)
    position -= cell
    position *= _HALF_E1_SLOPE[cell]
    position += _HALF_E1_TABLE[cell]
    return position


def log_mmse_gain(xi: np.ndarray, gamma: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Ephraim & Malah 1985 eq. 20, ``E1`` interpolated in ``ln v`` (:func:`half_e1`)."""
    gain = np.exp(half_e1(np.maximum(v, V_MIN)))
    gain *= xi / (1.0 + xi)
    return gain


GAIN_RULES: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
    "wiener": wiener_gain, "mmse-stsa": mmse_stsa_gain, "log-mmse": log_mmse_gain}


@dataclass
class WienerState:
    """MCRA tracker plus ``G_H1^2 gamma`` of the previous frame (the first term of eq. 51)."""

    tracker: mcra.McraState
    previous_clean_snr: np.ndarray
    startup: noise_startup.StartupState


def init_state(num_channels: int, num_bins: int, sample_rate: float, hop_size: int,
               values: Mapping[str, object]) -> WienerState:
    """Estimator state for ``(channels, bins)`` frames advanced by ``hop_size`` samples."""
    return WienerState(mcra.init_state(num_channels, num_bins, hop_size / sample_rate),
                       np.zeros((num_channels, num_bins)),
                       noise_startup.init_state(hop_size / sample_rate))


def presence_probability(prior: np.ndarray, one_plus_xi: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Conditional speech presence ``p`` from the prior presence ``1 - q`` (OM-LSA):
    ``p = (1 - q) / ((1 - q) + q (1 + xi) exp(-v))``; takes ``1 + xi``."""
    absent = np.exp(-v)
    absent *= one_plus_xi
    absent *= 1.0 - prior
    absent += prior
    np.maximum(absent, TINY_POWER, out=absent)
    return np.divide(prior, absent, out=absent)


def process_frame(state: WienerState, power: np.ndarray, noise_override: np.ndarray | None,
                  update: float, noise_gain: float, values: Mapping[str, object]) -> np.ndarray:
    """One frame's gain ``(channels, bins)`` (the ``SpectralDenoiser`` estimator protocol).

    Args:
        power: ``|Y|^2``, ``(channels, bins)``.
        noise_override: learned noise power, or ``None`` to use MCRA's estimate.
        update: noise-tracking rate in [0, 1] (0 freezes MCRA's noise and minimum).
        noise_gain: linear factor on the noise power the gain rule sees (``sensitivity_db``).
        values: the plugin's values; reads ``method`` and ``reduction_db``.
    """
    floor = noise_override
    startup = noise_override is None and noise_startup.active(state.startup)
    if startup:  # the presence test, too, compares with the limited noise (see noise_startup)
        noise_startup.observe(state.startup, power, update)
        if state.tracker.started:
            floor = noise_startup.apply(state.startup, mcra.B_MIN * state.tracker.minimum)
    tracked, prior = mcra.update(state.tracker, power, update, floor)
    if startup and state.startup.limit is not None:  # what MCRA learns of a voice must not outlive the start-up
        np.minimum(state.tracker.noise_power, STARTUP_HOLD * state.startup.limit, out=state.tracker.noise_power)
        tracked = state.tracker.noise_power
    if noise_override is None:
        noise = noise_startup.apply(state.startup, tracked) if startup else tracked
    else:
        noise = noise_override
    if noise_gain != 1.0:
        noise = noise * noise_gain
    gamma = power / np.maximum(noise, TINY_POWER)
    np.maximum(gamma, GAMMA_MIN, out=gamma)
    np.minimum(gamma, GAMMA_MAX, out=gamma)
    xi = np.maximum(gamma - 1.0, 0.0)  # eq. 51: a G_H1(l-1)^2 gamma(l-1) + (1 - a) max(gamma - 1, 0)
    xi *= 1.0 - DECISION_DIRECTED
    xi += DECISION_DIRECTED * state.previous_clean_snr
    np.maximum(xi, XI_MIN, out=xi)
    np.minimum(xi, XI_MAX, out=xi)
    one_plus_xi = 1.0 + xi
    v = xi / one_plus_xi
    v *= gamma
    np.maximum(v, V_MIN, out=v)
    gain_h1 = GAIN_RULES[str(values["method"])](xi, gamma, v)
    np.maximum(gain_h1, GAIN_TINY, out=gain_h1)
    np.minimum(gain_h1, 1.0, out=gain_h1)
    clean = gain_h1 * gain_h1
    clean *= gamma
    state.previous_clean_snr = clean
    # OM-LSA: G = G_H1^p G_min^(1 - p) = exp(ln G_min + p (ln G_H1 - ln G_min))
    p = presence_probability(prior, one_plus_xi, v)
    log_floor = -float(values["reduction_db"]) / 20.0 * math.log(10.0)
    exponent = np.log(gain_h1)
    exponent -= log_floor
    exponent *= p
    exponent += log_floor
    return np.exp(exponent, out=exponent)
