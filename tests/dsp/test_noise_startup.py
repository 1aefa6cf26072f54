"""Start-up noise limit: unbiased on noise (before its margin), and a stream that opens on a
voice keeps more of it."""
from __future__ import annotations

import numpy as np
import pytest

import hushboard
from hushboard.dsp import noise_startup
from hushboard.dsp.stft import StreamingStft

SR = 48000
HOP_S = 512 / SR


def test_limit_is_unbiased_on_white_noise_at_every_frame_count():
    stft = StreamingStft(1024, 512)
    rng = np.random.default_rng(3)
    frames = np.abs(stft.frames(stft.init_state(16), rng.standard_normal((16, SR)))) ** 2
    truth = (np.abs(stft.frames(stft.init_state(1), rng.standard_normal((1, 20 * SR)))[:, 1:]) ** 2).mean()
    state = noise_startup.init_state(HOP_S)
    for count, frame in enumerate(frames[:, 1:40].transpose(1, 0, 2), start=1):  # skip the half-empty first
        noise_startup.observe(state, frame, 1.0)
        level_db = 10 * np.log10(state.limit[:, 10:500].mean() / noise_startup.MARGIN / truth)
        assert abs(level_db) < 0.5, (count, level_db)


def test_rate_zero_changes_nothing_and_the_limit_ends_after_the_startup():
    state = noise_startup.init_state(HOP_S)
    rng = np.random.default_rng(0)
    tracked = np.full((1, 64), 10.0)
    first = noise_startup.limit(state, rng.exponential(1.0, (1, 64)), tracked, 1.0).copy()
    assert np.all(first < tracked)  # the voice-free noise floor limits a tracker that is far too high
    held = noise_startup.limit(state, 100.0 * rng.exponential(1.0, (1, 64)), tracked, 0.0)
    np.testing.assert_array_equal(held, first)
    for _ in range(int(noise_startup.STARTUP_S / HOP_S) + 1):
        out = noise_startup.limit(state, rng.exponential(1.0, (1, 64)), tracked, 1.0)
    assert out is tracked


def voice_in_white_noise(seconds: float = 1.0, snr_db: float = 15.0) -> tuple[np.ndarray, np.ndarray]:
    """A vibrato voice (f0 140 +- 20 Hz, 29 harmonics) from the first sample, and the noise."""
    t = np.arange(int(seconds * SR)) / SR
    phase = 2 * np.pi * np.cumsum(140 + 20 * np.sin(2 * np.pi * 2 * t)) / SR
    voice = sum(np.sin(k * phase) / k for k in range(1, 30))
    noise = np.random.default_rng(0).standard_normal(t.size)
    return voice * np.sqrt(10 ** (snr_db / 10) / np.mean(voice ** 2)), noise


@pytest.mark.parametrize("name", ["SpectralSubtraction", "WienerDenoiser", "NoiseSuppressor"])
def test_a_stream_that_opens_on_a_voice_keeps_more_of_it(name, monkeypatch):
    voice, noise = voice_in_white_noise()
    half = SR // 2

    def error_db() -> float:  # the first half second's error, relative to the voice
        out = hushboard.available_plugins()[name]()((voice + noise).astype(np.float32), SR)
        return 10 * np.log10(np.sum((out[:half] - voice[:half]) ** 2) / np.sum(voice[:half] ** 2))

    limited = error_db()
    monkeypatch.setattr(noise_startup, "STARTUP_S", 1e-9)  # the tracker alone from the first frame
    assert limited < error_db() - 0.5
