"""SubspaceDenoiser: noise down by reduction_db, a tone kept, SI-SDR up on speech-like audio, the
stereo link keeps a panned voice in place, sensitivity_db trades noise for voice.

The controls it shares with the spectral denoisers (learned and frozen modes, learn()'s checks,
clicks on parameter changes) are tested with them in ``test_classic_denoisers.py``."""
from __future__ import annotations

import numpy as np
import pytest

from hushboard.plugin.subspace import SubspaceDenoiser
from tests.conftest import speech_like
from tests.plugin.test_classic_denoisers import level_db, tone_level_db, white
from tests.plugin.test_wiener_denoiser import noisy_speech, si_sdr_db

SR = 48000


@pytest.mark.parametrize("reduction_db", [12.0, 20.0])
def test_white_noise_is_attenuated_by_reduction_db(reduction_db):
    noise = white(3 * SR, 0.05, 4)
    y = SubspaceDenoiser(reduction_db=reduction_db)(noise.astype(np.float32), SR)
    settled = slice(SR + SR // 2, None)
    assert abs(level_db(y[settled]) - level_db(noise[settled]) + reduction_db) < 3.0  # -12.0/-19.8


def test_improves_si_sdr_of_speech_like_audio_in_white_noise_at_5_db():
    speech, noisy = noisy_speech(5.0, seconds=3.0)
    y = SubspaceDenoiser()(noisy.astype(np.float32), SR).astype(np.float64)
    settled = slice(SR, None)
    before = si_sdr_db(noisy[settled], speech[settled])
    after = si_sdr_db(y[settled], speech[settled])
    assert after > before + 5.0  # measured: 5.0 -> 12.0 dB (white-noise model: 14.2 dB)


def test_latency_is_reported_and_compensated():
    plugin = SubspaceDenoiser(reduction_db=0.0)  # unity gain: a pure delay inside
    assert plugin.get_latency_samples(48000) == 1151
    assert plugin.get_latency_samples(44100) == 1043
    x = white(SR, 0.1, 6).astype(np.float32)
    np.testing.assert_allclose(plugin(x, SR), x, atol=1e-6)


def coloured(n: int, seed: int, kind: str) -> np.ndarray:
    """Unit-variance coloured noise: ``"pink"`` (1/f) or ``"rumble"`` (1/f^2, like traffic or
    machinery, plus a resonance around 3 kHz)."""
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SR)
    if kind == "pink":
        spectrum /= np.sqrt(np.maximum(f, 20.0))
    else:
        spectrum *= 1 / np.maximum(f, 50.0) + 0.02 * np.exp(-((f - 3000.0) / 500.0) ** 2) / 50.0
    x = np.fft.irfft(spectrum, n)
    return x / x.std()


@pytest.mark.parametrize("kind,reduction_db,tolerance_db", [
    ("pink", 12.0, 1.5), ("pink", 20.0, 3.5), ("rumble", 12.0, 1.5), ("rumble", 20.0, 5.0)])
def test_coloured_noise_is_attenuated_by_about_reduction_db(kind, reduction_db, tolerance_db):
    noise = 0.05 * coloured(3 * SR, 1, kind)
    y = SubspaceDenoiser(reduction_db=reduction_db)(noise.astype(np.float32), SR)
    settled = slice(SR + SR // 2, None)
    change = level_db(y[settled]) - level_db(noise[settled])
    # measured: pink -11.9 / -17.4 dB, rumble -11.5 / -15.4 dB (the white-noise model: ~0 dB)
    assert abs(change + reduction_db) < tolerance_db


@pytest.mark.parametrize("colour,max_noise_db", [("white", -8.0), ("pink", -6.0)])
def test_tone_in_noise_is_kept_and_the_noise_reduced(colour, max_noise_db):
    n = 3 * SR
    t = np.arange(n) / SR
    tone = np.sin(2 * np.pi * 1000 * t)
    # 10 dB SNR; measured: tone -0.07 / -0.33 dB, noise -10.4 / -7.7 dB (white / pink)
    noise = white(n, np.sqrt(0.05), 5) if colour == "white" else np.sqrt(0.05) * coloured(n, 5, "pink")
    y = SubspaceDenoiser(reduction_db=12.0)((tone + noise).astype(np.float32), SR).astype(np.float64)
    settled = slice(SR, None)
    assert abs(tone_level_db(y[settled], 1000.0, 0)) < 1.0
    assert level_db(y[settled] - tone[settled]) - level_db(noise[settled]) < max_noise_db


def test_improves_si_sdr_of_speech_like_audio_in_pink_noise_at_5_db():
    speech, noisy = noisy_speech(5.0, seconds=3.0)
    noise = coloured(speech.size, 9, "pink") * np.std(noisy - speech)
    y = SubspaceDenoiser()((speech + noise).astype(np.float32), SR).astype(np.float64)
    settled = slice(SR, None)
    before = si_sdr_db((speech + noise)[settled], speech[settled])
    after = si_sdr_db(y[settled], speech[settled])
    assert after > before + 2.5  # measured: 4.9 -> 8.4 dB


def speech_level_differences_db(y: np.ndarray, speech: np.ndarray, seconds: float = 0.25) -> np.ndarray:
    """Right-over-left level of the ``speech`` component of stereo ``y`` per segment (dB), by
    least-squares projection of each channel onto the clean speech; silent segments skipped."""
    size = int(seconds * SR)
    out = []
    for start in range(SR, speech.size - size + 1, size):  # after the trackers' first second
        piece = speech[start:start + size]
        energy = np.dot(piece, piece)
        if energy < 1e-6 * size:
            continue
        left, right = (np.dot(channel[start:start + size], piece) / energy for channel in y)
        out.append(20 * np.log10(abs(right / left)))
    return np.array(out)


@pytest.mark.parametrize("link,max_deviation_db", [("mean", 0.5), ("min", 0.5), ("off", None)])
def test_linked_channels_keep_a_panned_voice_in_place(link, max_deviation_db):
    """One filter for both channels: the voice's level difference between them (10.5 dB here)
    comes out as it went in. Per-channel filters take more off the quieter side, by a changing
    amount (measured: mean/min within 0.2 dB, off 0.9 dB lower on average, up to 1.6 dB)."""
    n = 3 * SR
    speech = speech_like(n, SR, 3)
    noise = np.random.default_rng(1).normal(0, np.std(speech) * 10 ** (-10 / 20), (2, n))
    panned_db = 20 * np.log10(0.3)
    x = np.stack([speech + noise[0], 0.3 * speech + noise[1]]).astype(np.float32)
    y = SubspaceDenoiser(link=link)(x, SR).astype(np.float64)
    deviation = speech_level_differences_db(y, speech) - panned_db
    if max_deviation_db is not None:
        assert np.abs(deviation).max() < max_deviation_db
    else:
        assert deviation.mean() < -0.5  # unlinked: the quieter side loses more of the voice


def test_sensitivity_db_trades_residual_noise_for_voice():
    speech, noisy = noisy_speech(5.0, seconds=3.0)
    settled = slice(SR, None)
    residual, voice = {}, {}
    for sensitivity_db in (-12.0, 12.0):
        y = SubspaceDenoiser(sensitivity_db=sensitivity_db)(noisy.astype(np.float32), SR)
        y = y.astype(np.float64)[settled]
        clean = speech[settled]
        gain = np.dot(y, clean) / np.dot(clean, clean)
        voice[sensitivity_db] = 20 * np.log10(gain)
        residual[sensitivity_db] = level_db(y - gain * clean)
    # measured: residual noise -1.1 vs -11.1 dB re the input noise, voice -0.05 vs -10.1 dB
    assert residual[12.0] < residual[-12.0] - 6.0
    assert voice[-12.0] > voice[12.0] + 6.0
