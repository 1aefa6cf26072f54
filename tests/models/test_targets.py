"""Training targets on cases with known answers (models/targets.py, models/heads.py)."""
from __future__ import annotations

import pytest
import torch

from hushboard.models import targets
from hushboard.models.filterbank import Stft
from hushboard.models.heads import HEADS


def spectra(seed: int = 0, noise_level: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    stft = Stft()
    clean = stft.stft(torch.randn(2, 4800, generator=gen))
    noisy = clean + noise_level * stft.stft(torch.randn(2, 4800, generator=gen))
    return clean, noisy


def test_ratio_and_magnitude_masks_are_one_without_noise():
    clean, _ = spectra()
    for mask in (targets.ideal_ratio_mask, targets.spectral_magnitude_mask, targets.phase_sensitive_mask):
        assert torch.allclose(mask(clean, clean), torch.ones_like(clean.real), atol=1e-4), mask.__name__
    assert bool((targets.ideal_binary_mask(clean, clean) == 1).all())


def test_ibm_thresholds_local_snr():
    clean = torch.tensor([1.0 + 0j, 1.0 + 0j, 1.0 + 0j])
    noisy = clean + torch.tensor([0.1 + 0j, 1.0 + 0j, 2.0 + 0j])  # local SNR +20, 0, -6 dB
    assert targets.ideal_binary_mask(clean, noisy).tolist() == [1.0, 0.0, 0.0]
    assert targets.ideal_binary_mask(clean, noisy, threshold_db=-10).tolist() == [1.0, 1.0, 1.0]
    assert targets.ideal_binary_mask(clean, noisy, threshold_db=25).tolist() == [0.0, 0.0, 0.0]


def test_irm_of_equal_powers_is_sqrt_half():
    clean = torch.tensor([1.0 + 0j])
    noisy = clean + torch.tensor([1j])  # |N| = |S|
    assert targets.ideal_ratio_mask(clean, noisy).item() == pytest.approx(0.5 ** 0.5, abs=1e-6)


def test_psm_is_truncated_and_smm_is_not():
    clean = torch.tensor([1.0 + 0j])
    noisy = torch.tensor([-0.5 + 0j])  # noise flips the bin: cos = -1, |S|/|Y| = 2
    assert targets.phase_sensitive_mask(clean, noisy).item() == 0.0
    assert targets.phase_sensitive_mask(clean, noisy, truncate=False).item() == pytest.approx(-2.0)
    assert targets.spectral_magnitude_mask(clean, noisy).item() == pytest.approx(2.0)


def test_cirm_applied_to_noisy_gives_clean_and_compression_inverts():
    clean, noisy = spectra(1)
    mask = targets.complex_ideal_ratio_mask(clean, noisy)
    assert torch.allclose(mask * noisy, clean, atol=1e-3)
    squashed = targets.compress_cirm(mask)
    assert squashed.real.abs().max() < targets.CIRM_K
    small = mask * (mask.abs() < 50)  # atanh's limit bounds what the compression can express
    back = targets.uncompress_cirm(targets.compress_cirm(small))
    assert torch.allclose(back, small, atol=1e-2)


def test_compressed_complex_spectrum_round_trips():
    clean, _ = spectra(2)
    compressed = targets.compressed_complex_spectrum(clean)
    assert torch.allclose(targets.uncompress_complex_spectrum(compressed), clean, atol=1e-3)
    assert torch.allclose(targets.magnitude_spectrum(clean), clean.abs())


@pytest.mark.parametrize("name", ["ibm", "irm", "psm", "smm", "cirm", "magnitude", "complex"])
def test_heads_reference_has_the_decoded_quantity_shape(name):
    from hushboard.models.denoiser import Denoiser

    clean, noisy = spectra(3)
    model = Denoiser({"name": "log_magnitude"}, {"name": "dnn", "hidden": 16, "layers": 1}, name)
    _, quantity, enhanced, _ = model(torch.view_as_real(noisy), model.initial_state(2))
    assert quantity.shape == HEADS.get(name).reference(clean, noisy).shape
    assert enhanced.shape == torch.view_as_real(noisy).shape
