"""Synthetic noises: measured spectral slopes, hum lines, fan band, click sparsity."""
from __future__ import annotations

import numpy as np
import pytest

from hushboard.models import noises

SR = 48000


def octave_band_db(x: np.ndarray, low_hz: float) -> float:
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(x.size, 1 / SR)
    return 10 * np.log10(spectrum[(freqs >= low_hz) & (freqs < 2 * low_hz)].mean())


@pytest.mark.parametrize("name, slope_db", [("white", 0.0), ("pink", -3.01), ("brown", -6.02)])
def test_coloured_noise_slope_per_octave(name, slope_db):
    x = noises.STATIONARY[name](4 * SR, SR, np.random.default_rng(0))
    assert np.sqrt(np.mean(x ** 2)) == pytest.approx(1.0, rel=1e-9)
    bands = [octave_band_db(x, f) for f in (250, 500, 1000, 2000, 4000)]
    measured = np.polyfit(np.arange(5), bands, 1)[0]  # dB per octave (mean power per bin)
    assert measured == pytest.approx(slope_db, abs=0.5)


@pytest.mark.parametrize("mains_hz", [50.0, 60.0])
def test_hum_has_lines_at_mains_harmonics(mains_hz):
    x = noises.hum(4 * SR, SR, np.random.default_rng(1), mains_hz)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size))) ** 2
    freqs = np.fft.rfftfreq(x.size, 1 / SR)
    near = lambda f: spectrum[np.abs(freqs - f) < 1.0].max()  # noqa: E731 (drift <= 0.2 %)
    for k in (1, 2, 3, 5):
        line = near(k * mains_hz)
        between = np.median(spectrum[np.abs(freqs - (k + 0.5) * mains_hz) < 5])
        assert 10 * np.log10(line / between) > 30


def test_fan_energy_sits_low_with_a_blade_tone():
    x = noises.fan(4 * SR, SR, np.random.default_rng(2))
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(x.size, 1 / SR)
    assert spectrum[freqs < 1500].sum() / spectrum.sum() > 0.8
    assert spectrum[freqs > 8000].sum() / spectrum.sum() < 0.01


def test_clicks_are_sparse_bursts():
    x = noises.clicks(4 * SR, SR, np.random.default_rng(3), rate_hz=4.0)
    frames = np.sqrt(np.mean(x[: x.size // 480 * 480].reshape(-1, 480) ** 2, axis=1))  # 10 ms frames
    assert np.mean(frames < 1e-6) > 0.7  # mostly silence
    assert np.max(np.abs(x)) / np.sqrt(np.mean(x ** 2)) > 8  # crest factor of an impulsive noise


def test_generators_are_seeded():
    for name, make in noises.STATIONARY.items():
        assert np.array_equal(make(SR, SR, np.random.default_rng(7)), make(SR, SR, np.random.default_rng(7))), name
        assert not np.array_equal(make(SR, SR, np.random.default_rng(7)), make(SR, SR, np.random.default_rng(8))), name
