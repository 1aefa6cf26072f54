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
        pieces.append(subspace.process_block(state, x[:, pos:pos + size], geometry, sample_rate,
                                              subspace.Controls(1.0)))
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
    filters = subspace.tdc_filters(windows, state, geometry, sample_rate, subspace.Controls(floor=0.1))
    # H = L U diag(g) U^T L^-1 is similar to diag(g): its eigenvalues are g (real; H is not
    # symmetric under the coloured-noise model, so not eigvalsh)
    gains = np.sort(np.linalg.eigvals(filters[0, -1]).real)
    assert np.sum(gains > 0.9) == 2  # a real sinusoid spans two eigen-dimensions
    # the noise subspace sits at the floor (window leakage of the tone lifts a few more)
    assert np.sum(np.isclose(gains, 0.1, atol=1e-6)) >= geometry.vector // 2


def pink_noise(n: int, sample_rate: float, seed: int) -> np.ndarray:
    """Unit-variance noise with a 1/f power spectrum (flat below 20 Hz)."""
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.fft.rfftfreq(n, 1 / sample_rate), 20.0))
    x = np.fft.irfft(spectrum, n)
    return x / x.std()


def test_tracked_noise_covariance_matches_pink_noise():
    sample_rate = 48000
    geometry = subspace.Geometry.at(sample_rate)
    x = pink_noise(4 * sample_rate, sample_rate, 2)[None]
    windows = np.lib.stride_tricks.sliding_window_view(x, geometry.window, axis=1)[:, ::geometry.hop]
    state = subspace.init_state(geometry, 1)
    periodogram = subspace.periodograms(windows, geometry)
    levels = subspace.track_noise(state, periodogram, geometry, sample_rate)
    tracked = subspace.noise_covariances(levels, state, geometry)[0, -1]
    measured = subspace.covariances(windows, geometry).mean(axis=(0, 1))  # the average over 4 s
    # whitening with the tracked R_n leaves the noise white: R_n^-1/2 R R_n^-T/2 close to I
    lower = np.linalg.cholesky(tracked)
    inverse = np.linalg.inv(lower)
    eigenvalues = np.linalg.eigvalsh(inverse @ measured @ inverse.T)
    assert 0.75 < eigenvalues.min() and eigenvalues.max() < 1.35  # measured: 0.95 .. 1.14
    assert abs(10 * np.log10(np.trace(tracked) / np.trace(measured))) < 1.0  # measured: -0.24 dB
