"""Training targets of the reference article, as small pure functions named after the quantity.

Every function takes complex STFT spectra ``clean`` (S) and ``noisy`` (Y) of the same shape
(conventionally ``(batch, frames, bins)`` complex64, but any shape works) and returns a tensor of
that shape; the noise is ``N = Y - S`` (additive model). ``eps`` keeps divisions finite in silent
bins and is stated per function. Masks multiply ``Y`` to give the estimate of ``S``.

Masks
    - ``ideal_binary_mask``: 1 where the local SNR ``|S|^2 / |N|^2`` exceeds a threshold
      (Wang, "On ideal binary mask as the computational goal of auditory scene analysis", 2005).
    - ``ideal_ratio_mask``: ``(|S|^2 / (|S|^2 + |N|^2))^beta``, beta = 0.5 (Wang, Narayanan &
      Wang, "On training targets for supervised speech separation", IEEE/ACM TASLP 22(12), 2014).
    - ``spectral_magnitude_mask``: ``|S| / |Y|`` (same reference), unbounded above.
    - ``phase_sensitive_mask``: ``|S| / |Y| cos(theta_S - theta_Y) = Re(S Y*) / |Y|^2`` (Erdogan,
      Hershey, Watanabe & Le Roux, "Phase-sensitive and recognition-boosted speech separation
      using deep recurrent neural networks", ICASSP 2015), usually truncated to [0, 1].
    - ``complex_ideal_ratio_mask``: ``S / Y`` (complex), and its hyperbolic-tangent compression
      ``K (1 - e^{-C M}) / (1 + e^{-C M})`` per real/imaginary part with K = 10, C = 0.1
      (Williamson, Wang & Wang, "Complex ratio masking for monaural speech separation",
      IEEE/ACM TASLP 24(3), 2016).

Mapping targets
    - ``magnitude_spectrum``: ``|S|`` (Xu, Du, Dai & Lee, "A regression approach to speech
      enhancement based on deep neural networks", IEEE/ACM TASLP 23(1), 2015).
    - ``compressed_complex_spectrum``: ``|S|^p e^{j theta_S}`` with p = 0.3, complex mapping with
      the power-law compression of Braun & Tashev ("A consolidated view of loss functions for
      supervised deep learning-based speech enhancement", TSP 2021, arXiv:2009.12286).
    - the waveform target is the clean signal itself (no function needed).
"""
from __future__ import annotations


import torch

MASK_EPS = 1e-8  # on |Y|^2 (power of a float32 STFT bin): far below any audible bin's power
CIRM_K = 10.0  # Williamson et al. 2016: compressed range (-K, K)
CIRM_C = 0.1  # Williamson et al. 2016: steepness
COMPRESSION_POWER = 0.3  # Braun & Tashev 2021: magnitude exponent of compressed spectra


def _power(x: torch.Tensor) -> torch.Tensor:
    return x.real ** 2 + x.imag ** 2


def ideal_binary_mask(clean: torch.Tensor, noisy: torch.Tensor, threshold_db: float = 0.0) -> torch.Tensor:
    """1.0 where ``10 log10(|S|^2 / |N|^2) > threshold_db``, else 0.0 (a tie counts as 0).

    Compared as ``|S|^2 > 10^(threshold/10) |N|^2``, so no eps is needed; a bin with no noise
    and some speech is 1, a silent bin (S = N = 0) is 0.
    """
    noise = noisy - clean
    return (_power(clean) > 10.0 ** (threshold_db / 10.0) * _power(noise)).to(torch.float32)


def ideal_ratio_mask(clean: torch.Tensor, noisy: torch.Tensor, beta: float = 0.5,
                     eps: float = MASK_EPS) -> torch.Tensor:
    """``(|S|^2 / (|S|^2 + |N|^2 + eps))^beta`` in [0, 1]; 1 when ``noisy == clean`` (non-silent)."""
    speech, noise = _power(clean), _power(noisy - clean)
    return (speech / (speech + noise + eps)) ** beta


def spectral_magnitude_mask(clean: torch.Tensor, noisy: torch.Tensor, eps: float = MASK_EPS) -> torch.Tensor:
    """``|S| / sqrt(|Y|^2 + eps)`` >= 0 (exceeds 1 where noise cancels speech)."""
    return torch.abs(clean) / torch.sqrt(_power(noisy) + eps)


def phase_sensitive_mask(clean: torch.Tensor, noisy: torch.Tensor, truncate: bool = True,
                         eps: float = MASK_EPS) -> torch.Tensor:
    """``Re(S Y*) / (|Y|^2 + eps)``, clamped to [0, 1] when ``truncate`` (Erdogan et al. 2015)."""
    mask = (clean * noisy.conj()).real / (_power(noisy) + eps)
    return mask.clamp(0.0, 1.0) if truncate else mask


def complex_ideal_ratio_mask(clean: torch.Tensor, noisy: torch.Tensor, eps: float = MASK_EPS) -> torch.Tensor:
    """Complex ``S Y* / (|Y|^2 + eps)``, so that ``mask * Y == S`` up to ``eps``."""
    return clean * noisy.conj() / (_power(noisy) + eps)


def compress_cirm(mask: torch.Tensor, k: float = CIRM_K, c: float = CIRM_C) -> torch.Tensor:
    """Williamson's compression per part: ``K tanh(C M / 2)`` (== ``K (1-e^-CM)/(1+e^-CM)``)."""
    return torch.complex(k * torch.tanh(c * mask.real / 2), k * torch.tanh(c * mask.imag / 2))


def uncompress_cirm(compressed: torch.Tensor, k: float = CIRM_K, c: float = CIRM_C,
                    limit: float = 0.9999) -> torch.Tensor:
    """Inverse of :func:`compress_cirm`: ``(2 / C) atanh(O / K)``, with ``|O / K| <= limit``."""
    def part(x: torch.Tensor) -> torch.Tensor:
        return (2.0 / c) * torch.atanh((x / k).clamp(-limit, limit))
    return torch.complex(part(compressed.real), part(compressed.imag))


def magnitude_spectrum(clean: torch.Tensor) -> torch.Tensor:
    """``|S|``: the magnitude-mapping target."""
    return torch.abs(clean)


def compressed_complex_spectrum(clean: torch.Tensor, power: float = COMPRESSION_POWER,
                                eps: float = MASK_EPS) -> torch.Tensor:
    """``|S|^p e^{j theta_S}``: the complex-mapping target (exactly 0 where ``S == 0``)."""
    magnitude = torch.sqrt(_power(clean) + eps)
    return clean * (magnitude ** (power - 1.0))


def uncompress_complex_spectrum(compressed: torch.Tensor, power: float = COMPRESSION_POWER,
                                eps: float = MASK_EPS) -> torch.Tensor:
    """Inverse of :func:`compressed_complex_spectrum`: ``C |C|^(1/p - 1)``."""
    magnitude = torch.sqrt(_power(compressed) + eps)
    return compressed * (magnitude ** (1.0 / power - 1.0))


def local_snr_db(clean: torch.Tensor, noisy: torch.Tensor, eps: float = MASK_EPS) -> torch.Tensor:
    """Per-bin ``10 log10(|S|^2 / |N|^2)`` in dB (a diagnostic for the masks above)."""
    return 10.0 * torch.log10((_power(clean) + eps) / (_power(noisy - clean) + eps))
