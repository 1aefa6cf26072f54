"""Losses on known cases (models/losses.py)."""
from __future__ import annotations

import pytest
import torch

from hushboard.models import losses


def signal(seed: int = 0, n: int = 48000) -> torch.Tensor:
    return torch.randn(2, n, generator=torch.Generator().manual_seed(seed))


def test_si_sdr_ignores_scale_and_sdr_does_not():
    s = signal()
    assert bool((losses.si_sdr_db(0.3 * s, s) > 80).all())
    assert losses.sdr_db(0.5 * s, s).mean().item() == pytest.approx(6.02, abs=0.05)


def test_si_sdr_against_10_db_white_noise():
    s = signal()
    noise = signal(1) * 10 ** (-10 / 20)
    assert losses.si_sdr_db(s + noise, s).mean().item() == pytest.approx(10.0, abs=0.3)
    assert losses.neg_si_sdr(s + noise, s).item() == pytest.approx(-10.0, abs=0.3)


def test_mse_and_log_mse_known_values():
    a = torch.ones(3, 4)
    assert losses.mse(2 * a, a).item() == pytest.approx(1.0)
    assert losses.mse(torch.complex(a, a), torch.complex(a, 0 * a)).item() == pytest.approx(1.0)
    assert losses.log_mse(10 * a, a).item() == pytest.approx(4.0, rel=1e-4)  # (2 decades of power)^2


def test_multi_resolution_stft_zero_for_identical_and_grows_with_noise():
    s = signal(n=9600)
    assert losses.multi_resolution_stft(s, s).item() == pytest.approx(0.0, abs=1e-6)
    little = losses.multi_resolution_stft(s + 0.01 * signal(1, 9600), s).item()
    lots = losses.multi_resolution_stft(s + 1.0 * signal(1, 9600), s).item()
    assert 0 < little < lots


def test_registry_lists_names_and_domains():
    assert list(losses.LOSSES) == ["mse", "log_mse", "sdr", "si_sdr", "multi_resolution_stft"]
    assert losses.get_loss("si_sdr").domain == "waveform"
    with pytest.raises(KeyError, match="known"):
        losses.get_loss("sisdr")
