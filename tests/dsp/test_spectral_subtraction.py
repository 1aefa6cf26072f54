"""Gain rule of hushboard.dsp.spectral_subtraction: Boll/Berouti forms and the alpha(SNR) rule."""
from __future__ import annotations

import numpy as np
import pytest

from hushboard.dsp import spectral_subtraction as ss


def test_power_and_magnitude_subtraction_formulas():
    power = np.array([[1.0, 4.0, 16.0, 100.0]])
    noise = np.ones_like(power)
    alpha = np.array([[2.0]])
    assert np.allclose(ss.subtraction_gain(power, noise, alpha, 2.0),
                       np.sqrt(np.maximum(1 - 2 / power, 0)))
    assert np.allclose(ss.subtraction_gain(power, noise, alpha, 1.0),
                       np.maximum(1 - 2 / np.sqrt(power), 0))


def test_over_subtraction_follows_berouti_between_minus_5_and_20_db():
    noise = np.ones((1, 100))
    for snr_db, expected in [(-30.0, 4.75), (0.0, 4.0), (10.0, 2.5), (40.0, 1.0)]:
        power = noise * (1 + 10 ** (snr_db / 10))
        assert ss.over_subtraction(4.0, power, noise)[0, 0] == pytest.approx(expected)
    assert ss.over_subtraction(1.0, 1e3 * noise, noise)[0, 0] == 1.0  # never below plain subtraction


def test_frame_gains_are_finite_and_in_unit_range():
    state = ss.init_state(1, 513, 48000, 512, {})
    for exponent in ss.EXPONENTS:
        values = {"over_subtraction": 6.0, "exponent": exponent}
        for power in (np.zeros((1, 513)), np.full((1, 513), 1e20), np.zeros((1, 513))):
            gain = ss.process_frame(state, power, None, 1.0, 1.0, values)
            assert np.isfinite(gain).all() and (gain >= 0).all() and (gain <= 1).all()
