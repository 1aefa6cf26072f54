"""Training losses, in an explicit registry, named by what they compare.

Three shape contracts (``Loss.domain`` says which one a loss follows):

- ``"tensor"``: ``(est, ref)`` of the same shape ``(batch, ...)``; masks, magnitudes, compressed
  spectra. ``mse`` and ``log_mse`` (``log_mse`` wants non-negative magnitudes).
- ``"waveform"``: ``(est, ref)`` of shape ``(batch, samples)``. ``sdr``, ``si_sdr``,
  ``multi_resolution_stft``.
- ``"mask"``: ``(mask, clean, noise)``: a real mask ``(batch, frames, bins)`` and the complex
  spectra of the two parts of the mixture it was computed from. ``noise_residual``: how much
  more of the noise than of the target the mask lets through, in dB (the noise-reduction half
  of Xia et al.'s weighted speech-distortion loss; the signal losses are the distortion half).
  Mask targets only: a mask is linear, so ``mask * N`` is exactly what it does to the noise.
  ``psm_fit``: the mean squared distance of the mask to the truncated phase-sensitive mask of
  the same mixture, the classic mask-fit objective, usable as a term NEXT TO the signal losses
  (it weighs every bin alike, so quiet target bins that the signal losses would trade for noise
  keep a say).

Every registered loss returns a scalar to MINIMISE (the SDR losses are negated dB, averaged over
the batch). ``si_sdr_db`` / ``sdr_db`` return the per-example metric in dB for evaluation.

References:
    Le Roux, Wisdom, Erdogan & Hershey, "SDR - half-baked or well done?", ICASSP 2019,
    arXiv:1811.02508 (SI-SDR). Yamamoto, Song & Kim, "Parallel WaveGAN", ICASSP 2020,
    arXiv:1910.11480 (multi-resolution STFT loss: spectral convergence + log STFT magnitude).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from ..plugin.registry import Registry
from .targets import phase_sensitive_mask

SDR_EPS = 1e-8  # on energies of float32 waveforms (an all-zero reference gives a finite value)
LOG_EPS = 1e-8  # on squared magnitudes in the log losses (-80 dB re a unit bin)


def sdr_db(est: torch.Tensor, ref: torch.Tensor, eps: float = SDR_EPS) -> torch.Tensor:
    """Plain SDR ``10 log10(|s|^2 / |s - s_hat|^2)`` in dB, ``(batch, samples)`` -> ``(batch,)``."""
    signal = (ref ** 2).sum(-1)
    error = ((ref - est) ** 2).sum(-1)
    return 10.0 * torch.log10((signal + eps) / (error + eps))


def si_sdr_db(est: torch.Tensor, ref: torch.Tensor, eps: float = SDR_EPS) -> torch.Tensor:
    """Scale-invariant SDR in dB (Le Roux et al. 2019), ``(batch, samples)`` -> ``(batch,)``.

    Both signals are made zero-mean; the target is the projection ``alpha s`` of the estimate on
    the reference, ``alpha = <s_hat, s> / |s|^2``.

    Example:
        >>> import torch
        >>> s = torch.randn(1, 48000, generator=torch.Generator().manual_seed(0))
        >>> bool(si_sdr_db(0.5 * s, s) > 100)
        True
    """
    est = est - est.mean(-1, keepdim=True)
    ref = ref - ref.mean(-1, keepdim=True)
    alpha = (est * ref).sum(-1, keepdim=True) / ((ref ** 2).sum(-1, keepdim=True) + eps)
    target = alpha * ref  # [B, N]
    error = est - target
    return 10.0 * torch.log10(((target ** 2).sum(-1) + eps) / ((error ** 2).sum(-1) + eps))


def mse(est: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Mean squared error over all elements (complex inputs: mean of ``|est - ref|^2``)."""
    diff = est - ref
    if diff.is_complex():
        return (diff.real ** 2 + diff.imag ** 2).mean()
    return (diff ** 2).mean()


def log_mse(est: torch.Tensor, ref: torch.Tensor, eps: float = LOG_EPS) -> torch.Tensor:
    """MSE of ``log10(x^2 + eps)`` for non-negative magnitudes (Xu et al. 2015's log-power MSE)."""
    return ((torch.log10(est ** 2 + eps) - torch.log10(ref ** 2 + eps)) ** 2).mean()


def neg_sdr(est: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """``-mean(sdr_db)`` over the batch, ``(batch, samples)``."""
    return -sdr_db(est, ref).mean()


def neg_si_sdr(est: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """``-mean(si_sdr_db)`` over the batch, ``(batch, samples)``."""
    return -si_sdr_db(est, ref).mean()


def _stft_magnitude(wave: torch.Tensor, fft_size: int, hop: int) -> torch.Tensor:
    window = torch.hann_window(fft_size, device=wave.device, dtype=wave.dtype)
    spec = torch.stft(wave, fft_size, hop, fft_size, window, center=False, return_complex=True)
    return torch.sqrt(spec.real ** 2 + spec.imag ** 2 + LOG_EPS)  # [B, bins, frames]


#: (fft size, hop) pairs at 48 kHz: ~10.7, 21.3 and 42.7 ms windows, 75 % overlap, as Yamamoto
#: et al.'s (512, 1024, 2048) at 24 kHz scaled to resolve both transients and harmonics.
MRSTFT_RESOLUTIONS = ((512, 128), (1024, 256), (2048, 512))


def multi_resolution_stft(est: torch.Tensor, ref: torch.Tensor,
                          resolutions: tuple[tuple[int, int], ...] = MRSTFT_RESOLUTIONS) -> torch.Tensor:
    """Yamamoto et al. (2020) loss: mean over resolutions of spectral convergence + log-magnitude L1.

    ``(batch, samples)`` each, ``samples >= max fft size``. A perceptual proxy: it weights errors
    by spectral structure instead of raw sample energy.
    """
    total = est.new_zeros(())
    for fft_size, hop in resolutions:
        m_est, m_ref = _stft_magnitude(est, fft_size, hop), _stft_magnitude(ref, fft_size, hop)
        convergence = torch.linalg.norm(m_ref - m_est) / (torch.linalg.norm(m_ref) + SDR_EPS)
        log_l1 = (torch.log(m_est) - torch.log(m_ref)).abs().mean()
        total = total + convergence + log_l1
    return total / len(resolutions)


#: below this (dB) the residual-noise term stops rewarding: the plugin's ``reduction_db`` floor
#: (12 dB by default, 40 at most) mixes noisy audio back in, so deeper masks buy nothing there
#: and would only be paid for with distortion of the target.
NOISE_RESIDUAL_FLOOR_DB = -20.0


def _energy_db(x: torch.Tensor) -> torch.Tensor:
    """``10 log10`` of each clip's energy, ``(batch, ...)`` complex or real -> ``(batch,)``."""
    power = x.real ** 2 + x.imag ** 2 if x.is_complex() else x ** 2
    return 10.0 * torch.log10(power.flatten(1).sum(-1) + SDR_EPS)


def noise_residual(mask: torch.Tensor, clean: torch.Tensor, noise: torch.Tensor,
                   floor_db: float = NOISE_RESIDUAL_FLOOR_DB) -> torch.Tensor:
    """Noise kept minus target kept by a real ``mask``, in dB, floored, mean over the batch.

    ``mask`` ``(batch, frames, bins)``; ``clean`` and ``noise`` the spectra (same shape, complex
    or magnitudes) whose sum the mask was computed from. Per clip
    ``max(G(noise) - G(clean), floor_db)`` with ``G(x) = 10 log10(|mask x|^2 / |x|^2)``: the
    harness's noise attenuation measured RELATIVE to what happens to the target, so turning
    everything down (which the scale-invariant SI-SDR does not see) earns nothing; only
    separating does. A mask of 0.1 on the noise bins and 1 on the target's gives -20 dB; any
    constant mask gives 0.
    """
    kept_noise = _energy_db(mask * noise) - _energy_db(noise)
    kept_target = _energy_db(mask * clean) - _energy_db(clean)
    return (kept_noise - kept_target).clamp(min=floor_db).mean()


def psm_fit(mask: torch.Tensor, clean: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Mean squared distance of a real ``mask`` to the truncated PSM of ``clean + noise``.

    ``mask`` ``(batch, frames, bins)``; ``clean`` and ``noise`` complex spectra of the same shape.
    The PSM (Erdogan et al., ICASSP 2015) is ``Re(S Y*) / |Y|^2`` clamped to [0, 1]: 1 where the
    target dominates a bin, 0 where the noise does. Fitting it is the article's "mask" training;
    as a term beside ``si_sdr`` it keeps every bin's target in view, where the waveform losses
    mostly see the loud ones. 0 for the ideal mask, 1 at most.
    """
    ideal = phase_sensitive_mask(clean, clean + noise)
    return ((mask - ideal) ** 2).mean()


@dataclass(frozen=True)
class Loss:
    """A registered loss: ``fn(...) -> scalar`` and the shape contract it follows (module doc)."""

    fn: Callable[..., torch.Tensor]  # (est, ref); (mask, clean, noise) for the "mask" domain
    domain: str  # "tensor", "waveform" or "mask"


LOSSES: Registry[Loss] = Registry("loss")
LOSSES.register("mse", Loss(mse, "tensor"))
LOSSES.register("log_mse", Loss(log_mse, "tensor"))
LOSSES.register("sdr", Loss(neg_sdr, "waveform"))
LOSSES.register("si_sdr", Loss(neg_si_sdr, "waveform"))
LOSSES.register("multi_resolution_stft", Loss(multi_resolution_stft, "waveform"))
LOSSES.register("noise_residual", Loss(noise_residual, "mask"))
LOSSES.register("psm_fit", Loss(psm_fit, "mask"))


def get_loss(name: str) -> Loss:
    """The registered loss ``name`` (``KeyError`` listing the valid names otherwise)."""
    return LOSSES.get(name)
