"""SpectralSubtraction, WienerDenoiser and SubspaceDenoiser: what a user hears, on synthetic signals.

Noise goes down by reduction_db, a tone and a speech-like signal stay, a learned fan noise is
removed, learn() validates its clip and survives a sample-rate change, mode='frozen' stops the
tracking, and parameter changes mid-stream do not click.
"""
from __future__ import annotations

import numpy as np
import pytest

from hushboard.plugin.spectral_subtraction import SpectralSubtraction
from hushboard.plugin.subspace import SubspaceDenoiser
from hushboard.plugin.wiener import WienerDenoiser
from tests.conftest import speech_like

SR = 48000
DENOISERS = [SpectralSubtraction, WienerDenoiser, SubspaceDenoiser]


def level_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-30))


def white(n: int, sigma: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, sigma, n)


def pink(n: int, sigma: float, seed: int) -> np.ndarray:
    """1/f power spectrum (-3 dB/octave) from 20 Hz up, shaped in the frequency domain, scaled to
    ``sigma`` (below 20 Hz the 1/f law would put most of the power in an inaudible drift)."""
    spectrum = np.fft.rfft(white(n, 1.0, seed))
    freqs = np.fft.rfftfreq(n, 1 / SR)
    spectrum *= np.where(freqs >= 20.0, 1.0 / np.sqrt(np.maximum(freqs, 20.0)), 0.0)
    x = np.fft.irfft(spectrum, n)
    return sigma * x / x.std()


def fan(n: int, seed: int) -> np.ndarray:
    """Fan-like noise: low-passed (brown-ish) noise plus steady 120/240/360 Hz lines."""
    t = np.arange(n) / SR
    rumble = np.cumsum(white(n, 1.0, seed))
    rumble -= np.convolve(rumble, np.ones(480) / 480, mode="same")  # 10 ms mean out: from ~100 Hz
    rumble *= 0.03 / rumble.std()
    lines = sum(0.02 / k * np.sin(2 * np.pi * 120 * k * t + k) for k in (1, 2, 3))
    return rumble + lines + white(n, 0.003, seed + 1)


def tone_level_db(y: np.ndarray, freq: float, start: int) -> float:
    """Level of the ``freq`` component of ``y[start:]``, by least-squares projection."""
    t = np.arange(start, len(y)) / SR
    basis = np.stack([np.cos(2 * np.pi * freq * t), np.sin(2 * np.pi * freq * t)], axis=1)
    coef = np.linalg.lstsq(basis, y[start:].astype(np.float64), rcond=None)[0]
    return float(20 * np.log10(np.hypot(*coef)))


def speech_kept_db(y: np.ndarray, speech: np.ndarray) -> float:
    """Gain in dB of the speech component of ``y`` (projection onto the clean speech)."""
    return float(20 * np.log10(np.dot(y, speech) / np.dot(speech, speech)))


@pytest.mark.parametrize("cls", DENOISERS)
@pytest.mark.parametrize("noise", [white, pink])
@pytest.mark.parametrize("reduction_db", [12.0, 18.0])
def test_stationary_noise_is_reduced_by_reduction_db(cls, noise, reduction_db):
    x = noise(4 * SR, 0.05, seed=1).astype(np.float32)
    y = cls(reduction_db=reduction_db)(x, SR)
    half = slice(2 * SR, None)  # after convergence (the trackers need one window, <= 1.7 s)
    assert abs(level_db(y[half]) - level_db(x[half]) + reduction_db) < 3.0


@pytest.mark.parametrize("cls", DENOISERS)
def test_a_tone_in_white_noise_is_kept_within_1_db(cls):
    n = 3 * SR
    tone = np.sin(2 * np.pi * 1000 * np.arange(n) / SR)
    noise = white(n, np.sqrt(0.5 / 10), seed=2)  # 10 dB SNR
    x = (tone + noise).astype(np.float32)
    # learned: an adaptive tracker takes any sound steady for longer than its window for noise.
    # Default settings: the median-of-3 and 100 Hz smoothing leave a 3-bin tone peak alone.
    plugin = cls()
    plugin.learn(white(2 * SR, np.sqrt(0.5 / 10), seed=3).astype(np.float32), SR)
    y = plugin(x, SR)
    assert abs(tone_level_db(y, 1000, SR) - tone_level_db(x, 1000, SR)) < 1.0
    assert level_db(y[SR:] - tone[SR:]) < level_db(noise[SR:]) - 6.0  # the noise went down


@pytest.mark.parametrize("cls", DENOISERS)
def test_learned_fan_noise_is_removed_and_speech_added_later_is_kept(cls):
    n = 5 * SR
    plugin = cls(reduction_db=20.0)
    plugin.learn(fan(2 * SR, seed=10).astype(np.float32), SR)
    noise = fan(n, seed=20)
    speech = np.where(np.arange(n) >= 2 * SR, speech_like(n, SR, seed=4), 0.0)
    y = plugin((noise + speech).astype(np.float32), SR).astype(np.float64)
    fan_only, talking = slice(0, 2 * SR), slice(2 * SR, None)
    assert level_db(y[fan_only]) < level_db(noise[fan_only]) - 10.0
    # "mostly": the fan's brown noise sits right on the voice's 100-300 Hz fundamentals (input
    # SNR 6.6 dB), where weak speech partials fall under the floor; 2.9 dB (SpectralSubtraction)
    # and 4.7 dB (WienerDenoiser) are lost at the default settings.
    assert speech_kept_db(y[talking], speech[talking]) > -6.0


@pytest.mark.parametrize("cls", DENOISERS)
def test_learn_rejects_silence_and_clips_shorter_than_a_frame(cls):
    plugin = cls()
    with pytest.raises(ValueError, match="silent"):
        plugin.learn(np.zeros(SR, np.float32), SR)
    with pytest.raises(ValueError, match="at least one frame"):
        plugin.learn(white(500, 0.1, seed=5).astype(np.float32), SR)


@pytest.mark.parametrize("cls", DENOISERS)
def test_profile_learned_at_44100_works_at_48000(cls):
    plugin = cls(reduction_db=12.0)
    plugin.learn(white(44100 * 2, 0.05, seed=6).astype(np.float32), 44100)
    x = white(2 * SR, 0.05, seed=7).astype(np.float32)
    y = plugin(x, SR)
    assert abs(level_db(y) - level_db(x) + 12.0) < 3.0


@pytest.mark.parametrize("cls", DENOISERS)
def test_frozen_mode_stops_tracking_a_noise_change(cls):
    n = 3 * SR
    quiet, loud = white(n, 0.01, seed=8), white(n, 0.1, seed=9)  # +20 dB after freezing
    outputs = {}
    for mode in ("adaptive", "frozen"):
        plugin = cls(reduction_db=20.0)
        plugin.process(quiet.astype(np.float32), SR, reset=False)
        plugin.mode = mode
        outputs[mode] = plugin.process(loud.astype(np.float32), SR, reset=False)[2 * SR:]
    assert level_db(outputs["adaptive"]) < level_db(loud) - 14.0  # tracked: near -20 dB again
    assert level_db(outputs["frozen"]) > level_db(loud) - 3.0  # not tracked: passes as "signal"


@pytest.mark.parametrize("cls", DENOISERS)
def test_switching_to_learned_mid_stream_uses_the_profile_learned_before(cls):
    """learn() once, go on adaptively, switch mode to 'learned' mid-stream (a host automating
    the mode): the learned profile applies from there (it once raised 'needs a profile')."""
    plugin = cls(reduction_db=20.0)
    plugin.learn(white(SR, 0.01, seed=12).astype(np.float32), SR)  # a quiet noise
    plugin.mode = "adaptive"
    loud = white(4 * SR, 0.1, seed=13).astype(np.float32)  # 20 dB louder than the profile
    tracked = plugin.process(loud[: 3 * SR], SR, reset=False)[2 * SR:]
    plugin.mode = "learned"
    learned = plugin.process(loud[3 * SR:], SR, reset=False)[SR // 2:]
    assert level_db(tracked) < level_db(loud) - 14.0  # adaptive: the loud noise is the noise
    assert level_db(learned) > level_db(loud) - 3.0  # learned: 20 dB over the profile, it passes


CHANGES = {
    SpectralSubtraction: [("over_subtraction", 1.0, 6.0), ("exponent", "power", "magnitude")],
    WienerDenoiser: [("method", "wiener", "log-mmse"), ("method", "log-mmse", "mmse-stsa")],
    SubspaceDenoiser: [("sensitivity_db", -12.0, 12.0), ("mode", "adaptive", "frozen")],
}


@pytest.mark.parametrize("cls", DENOISERS)
@pytest.mark.parametrize("which", [0, 1, 2])
def test_parameter_changes_mid_stream_do_not_click(cls, which):
    n = 2 * SR
    t = np.arange(n) / SR
    x = (0.5 * np.sin(2 * np.pi * 220 * t) + white(n, 0.01, seed=11)).astype(np.float32)
    name, before, after = CHANGES[cls][which] if which < 2 else ("reduction_db", 3.0, 40.0)
    plugin = cls(**{name: before})
    first = plugin.process(x[:SR], SR, reset=False)
    setattr(plugin, name, after)
    y = np.concatenate([first, plugin.process(x[SR:], SR, reset=False)])
    around = slice(SR - 4096, SR + 4096)
    assert np.abs(np.diff(y[around])).max() < 1.5 * np.abs(np.diff(x)).max()
