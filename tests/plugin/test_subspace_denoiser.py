"""SubspaceDenoiser: noise down by reduction_db, a tone kept, SI-SDR up on speech-like audio."""
from __future__ import annotations

import numpy as np
import pytest

from hushboard.plugin.subspace import SubspaceDenoiser
from tests.plugin.test_classic_denoisers import level_db, tone_level_db, white
from tests.plugin.test_wiener_denoiser import noisy_speech, si_sdr_db

SR = 48000


@pytest.mark.parametrize("reduction_db", [12.0, 20.0])
def test_white_noise_is_attenuated_by_reduction_db(reduction_db):
    noise = white(3 * SR, 0.05, 4)
    y = SubspaceDenoiser(reduction_db=reduction_db)(noise.astype(np.float32), SR)
    settled = slice(SR + SR // 2, None)
    assert abs(level_db(y[settled]) - level_db(noise[settled]) + reduction_db) < 3.0  # -12.0/-19.8


def test_tone_in_noise_is_kept_and_the_noise_reduced():
    n = 3 * SR
    t = np.arange(n) / SR
    tone = np.sin(2 * np.pi * 1000 * t)
    noise = white(n, np.sqrt(0.05), 5)  # 10 dB SNR
    y = SubspaceDenoiser(reduction_db=12.0)((tone + noise).astype(np.float32), SR).astype(np.float64)
    settled = slice(SR, None)
    assert abs(tone_level_db(y[settled], 1000.0, 0)) < 1.0  # measured: -0.07 dB
    assert level_db(y[settled] - tone[settled]) - level_db(noise[settled]) < -8.0  # -10.4 dB


def test_improves_si_sdr_of_speech_like_audio_in_white_noise_at_5_db():
    speech, noisy = noisy_speech(5.0, seconds=3.0)
    y = SubspaceDenoiser()(noisy.astype(np.float32), SR).astype(np.float64)
    settled = slice(SR, None)
    before = si_sdr_db(noisy[settled], speech[settled])
    after = si_sdr_db(y[settled], speech[settled])
    assert after > before + 5.0  # measured: 5.0 -> 14.2 dB


def test_latency_is_reported_and_compensated():
    plugin = SubspaceDenoiser(reduction_db=0.0)  # unity gain: a pure delay inside
    assert plugin.get_latency_samples(48000) == 1151
    assert plugin.get_latency_samples(44100) == 1043
    x = white(SR, 0.1, 6).astype(np.float32)
    np.testing.assert_allclose(plugin(x, SR), x, atol=1e-6)
