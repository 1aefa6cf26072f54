"""Metric functions on cases with known answers."""
from __future__ import annotations

import numpy as np
import pytest

from hushboard.models import metrics


def test_si_sdr_of_a_scaled_copy_is_very_high():
    s = np.random.default_rng(0).standard_normal(48000)
    assert metrics.si_sdr(0.3 * s, s) > 100


def test_si_sdr_with_10_db_of_white_noise_is_10_db():
    rng = np.random.default_rng(1)
    s = rng.standard_normal(480000)
    noise = rng.standard_normal(480000) * np.sqrt(np.mean(s ** 2) / 10)
    assert metrics.si_sdr(s + noise, s) == pytest.approx(10.0, abs=0.5)


def test_si_sdr_improvement_and_length_check():
    rng = np.random.default_rng(2)
    s = rng.standard_normal(10000)
    noisy = s + rng.standard_normal(10000)
    assert metrics.si_sdr_improvement(s, noisy, s) > 50
    with pytest.raises(ValueError, match="equal lengths"):
        metrics.si_sdr(s[:-1], s)


def test_music_band_si_sdr_ignores_what_lies_outside_the_band():
    rng = np.random.default_rng(4)
    music = rng.standard_normal(96000)
    t = np.arange(96000) / 48000
    rumble = 3.0 * np.sin(2 * np.pi * 15.0 * t)  # below the 50 Hz edge, louder than the music
    assert metrics.si_sdr(music + rumble, music) < 0
    assert metrics.band_si_sdr(music + rumble, music, 48000) > 25
    in_band = rng.standard_normal(96000) * np.sqrt(0.1)  # 10 dB under, all of it inside the band
    assert metrics.band_si_sdr(music + in_band, music, 48000) == pytest.approx(10.0, abs=1.0)
    with pytest.raises(ValueError, match="equal lengths"):
        metrics.band_si_sdr(music[:-1], music, 48000)


def test_noise_attenuation_per_band():
    rng = np.random.default_rng(3)
    noise = rng.standard_normal(48000)
    assert metrics.noise_attenuation_db(noise, 0.1 * noise, 48000) == pytest.approx(20.0, abs=1e-6)
    spectrum = np.fft.rfft(noise)
    spectrum[np.fft.rfftfreq(48000, 1 / 48000) >= 8000] *= 0.01  # -40 dB above 8 kHz only
    lowpassed = np.fft.irfft(spectrum, n=48000)
    assert metrics.noise_attenuation_db(noise, lowpassed, 48000, low_hz=8000) == pytest.approx(40.0, abs=0.1)
    assert metrics.noise_attenuation_db(noise, lowpassed, 48000, high_hz=8000) == pytest.approx(0.0, abs=0.1)


def frame_gate(x: np.ndarray, threshold: float, closed_gain: float = 0.1, frame: int = 480) -> np.ndarray:
    """A signal-dependent processor: each 10 ms frame passes whole where its RMS exceeds
    ``threshold`` and is scaled by ``closed_gain`` elsewhere (a crude speech gate)."""
    frames = x.reshape(-1, frame)
    loud = np.sqrt(np.mean(frames ** 2, axis=1, keepdims=True)) > threshold
    return (frames * np.where(loud, 1.0, closed_gain)).reshape(-1)


def test_in_scene_attenuation_is_exact_for_a_linear_processor():
    rng = np.random.default_rng(4)
    target, noise = rng.standard_normal(48000), 0.3 * rng.standard_normal(48000)
    lowpass = np.ones(8) / 8  # any fixed filter: the phase-inversion estimate is exact
    process = lambda x: np.convolve(x, lowpass)[: x.size]  # noqa: E731
    alone = metrics.noise_attenuation_db(noise, process(noise), 48000)
    in_scene = metrics.in_scene_attenuation_db(noise, process(target + noise), process(target - noise), 48000)
    assert in_scene == pytest.approx(alone, abs=1e-9)
    assert metrics.in_scene_attenuation_db(noise, target + noise, target - noise, 48000) == pytest.approx(0.0, abs=1e-9)


def test_in_scene_attenuation_sees_a_gate_that_opens_for_the_target():
    """The noise alone keeps the gate closed (20 dB "removed"); with a loud target the gate is
    open in the target's frames, and the noise passes there: what a listener hears."""
    rng = np.random.default_rng(5)
    noise = 0.05 * rng.standard_normal(48000)
    target = np.where(np.arange(48000) < 24000, np.sin(2 * np.pi * 440 * np.arange(48000) / 48000), 0.0)
    gate = lambda x: frame_gate(x, threshold=0.2)  # noqa: E731
    alone = metrics.noise_attenuation_db(noise, gate(noise), 48000)
    in_scene = metrics.in_scene_attenuation_db(noise, gate(target + noise), gate(target - noise), 48000)
    assert alone == pytest.approx(20.0, abs=0.1)
    # open in half the frames: 10 log10(2 / (1 + 0.01)) = 3.0 dB
    assert in_scene == pytest.approx(10 * np.log10(2 / 1.01), abs=0.3)
