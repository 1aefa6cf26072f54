"""Losses on known cases (models/losses.py)."""
from __future__ import annotations

import pytest
import torch

from hushboard.models import losses


def signal(seed: int = 0, n: int = 48000) -> torch.Tensor:
    return torch.randn(2, n, generator=torch.Generator().manual_seed(seed))


def spectrum(seed: int) -> torch.Tensor:
    """A random complex spectrum ``(2 clips, 40 frames, 100 bins)``."""
    return torch.complex(signal(seed, 4000), signal(seed + 1, 4000)).reshape(2, 40, 100)


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


def test_noise_residual_is_noise_kept_minus_target_kept_in_db_down_to_its_floor():
    clean, noise = spectrum(0), spectrum(2)
    ones = torch.ones(2, 40, 100)
    assert losses.noise_residual(ones, clean, noise).item() == pytest.approx(0.0, abs=1e-5)
    assert losses.noise_residual(0.1 * ones, clean, noise).item() == pytest.approx(0.0, abs=1e-4)  # level
    # the target in the first half of the bins, the noise in the other half
    clean[..., 50:], noise[..., :50] = 0, 0
    split = torch.cat([torch.ones(2, 40, 50), torch.full((2, 40, 50), 0.5)], dim=-1)
    assert losses.noise_residual(split, clean, noise).item() == pytest.approx(-6.02, abs=0.01)
    assert losses.noise_residual(0.3 * split, clean, noise).item() == pytest.approx(-6.02, abs=0.01)
    deep = torch.cat([torch.ones(2, 40, 50), torch.full((2, 40, 50), 0.01)], dim=-1)
    assert losses.noise_residual(deep, clean, noise).item() == pytest.approx(-20.0, abs=1e-5)  # floor
    mixed = split.clone()
    mixed[1] = 1.0  # one clip separated by 6 dB, one not: the batch mean
    assert losses.noise_residual(mixed, clean, noise).item() == pytest.approx(-3.01, abs=0.01)
    mask = split.clone().requires_grad_()
    losses.noise_residual(mask, clean, noise).backward()
    assert bool((mask.grad[..., 50:] > 0).all()) and bool((mask.grad[..., :50] < 0).all())


def test_psm_fit_is_zero_at_the_ideal_mask_and_grows_with_the_distance_to_it():
    clean, noise = spectrum(0), spectrum(2)
    clean[..., 50:], noise[..., :50] = 0, 0  # target in the first half of the bins, noise in the rest
    ideal = torch.cat([torch.ones(2, 40, 50), torch.zeros(2, 40, 50)], dim=-1)
    assert losses.psm_fit(ideal, clean, noise).item() == pytest.approx(0.0, abs=1e-6)
    assert losses.psm_fit(torch.ones(2, 40, 100), clean, noise).item() == pytest.approx(0.5, abs=1e-6)
    half = torch.full((2, 40, 100), 0.5)
    assert losses.psm_fit(half, clean, noise).item() == pytest.approx(0.25, abs=1e-6)
    # noise in antiphase with the target: the PSM (2 and -1 here) is truncated to [0, 1]
    clean2 = spectrum(4)
    assert losses.psm_fit(torch.ones(2, 40, 100), clean2, -0.5 * clean2).item() == pytest.approx(0.0, abs=1e-6)
    assert losses.psm_fit(torch.zeros(2, 40, 100), clean2, -2.0 * clean2).item() == pytest.approx(0.0, abs=1e-6)
    mask = half.clone().requires_grad_()
    losses.psm_fit(mask, clean, noise).backward()
    assert bool((mask.grad[..., :50] < 0).all()) and bool((mask.grad[..., 50:] > 0).all())


def test_registry_lists_names_and_domains():
    assert list(losses.LOSSES) == ["mse", "log_mse", "sdr", "si_sdr", "multi_resolution_stft",
                                   "noise_residual", "psm_fit"]
    assert losses.get_loss("si_sdr").domain == "waveform"
    assert losses.get_loss("noise_residual").domain == "mask"
    assert losses.get_loss("psm_fit").domain == "mask"
    with pytest.raises(KeyError, match="known"):
        losses.get_loss("sisdr")
