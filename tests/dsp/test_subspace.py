"""Subspace framing: exact reconstruction at unity gain, the stated latency, TDC gains."""
from __future__ import annotations

import numpy as np
import pytest

from hushboard.dsp import subspace


@pytest.mark.parametrize("sample_rate", [44100, 48000])
def test_unity_floor_is_a_pure_delay_whatever_the_blocks(sample_rate):
    geometry = subspace.Geometry.at(sample_rate)
    x = np.random.default_rng(0).standard_normal((2, 20000))
    state = subspace.init_state(geometry, 2)
    pieces, pos = [], 0
    for size in [1, 700, 3, 5000, 65, 14231]:
        pieces.append(subspace.process_block(state, x[:, pos:pos + size], geometry, sample_rate, 1.0))
        pos += size
    y = np.concatenate(pieces, axis=1)
    delay = geometry.latency
    assert y.shape == x.shape
    np.testing.assert_allclose(y[:, delay:], x[:, :-delay], atol=1e-9)
    assert np.all(y[:, :delay] == 0.0)


def test_tdc_gains_keep_a_tone_subspace_and_floor_the_rest():
    sample_rate = 48000
    geometry = subspace.Geometry.at(sample_rate)
    rng = np.random.default_rng(1)
    t = np.arange(geometry.window * 40) / sample_rate
    x = (np.sin(2 * np.pi * 1000 * t) + 0.1 * rng.standard_normal(t.size))[None]
    windows = np.lib.stride_tricks.sliding_window_view(x, geometry.window, axis=1)[:, ::geometry.hop]
    state = subspace.init_state(geometry, 1)
    filters = subspace.tdc_filters(windows, state, geometry, sample_rate, floor=0.1)
    gains = np.linalg.eigvalsh(filters[0, -1])  # H = U diag(g) U^T: its eigenvalues are g
    assert np.sum(gains > 0.9) == 2  # a real sinusoid spans two eigen-dimensions
    # the noise subspace sits at the floor (window leakage of the tone lifts a few more)
    assert np.sum(np.isclose(gains, 0.1, atol=1e-6)) >= geometry.vector // 2
