"""Minimum statistics (Martin 2001): unbiased on stationary noise, ignores speech, follows a rise,
freezes at update=0, never produces NaN."""
from __future__ import annotations

import numpy as np

from hushboard.dsp import minimum_statistics
from hushboard.dsp.stft import StreamingStft
from tests.conftest import speech_like

SR = 48000
STFT = StreamingStft(1024, 512)
HOP_S = STFT.hop_size / SR


def periodograms(audio: np.ndarray) -> np.ndarray:
    """``(channels, frames, bins)`` power of ``audio`` ``(channels, n)``."""
    starts = np.arange(0, audio.shape[1] - STFT.frame_size + 1, STFT.hop_size)
    spectra = STFT.analyse(audio[:, starts[:, None] + np.arange(STFT.frame_size)])
    return spectra.real ** 2 + spectra.imag ** 2


def track(power: np.ndarray, rates=None) -> np.ndarray:
    """Noise estimates ``(channels, frames, bins)`` for ``power`` ``(channels, frames, bins)``."""
    state = minimum_statistics.init_state(power.shape[0], power.shape[2], HOP_S)
    rates = np.ones(power.shape[1]) if rates is None else rates
    return np.stack([minimum_statistics.update(state, power[:, f], rates[f]).copy()
                     for f in range(power.shape[1])], axis=1)


def expected_power(sigma: float) -> float:
    """Mean periodogram power per bin of white noise with standard deviation ``sigma``."""
    return sigma ** 2 * float(np.sum(STFT.analysis_window ** 2))


def db(ratio) -> float:
    return float(10 * np.log10(np.mean(ratio)))


def test_white_noise_estimate_is_unbiased_within_2_db():
    noise = np.random.default_rng(0).normal(0, 0.1, (2, 4 * SR))
    estimate = track(periodograms(noise))
    settled = estimate[:, int(2.0 / HOP_S):]  # after one window (1.5 s)
    assert abs(db(settled / expected_power(0.1))) < 2.0


def test_speech_on_top_of_noise_is_not_learned():
    n = 4 * SR
    noise = np.random.default_rng(1).normal(0, 0.02, n)
    noisy = (noise + speech_like(n, SR, seed=1))[None]
    estimate = track(periodograms(noisy))[:, int(2.0 / HOP_S):]
    assert db(estimate / expected_power(0.02)) < 2.0


def test_a_rise_of_the_noise_is_followed_within_the_window():
    rng = np.random.default_rng(2)
    noise = rng.normal(0, 0.01, (1, 6 * SR))
    noise[:, 2 * SR:] *= 10.0  # +20 dB at 2 s
    estimate = track(periodograms(noise))
    follow_s = minimum_statistics.WINDOW_S * (1 + 1 / minimum_statistics.SUBWINDOWS) + 0.1
    after = estimate[:, int((2.0 + follow_s) / HOP_S):]
    assert abs(db(after / expected_power(0.1))) < 2.0


def test_update_zero_freezes_and_half_rate_is_slower():
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 0.01, (1, 6 * SR))
    noise[:, 2 * SR:] *= 10.0
    power = periodograms(noise)
    change = int(2.0 / HOP_S)
    frozen = np.r_[np.ones(change), np.zeros(power.shape[1] - change)]
    estimate = track(power, frozen)
    assert np.array_equal(estimate[:, -1], estimate[:, change - 1])
    full = track(power)
    half = track(power, np.full(power.shape[1], 0.5))
    at = int(4.0 / HOP_S)
    assert db(half[:, at]) < db(full[:, at]) - 6.0


def test_silence_and_huge_levels_stay_finite():
    power = np.zeros((1, 200, 513))
    power[:, 100:] = 1e12
    estimate = track(power)
    assert np.isfinite(estimate).all() and (estimate >= 0).all()
