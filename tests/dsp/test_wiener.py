"""Gain rules of hushboard.dsp.wiener: closed forms, limits, orderings, and no NaN ever."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special

from hushboard.dsp import wiener

XI = np.logspace(-3, 3, 25)[:, None]  # -30..30 dB
GAMMA = np.logspace(-3, 3, 25)[None, :]


def args(xi=XI, gamma=GAMMA):
    xi, gamma = np.broadcast_arrays(xi, gamma)
    return xi, gamma, xi / (1 + xi) * gamma


def test_mmse_stsa_matches_the_unscaled_bessel_formula():
    xi, gamma, v = args(XI[5:20], GAMMA[:, 5:20])  # moderate v: I0/I1 do not overflow there
    direct = np.sqrt(np.pi) / 2 * np.sqrt(v) / gamma * np.exp(-v / 2) * (
        (1 + v) * special.i0(v / 2) + v * special.i1(v / 2))
    assert np.allclose(wiener.mmse_stsa_gain(xi, gamma, v), direct, rtol=1e-10)


def test_log_mmse_matches_the_integral_definition():
    for xi, gamma in [(0.1, 2.0), (1.0, 1.0), (10.0, 20.0)]:
        v = xi / (1 + xi) * gamma
        e1 = integrate.quad(lambda t: np.exp(-t) / t, v, np.inf)[0]
        expected = xi / (1 + xi) * np.exp(0.5 * e1)
        assert wiener.log_mmse_gain(np.array(xi), np.array(gamma), np.array(v)) == pytest.approx(expected)


def test_half_e1_lookup_follows_the_exponential_integral_beyond_the_grid_too():
    v = np.logspace(-10, 3, 4001)  # the grid spans 1e-10 .. e^4.5 = 90; above it E1 < 1e-39
    assert np.abs(wiener.half_e1(v) - 0.5 * special.exp1(v)).max() < 1e-6
    inside = v[v < np.exp(4.5)]
    np.testing.assert_allclose(wiener.half_e1(inside), np.interp(
        np.log(inside), wiener._LOG_V_GRID, wiener._HALF_E1_TABLE), rtol=0, atol=1e-11)
    assert wiener.half_e1(np.array(wiener.V_MIN)) == pytest.approx(0.5 * special.exp1(wiener.V_MIN))


def test_statistical_gains_tend_to_wiener_at_high_snr():
    xi, gamma, v = args(np.array([[1e3]]), np.array([[1e3]]))
    for rule in ("mmse-stsa", "log-mmse"):
        assert wiener.GAIN_RULES[rule](xi, gamma, v) == pytest.approx(xi / (1 + xi), rel=1e-3)


def test_log_mmse_never_exceeds_mmse_stsa():
    """The LSA estimator is the more conservative one (Ephraim & Malah 1985)."""
    xi, gamma, v = args()
    assert (wiener.log_mmse_gain(xi, gamma, v) <= wiener.mmse_stsa_gain(xi, gamma, v) + 1e-12).all()


@pytest.mark.parametrize("method", sorted(wiener.GAIN_RULES))
def test_frame_gains_are_finite_and_in_unit_range_for_extreme_inputs(method):
    state = wiener.init_state(2, 513, 48000, 512, {})
    rng = np.random.default_rng(0)
    values = {"method": method, "reduction_db": 40.0}
    for power in (np.zeros((2, 513)), np.full((2, 513), 1e20), rng.exponential(1.0, (2, 513)),
                  np.zeros((2, 513))):
        for override in (None, np.zeros((2, 513)), np.full((2, 513), 1.0)):
            gain = wiener.process_frame(state, power, override, 1.0, 1.0, values)
            assert np.isfinite(gain).all() and (gain >= 0).all() and (gain <= 1).all()
