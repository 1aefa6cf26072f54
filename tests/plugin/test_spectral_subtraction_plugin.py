"""SpectralSubtraction: SI-SDR improves on speech-like audio, and over-subtraction removes more."""
from __future__ import annotations

import numpy as np
import pytest

from hushboard.plugin.spectral_subtraction import SpectralSubtraction
from tests.plugin.test_wiener_denoiser import SR, noisy_speech, si_sdr_db


@pytest.mark.parametrize("exponent", ["power", "magnitude"])
def test_si_sdr_improves_at_5_db(exponent):
    speech, noisy = noisy_speech(5.0)
    y = SpectralSubtraction(exponent=exponent)(noisy.astype(np.float32), SR).astype(np.float64)
    settled = slice(2 * SR, None)  # after minimum statistics' first window
    assert si_sdr_db(y[settled], speech[settled]) > si_sdr_db(noisy[settled], speech[settled]) + 3.0


def test_more_over_subtraction_leaves_less_residual_noise():
    noise = np.random.default_rng(0).normal(0, 0.05, 3 * SR).astype(np.float32)
    levels = [np.mean(SpectralSubtraction(over_subtraction=a, reduction_db=30)(noise, SR)[SR:] ** 2)
              for a in (1.0, 3.0, 6.0)]
    assert levels[0] > levels[1] > levels[2]
