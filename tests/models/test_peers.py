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
