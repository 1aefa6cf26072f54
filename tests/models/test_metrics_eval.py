"""The evaluation metrics on cases with known answers (third-party ones skip when not installed)."""
from __future__ import annotations

import numpy as np
import pytest

from hushboard.models import metrics

from tests.conftest import speech_like

SR = 48000


@pytest.fixture(scope="module")
def clean_and_noisy():
    clean = speech_like(3 * SR, SR, seed=1)
    noise = np.random.default_rng(2).standard_normal(clean.size) * np.std(clean) * 10 ** (-5 / 20)  # 5 dB SNR
    return clean, clean + noise


def test_to_16k_keeps_a_tone_and_the_duration():
    t = np.arange(SR) / SR
    low = metrics.to_16k(np.sin(2 * np.pi * 1000 * t), SR)
    assert low.size == 16000
    spectrum = np.abs(np.fft.rfft(low))
    assert np.argmax(spectrum) == 1000  # 1 Hz bins at 16 kHz for one second


def test_music_band_distortion_known_cases(clean_and_noisy):
    clean, noisy = clean_and_noisy
    assert metrics.music_band_distortion_db(clean, clean, SR) == pytest.approx(0.0, abs=1e-9)
    gained = metrics.music_band_distortion_db(clean * 10 ** (3 / 20), clean, SR)
    assert 2.0 < gained <= 3.0 + 1e-6  # a 3 dB gain is at most 3 dB everywhere (less near the floor)
    assert metrics.music_band_distortion_db(noisy, clean, SR) > gained
    broadband = np.random.default_rng(5).standard_normal(SR)  # content across the music band
    band_cut = np.fft.irfft(np.fft.rfft(broadband) * (np.fft.rfftfreq(SR, 1 / SR) < 4000), SR)
    assert metrics.music_band_distortion_db(band_cut, broadband, SR) > 20  # 4-16 kHz is gone
    with pytest.raises(ValueError, match="equal lengths"):
        metrics.music_band_distortion_db(clean[:-1], clean, SR)


def test_pesq_wb_identical_is_top_and_noise_lowers_it(clean_and_noisy):
    pytest.importorskip("pesq", reason="pesq is in the bench extra")
    clean, noisy = clean_and_noisy
    assert metrics.pesq_wb(clean, clean, SR) > 4.5
    assert metrics.pesq_wb(noisy, clean, SR) < 2.5


def test_stoi_identical_is_one_and_noise_lowers_it(clean_and_noisy):
    pytest.importorskip("pystoi", reason="pystoi is in the bench extra")
    clean, noisy = clean_and_noisy
    assert metrics.stoi(clean, clean, SR) == pytest.approx(1.0, abs=1e-3)
    assert metrics.stoi(noisy, clean, SR) < metrics.stoi(clean, clean, SR) - 0.02


def test_dnsmos_hears_background_noise(clean_and_noisy):
    pytest.importorskip("speechmos", reason="speechmos is in the bench extra")
    pytest.importorskip("librosa", reason="speechmos needs librosa (bench extra)")
    clean, noisy = clean_and_noisy
    quiet, loud = metrics.dnsmos(clean, SR), metrics.dnsmos(noisy, SR)
    assert set(quiet) == {"ovrl", "sig", "bak", "p808"}
    assert loud["bak"] < quiet["bak"] - 0.5  # BAK rates the background


def test_visqol_identical_beats_noisy(clean_and_noisy):
    pytest.importorskip("visqol", reason="visqol-python is in the bench extra")
    clean, noisy = clean_and_noisy
    same, degraded = metrics.visqol_audio(clean, clean, SR), metrics.visqol_audio(noisy, clean, SR)
    assert same > 4.0 and degraded < same - 0.5
