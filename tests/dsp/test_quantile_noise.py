"""Quantile noise tracking: it finds the 25 % quantile of a bin's magnitude, and rate 0 freezes it."""
from __future__ import annotations

import numpy as np

from hushboard.dsp import quantile_noise

HOP_S = 512 / 48000


def rayleigh_log_magnitudes(frames: int, bins: int, seed: int) -> np.ndarray:
    """``ln|Y|`` of complex Gaussian noise with ``E|Y|^2 = 1``, ``(frames, 1, bins)``."""
    rng = np.random.default_rng(seed)
    spectrum = (rng.standard_normal((frames, 1, bins)) + 1j * rng.standard_normal((frames, 1, bins)))
    return np.log(np.abs(spectrum) / np.sqrt(2.0))


def test_published_estimate_is_the_quantile_of_rayleigh_magnitudes():
    state = quantile_noise.init_state(1, 256, HOP_S)
    live, rate = np.ones(1, bool), np.ones(1)
    for frame in rayleigh_log_magnitudes(1200, 256, seed=1):
        noise = quantile_noise.update(state, frame, rate, live)
    # P(|Y| <= r) = 1 - exp(-r^2) for E|Y|^2 = 1, so the 25 % quantile is sqrt(-ln 0.75) = 0.536.
    expected = np.sqrt(-np.log(1.0 - quantile_noise.QUANTILE))
    assert abs(np.median(noise) / expected - 1.0) < 0.1
    assert np.all(np.abs(np.log(noise / expected)) < 1.0)  # no bin off by more than e


def test_rate_zero_freezes_everything_and_rate_one_adapts():
    frames = rayleigh_log_magnitudes(600, 32, seed=2)
    frozen = quantile_noise.init_state(1, 32, HOP_S)
    moving = quantile_noise.init_state(1, 32, HOP_S)
    live = np.ones(1, bool)
    for frame in frames[:300]:
        quantile_noise.update(frozen, frame, np.ones(1), live)
        quantile_noise.update(moving, frame, np.ones(1), live)
    before = quantile_noise.update(frozen, frames[300], np.zeros(1), live).copy()
    for frame in frames[301:] + 3.0:  # the level jumps by e^3 (26 dB)
        held = quantile_noise.update(frozen, frame, np.zeros(1), live)
        adapted = quantile_noise.update(moving, frame, np.ones(1), live)
    assert np.array_equal(held, before)
    assert np.median(np.log(adapted / before)) > 2.5


def test_fall_rate_lets_the_estimate_fall_while_rises_stay_slowed():
    frames = rayleigh_log_magnitudes(900, 32, seed=3)
    live, zero, one = np.ones(1, bool), np.zeros(1), np.ones(1)
    state = quantile_noise.init_state(1, 32, HOP_S)
    for frame in frames[:300] + 2.0:  # learn a level e^2 (17 dB) above the noise to come
        start = quantile_noise.update(state, frame, one, live).copy()
    for frame in frames[300:600]:  # the level drops: rises frozen, falls at full rate
        fallen = quantile_noise.update(state, frame, zero, live, fall_rate=one).copy()
    assert np.median(np.log(fallen / start)) < -1.5  # it followed the drop
    for frame in frames[600:] + 3.0:  # the level jumps up: only rises would follow
        held = quantile_noise.update(state, frame, zero, live, fall_rate=one)
    assert np.median(np.log(held / fallen)) < 0.1  # it did not
    same = quantile_noise.init_state(1, 32, HOP_S)
    plain = quantile_noise.init_state(1, 32, HOP_S)
    for frame in frames[:200]:  # fall_rate equal to rate is the plain tracker, bit for bit
        a = quantile_noise.update(same, frame, one, live, fall_rate=one)
        b = quantile_noise.update(plain, frame, one, live)
    np.testing.assert_array_equal(a, b)
