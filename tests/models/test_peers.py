"""Peer adapters on a one-second clip: same length, float32, aligned, noise reduced.

Each peer is skipped, with the reason, when its package is not installed (the bench extra).
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from hushboard.models import noises, peers
from tests.conftest import speech_like

SR = 48000


@pytest.fixture(scope="module")
def clip():
    clean = speech_like(SR, SR, seed=3)
    noise = noises.white(SR, SR, np.random.default_rng(5)) * np.std(clean) * 10 ** (-10 / 20)
    return clean, noise


@pytest.fixture(params=list(peers.PEERS))
def peer(request):
    adapter = peers.PEERS[request.param]
    ok, reason = adapter.available()
    if not ok:
        pytest.skip(reason)
    return adapter


def test_peer_output_is_same_length_aligned_float32(peer, clip):
    clean, noise = clip
    out = peer.process((clean + noise).astype(np.float32))
    assert out.dtype == np.float32 and out.shape == (SR,) and np.isfinite(out).all()
    corr = signal.correlate(out.astype(float), clean, mode="full")
    zero = clean.size - 1
    lag = int(np.argmax(corr[zero - 480: zero + 481])) - 480
    assert abs(lag) <= 3  # within 0.06 ms of the input (10 ms searched either way)


def test_peer_reduces_white_noise(peer, clip):
    _, noise = clip
    out = peer.process(noise.astype(np.float32)).astype(float)
    assert 10 * np.log10(np.mean(noise ** 2) / np.mean(out ** 2)) > 2.0


def test_logmmse_leaves_numpy_error_settings_alone():
    adapter = peers.PEERS["logmmse"]
    before = np.geterr()
    ok, reason = adapter.available()
    if not ok:
        pytest.skip(reason)
    adapter.process(np.zeros(SR // 2, np.float32) + 1e-4)
    assert np.geterr() == before


def test_unavailable_peer_reports_why(monkeypatch):
    class Missing(peers.Peer):
        name, modules, pip = "missing", ("no_such_module_hushboard",), "no-such-package"

    ok, reason = Missing().available()
    assert not ok and "no-such-package" in reason


def test_fit_length_and_lag():
    x = np.arange(10, dtype=np.float64)
    assert np.array_equal(peers.fit_length(x, 8, lag=3), np.array([3, 4, 5, 6, 7, 8, 9, 0], np.float32))
    probe = peers.calibration_clip(1.0)
    delayed = np.concatenate([np.zeros(123), probe])[: probe.size]
    assert peers.best_lag(delayed.astype(float), probe.astype(float)) == 123


def test_full_band_webrtc_gain_is_the_mean_6_to_8_khz_gain_of_the_core():
    rng = np.random.default_rng(2)
    low = rng.standard_normal(16000)
    gains = peers.WebRtcFullBand.upper_band_gains(low, low)
    assert gains.shape == (100,) and np.allclose(gains, 1.0, atol=1e-6)
    from scipy import signal as sig

    sos = sig.butter(8, 6000, "lowpass", fs=16000, output="sos")  # the core kept nothing at 6-8 kHz
    half = np.concatenate([0.5 * low[:8000], sig.sosfiltfilt(sos, low[8000:])])
    gains = peers.WebRtcFullBand.upper_band_gains(low, half)
    assert np.allclose(gains[5:45], 0.5, atol=0.01)  # frames wholly inside the first half
    assert gains[55:95].max() < 0.2  # 6-8 kHz removed (the filter's skirt leaves a little)


def test_full_band_webrtc_scales_the_upper_band_instead_of_deleting_it():
    full, core = peers.PEERS["webrtc-noise-gain-fullband"], peers.PEERS["webrtc-noise-gain"]
    ok, reason = full.available()
    if not ok:
        pytest.skip(reason)
    noise = noises.white(2 * SR, SR, np.random.default_rng(7)) * 0.03
    deleted = metrics_band_db(noise, core.process(noise.astype(np.float32)), 8000, 24000)
    assert deleted > 30  # the 16 kHz core alone: nothing comes back above 8 kHz
    out = full.process(noise.astype(np.float32))
    upper = metrics_band_db(noise, out, 8000, 24000)
    top_of_core = metrics_band_db(noise, out, 6000, 7500)
    assert 3.0 < upper < 30.0 and abs(upper - top_of_core) < 3.0  # one gain, the core's own
    np.testing.assert_allclose(metrics_band_db(noise, out, 1000, 6000),
                               metrics_band_db(noise, core.process(noise.astype(np.float32)), 1000, 6000),
                               atol=0.1)  # below 8 kHz it is the core


def metrics_band_db(before: np.ndarray, after: np.ndarray, low_hz: float, high_hz: float) -> float:
    from hushboard.models.metrics import noise_attenuation_db

    return noise_attenuation_db(before, after, SR, low_hz=low_hz, high_hz=high_hz)
