"""Spectral subtraction with over-subtraction and a spectral floor (Boll 1979; Berouti et al. 1979).

The article's "spectral subtraction": subtract the noise spectrum from the noisy spectrum and keep
the noisy phase. In the generalised form of Berouti, Schwartz & Makhoul, with exponent
``a`` (2: power subtraction, 1: magnitude subtraction as in Boll) and noise power ``N``::

    |S|^a = |Y|^a - alpha |N|^a           if that exceeds beta |N|^a, else beta |N|^a

written as a gain on ``|Y|``: ``G = max(1 - alpha (N / |Y|^2)^(a/2), 0)^(1/a)``.

- Over-subtraction ``alpha`` (Berouti): subtracting more than the mean noise removes the
  peaks of the noise periodogram that otherwise remain as "musical noise". ``alpha`` falls with
  the frame's segmental SNR, ``alpha = alpha_0 - (3/20) SNR_dB`` for -5 <= SNR_dB <= 20 (held
  outside that range; Berouti's rule with ``alpha_0 = 4`` at 0 dB), and never below 1
  (plain subtraction as in Boll). ``alpha_0`` is the plugin's ``over_subtraction``.
- Spectral floor ``beta`` (Berouti): here the framework's gain floor ``10^(-reduction_db/20)``,
  applied after frequency smoothing (``hushboard.dsp.gain_smoothing``). Where noise dominates
  (``|Y| ~ |N|``) it is Berouti's floor with ``beta = 10^(-a reduction_db/20)``; a floor on the gain
  rather than on ``|N|`` also bounds the attenuation of low-SNR music.

The noise power is the learned profile (``noise_override``) or, adaptively, minimum statistics
(:mod:`hushboard.dsp.minimum_statistics`), which keeps running in every mode so a mode change
mid-stream finds a converged estimate; during the first half second it is limited by the
harmonic-gap estimate of :mod:`hushboard.dsp.noise_startup` (a stream that opens on speech).

References:
    S. F. Boll, "Suppression of acoustic noise in speech using spectral subtraction", IEEE Trans.
    ASSP 27(2), 113-120, 1979.
    M. Berouti, R. Schwartz and J. Makhoul, "Enhancement of speech corrupted by acoustic noise",
    Proc. IEEE ICASSP 1979, 208-211.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from . import minimum_statistics, noise_startup

EXPONENTS = {"power": 2.0, "magnitude": 1.0}  # the `a` of the module docstring
SNR_LIMITS_DB = (-5.0, 20.0)  # Berouti's range of the linear alpha(SNR) rule
ALPHA_SLOPE_PER_DB = 3.0 / 20.0  # alpha falls by 3 over 20 dB (alpha_0 = 4 -> 1 at 20 dB)
TINY_POWER = minimum_statistics.TINY_POWER


@dataclass
class SpectralSubtractionState:
    """The adaptive noise tracker; the subtraction itself is memoryless."""

    tracker: minimum_statistics.MinimumStatisticsState
    startup: noise_startup.StartupState


def init_state(num_channels: int, num_bins: int, sample_rate: float, hop_size: int,
               values: Mapping[str, object]) -> SpectralSubtractionState:
    """Estimator state for ``(channels, bins)`` frames advanced by ``hop_size`` samples."""
    return SpectralSubtractionState(
        minimum_statistics.init_state(num_channels, num_bins, hop_size / sample_rate),
        noise_startup.init_state(hop_size / sample_rate))


def over_subtraction(alpha_0: float, power: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Berouti's SNR-dependent ``alpha`` per channel, ``(channels, 1)``, from frame powers."""
    noise_sum = np.maximum(np.add.reduce(noise, axis=1, keepdims=True), TINY_POWER)
    speech_sum = np.maximum(np.add.reduce(power, axis=1, keepdims=True) - noise_sum, TINY_POWER)
    snr_db = np.minimum(np.maximum(10.0 * np.log10(speech_sum / noise_sum), SNR_LIMITS_DB[0]),
                        SNR_LIMITS_DB[1])
    return np.maximum(alpha_0 - ALPHA_SLOPE_PER_DB * snr_db, 1.0)


def subtraction_gain(power: np.ndarray, noise: np.ndarray, alpha: np.ndarray,
                     exponent: float) -> np.ndarray:
    """``G = max(1 - alpha (N/|Y|^2)^(a/2), 0)^(1/a)`` in [0, 1], ``(channels, bins)``."""
    ratio = noise / np.maximum(power, TINY_POWER)
    if exponent == 2.0:
        return np.sqrt(np.maximum(1.0 - alpha * ratio, 0.0))
    if exponent == 1.0:
        return np.maximum(1.0 - alpha * np.sqrt(ratio), 0.0)
    return np.maximum(1.0 - alpha * ratio ** (exponent / 2.0), 0.0) ** (1.0 / exponent)


def process_frame(state: SpectralSubtractionState, power: np.ndarray,
                  noise_override: np.ndarray | None, update: float, noise_gain: float,
                  values: Mapping[str, object]) -> np.ndarray:
    """One frame's gain ``(channels, bins)`` (the ``SpectralDenoiser`` estimator protocol).

    Args:
        power: ``|Y|^2``, ``(channels, bins)``.
        noise_override: learned noise power, or ``None`` to use the tracked noise.
        update: noise-tracking rate in [0, 1] (0 freezes the tracker).
        noise_gain: linear factor on the noise power the gain rule sees (``sensitivity_db``).
        values: the plugin's values; reads ``over_subtraction`` and ``exponent``.
    """
    tracked = noise_startup.limit(state.startup, power,
                                  minimum_statistics.update(state.tracker, power, update), update)
    noise = tracked if noise_override is None else noise_override
    if noise_gain != 1.0:
        noise = noise * noise_gain
    alpha = over_subtraction(float(values["over_subtraction"]), power, noise)
    return subtraction_gain(power, noise, alpha, EXPONENTS[str(values["exponent"])])
