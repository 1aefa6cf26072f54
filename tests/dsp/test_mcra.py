"""MCRA (Cohen & Berdugo 2002): converges on stationary noise, detects speech and holds the
estimate there, freezes at update=0, and uses a known noise floor for its presence test."""
from __future__ import annotations

import numpy as np

from hushboard.dsp import mcra
from tests.conftest import speech_like
from tests.dsp.test_minimum_statistics import HOP_S, SR, STFT, db, expected_power, periodograms


def track(power: np.ndarray, rate: float = 1.0, floor=None):
    """Noise and presence ``(channels, frames, bins)`` for ``power`` ``(channels, frames, bins)``."""
    state = mcra.init_state(power.shape[0], power.shape[2], HOP_S)
    noise, presence = [], []
    for f in range(power.shape[1]):
        n, p = mcra.update(state, power[:, f], rate, floor)
        noise.append(n.copy())
        presence.append(p.copy())
    return np.stack(noise, axis=1), np.stack(presence, axis=1)


def test_white_noise_estimate_within_1_db_and_no_presence():
    noise = np.random.default_rng(0).normal(0, 0.1, (2, 3 * SR))
    estimate, presence = track(periodograms(noise))
    settled = slice(int(1.5 / HOP_S), None)
    assert abs(db(estimate[:, settled] / expected_power(0.1))) < 1.0
    assert presence[:, settled].mean() < 0.02


def test_a_stream_that_opens_on_noise_is_estimated_from_its_first_tenth_of_a_second():
    """Streamed from sample 0 (a half-empty first frame), white noise is estimated within 1 dB
    from 0.1 s on (it sat 1.5 dB low until 1.5 s)."""
    for seed in range(3):
        noise = np.random.default_rng(10 + seed).normal(0, 0.1, (1, 2 * SR))
        spectra = STFT.frames(STFT.init_state(1), noise)  # as a plugin streams it, from sample 0
        estimate, _ = track(spectra.real ** 2 + spectra.imag ** 2)
        early = estimate[:, int(0.1 / HOP_S):int(1.5 / HOP_S)]
        assert abs(db(early / expected_power(0.1))) < 1.0


def test_the_half_empty_first_frame_does_not_set_the_minimum():
    """A stream's first STFT frame covers half the analysis window (the analysis starts before
    the signal): it must not set ``S_min``, which sat 2.1 dB low for the whole first window."""
    for seed in range(3):
        noise = np.random.default_rng(10 + seed).normal(0, 0.1, (1, 2 * SR))
        spectra = STFT.frames(STFT.init_state(1), noise)  # as a plugin streams it, from sample 0
        power = spectra.real ** 2 + spectra.imag ** 2
        state = mcra.init_state(1, power.shape[2], HOP_S)
        minima = []
        for f in range(power.shape[1]):
            mcra.update(state, power[:, f])
            minima.append(state.minimum.copy())
        first_window = np.array(minima[int(0.1 / HOP_S):int(1.6 / HOP_S)])
        assert abs(db(mcra.B_MIN * first_window / expected_power(0.1))) < 1.5


def test_speech_is_detected_and_not_learned_as_noise():
    n = 4 * SR
    speech = speech_like(n, SR, seed=2)
    noisy = (np.random.default_rng(2).normal(0, 0.02, n) + speech)[None]
    estimate, presence = track(periodograms(noisy))
    settled = slice(int(2.0 / HOP_S), None)
    ratio = estimate[:, settled] / expected_power(0.02)
    # the typical bin is right; the strongest harmonics lift the bins they sit in by a few dB
    # (their smoothed power does not fall back to the noise within a syllable gap)
    assert abs(10 * np.log10(np.median(ratio))) < 1.0
    speech_power = periodograms(speech[None])[:, settled]
    loud = speech_power > 100 * expected_power(0.02)  # bins 20 dB above the noise
    assert presence[:, settled][loud].mean() > 0.8
    assert np.mean(estimate[:, settled][loud] < 0.1 * speech_power[loud]) > 0.75


def test_update_zero_freezes_the_noise():
    noise = np.random.default_rng(3).normal(0, 0.1, (1, SR))
    power = periodograms(noise)
    state = mcra.init_state(1, power.shape[2], HOP_S)
    for f in range(power.shape[1]):
        mcra.update(state, power[:, f])
    before = state.noise_power.copy()
    for f in range(power.shape[1]):
        mcra.update(state, 100.0 * power[:, f], rate=0.0)
    assert np.array_equal(state.noise_power, before)


def test_a_known_noise_floor_drives_the_presence_test():
    """With a learned floor a steady tone stays 'present' (the tracked minimum would absorb it)."""
    n = 4 * SR
    t = np.arange(n) / SR
    noise = np.random.default_rng(4).normal(0, 0.05, n)
    power = periodograms((np.sin(2 * np.pi * 1000 * t) + noise)[None])
    floor = np.full(power.shape[::2], expected_power(0.05))
    tone_bin = int(round(1000 / (SR / 1024)))
    _, tracked = track(power)
    _, learned = track(power, floor=floor)
    assert tracked[0, -1, tone_bin] < 0.5 < learned[0, -1, tone_bin]


def test_silence_stays_finite():
    noise, presence = track(np.zeros((1, 50, 513)))
    assert np.isfinite(noise).all() and np.isfinite(presence).all()


def test_partials_a_few_db_over_the_noise_are_not_learned():
    """A tone 5 dB over its bin's noise, on and off every 0.4 s: under eq. 13's threshold
    (7 dB over the minimum) it is 'noise' for the presence probability, but the update holds."""
    n = 4 * SR
    t = np.arange(n) / SR
    sigma = 0.05
    tone_bin = 64
    frequency = tone_bin * SR / STFT.frame_size
    # a sinusoid of amplitude A puts (A/2)^2 sum(w)^2 into its bin; pick A for +5 dB
    window = STFT.analysis_window
    amplitude = 2 * np.sqrt(10 ** 0.5 * expected_power(sigma)) / window.sum()
    gate = (np.floor(t / 0.4) % 2 == 1)
    tone = amplitude * np.sin(2 * np.pi * frequency * t) * gate
    noise = np.random.default_rng(6).normal(0, sigma, n)
    spectra = STFT.frames(STFT.init_state(1), (tone + noise)[None])
    estimate, _ = track(spectra.real ** 2 + spectra.imag ** 2)
    settled = slice(int(1.6 / HOP_S), None)
    lifted = db(estimate[0, settled, tone_bin - 1:tone_bin + 2] / expected_power(sigma))
    assert lifted < 0.7  # 1.3 dB when only eq. 13 held the update
