"""Network input features from a noisy spectrum, with streaming normalisation (explicit state).

Two feature sets (a registry, selected by name in the training config):

``erb_df`` (DeepFilterNet style; Schroter et al., "DeepFilterNet: A Low Complexity Speech
Enhancement Framework for Full-Band Audio based on Deep Filtering", ICASSP 2022, arXiv:2110.05588)
    ``num_bands`` log energies of ERB-spaced bands over the full band (Glasberg & Moore 1990
    ERB-rate scale; RNNoise uses the same idea with 22 Opus bands, Valin 2018 arXiv:1709.08243),
    each minus its running mean, plus the real and imaginary parts of the lowest ``df_bins``
    bins divided by the square root of a running mean of their magnitude ("unit norm").
``log_magnitude``
    ``log(|X|^2 + eps)`` of every bin minus its running mean.

Normalisation is an exponential running mean ``mu_t = a * mu_{t-1} + (1 - a) * x_t`` with
``a = exp(-hop / (tau * sample_rate))``. It is computed for a whole chunk at once as a lower
triangular ``(frames, frames)`` weight matrix (no Python loop, so a traced/ONNX graph takes any
number of frames) and its state is an explicit tensor ``(batch, dims)``: processing a signal in
chunks with the state carried equals one call over the whole signal. The state holds
``mu - init`` so that an all-zero state is the documented starting point.

Shape
    input ``spectrum``: ``(batch, frames, bins, 2)`` float (real, imag); output
    ``(batch, frames, size)`` plus the new state tuple.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

from ..plugin.registry import Registry
from .filterbank import HOP_SIZE, NUM_BINS, SAMPLE_RATE

POWER_EPS = 1e-10  # -100 dB re full scale bin power: below 24-bit dither, keeps log finite
LOG_POWER_INIT = -8.0  # ln power of a quiet (~-35 dBFS) bin: where the running mean starts
MAGNITUDE_INIT = 1e-2  # starting running mean of |X| for the unit-norm complex part


def hz_to_erb_rate(hz: torch.Tensor) -> torch.Tensor:
    """Glasberg & Moore (1990) ERB-rate: ``21.4 * log10(1 + 0.00437 f)``."""
    return 21.4 * torch.log10(1.0 + 0.00437 * hz)


def erb_band_matrix(num_bins: int, sample_rate: float, num_bands: int,
                    min_bins_per_band: int = 2) -> torch.Tensor:
    """Rectangular ERB bands as a ``(bins, bands)`` 0/1 matrix; every bin in exactly one band.

    Band edges are equally spaced on the ERB-rate scale from 0 Hz to Nyquist; a band narrower
    than ``min_bins_per_band`` is widened (low bands would otherwise hold a fraction of a bin).
    """
    freqs = torch.linspace(0, sample_rate / 2, num_bins, dtype=torch.float64)
    rate = hz_to_erb_rate(freqs)
    edges = torch.linspace(0, float(rate[-1]), num_bands + 1, dtype=torch.float64)
    band_of_bin = torch.bucketize(rate, edges[1:-1], right=True)
    # enforce the minimum width from the bottom up, then renumber bands 0..k-1
    current, start = 0, 0
    assignment = torch.empty(num_bins, dtype=torch.long)
    for b in range(num_bins):
        if b - start >= min_bins_per_band and band_of_bin[b] > current:
            current += 1
            start = b
        assignment[b] = min(current, num_bands - 1)
    used = int(assignment.max()) + 1
    if used != num_bands:
        raise ValueError(f"{num_bands} ERB bands cannot each get {min_bins_per_band} bins of {num_bins}")
    return torch.nn.functional.one_hot(assignment, num_bands).float()


def ema_coefficient(tau_s: float, hop_size: int = HOP_SIZE, sample_rate: float = SAMPLE_RATE) -> float:
    """Per-frame decay ``a`` of a running mean with time constant ``tau_s`` seconds."""
    return math.exp(-hop_size / (tau_s * sample_rate))


def running_mean(x: torch.Tensor, state: torch.Tensor, alpha: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Exponential running mean over frames, whole chunk at once.

    Args:
        x: ``(batch, frames, dims)``.
        state: ``(batch, dims)``, the mean after the previous chunk.
        alpha: decay per frame in (0, 1).

    Returns:
        ``(means (batch, frames, dims), new state (batch, dims))`` where ``means[:, t]`` includes
        frame ``t``.
    """
    frames = x.shape[1]
    t = torch.arange(frames, device=x.device).to(x.dtype)
    lag = t[:, None] - t[None, :]  # [T, T]: t - s
    log_a = math.log(alpha)
    weights = torch.where(lag >= 0, (1 - alpha) * torch.exp(lag.clamp(min=0) * log_a),
                          torch.zeros_like(lag))  # [T, T] lower triangular
    decay = torch.exp((t + 1) * log_a)  # [T]: a^(t+1)
    means = torch.matmul(weights, x) + decay[None, :, None] * state[:, None, :]  # [B, T, D]
    return means, means[:, -1]


class ErbDfFeatures(nn.Module):
    """ERB band log energies + unit-normalised low-frequency complex bins (see module doc).

    Args:
        num_bands: ERB bands over 0..Nyquist (32 as DeepFilterNet).
        df_bins: lowest bins given as complex values (96 bins = 0..4.75 kHz at 50 Hz/bin).
        tau_s: running-mean time constant in seconds.
        num_bins, sample_rate, hop_size: frame geometry.
    """

    def __init__(self, num_bands: int = 32, df_bins: int = 96, tau_s: float = 1.0,
                 num_bins: int = NUM_BINS, sample_rate: float = SAMPLE_RATE,
                 hop_size: int = HOP_SIZE) -> None:
        super().__init__()
        self.num_bands, self.df_bins, self.tau_s = num_bands, df_bins, tau_s
        self.num_bins, self.sample_rate, self.hop_size = num_bins, sample_rate, hop_size
        bands = erb_band_matrix(num_bins, sample_rate, num_bands)
        self.register_buffer("band_matrix", bands / bands.sum(0, keepdim=True), persistent=False)
        self.alpha = ema_coefficient(tau_s, hop_size, sample_rate)
        self.size = num_bands + 2 * df_bins

    def get_config(self) -> dict:
        return {"num_bands": self.num_bands, "df_bins": self.df_bins, "tau_s": self.tau_s,
                "num_bins": self.num_bins, "sample_rate": self.sample_rate, "hop_size": self.hop_size}

    def initial_state(self, batch: int) -> tuple[torch.Tensor, ...]:
        return torch.zeros(batch, self.num_bands), torch.zeros(batch, self.df_bins)

    def forward(self, spectrum: torch.Tensor, state: tuple[torch.Tensor, ...]
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        power = spectrum[..., 0] ** 2 + spectrum[..., 1] ** 2  # [B, T, F]
        band_log = torch.log(torch.matmul(power, self.band_matrix) + POWER_EPS)  # [B, T, bands]
        band_mean, band_state = running_mean(band_log - LOG_POWER_INIT, state[0], self.alpha)
        band_feat = (band_log - LOG_POWER_INIT - band_mean) / 4.0  # ln units: /4 ~ unit variance
        low = spectrum[:, :, : self.df_bins]  # [B, T, df, 2]
        magnitude = torch.sqrt(power[:, :, : self.df_bins] + POWER_EPS)
        mag_mean, mag_state = running_mean(magnitude - MAGNITUDE_INIT, state[1], self.alpha)
        scale = torch.rsqrt(mag_mean + MAGNITUDE_INIT).unsqueeze(-1)  # [B, T, df, 1]
        complex_feat = (low * scale).flatten(2)  # [B, T, 2 * df] interleaved (re, im)
        return torch.cat([band_feat, complex_feat], dim=-1), (band_state, mag_state)


class LogMagnitudeFeatures(nn.Module):
    """Full-resolution ``log(|X|^2 + eps)`` minus its running mean, ``num_bins`` features."""

    def __init__(self, tau_s: float = 1.0, num_bins: int = NUM_BINS,
                 sample_rate: float = SAMPLE_RATE, hop_size: int = HOP_SIZE) -> None:
        super().__init__()
        self.tau_s, self.num_bins, self.sample_rate, self.hop_size = tau_s, num_bins, sample_rate, hop_size
        self.alpha = ema_coefficient(tau_s, hop_size, sample_rate)
        self.size = num_bins

    def get_config(self) -> dict:
        return {"tau_s": self.tau_s, "num_bins": self.num_bins, "sample_rate": self.sample_rate,
                "hop_size": self.hop_size}

    def initial_state(self, batch: int) -> tuple[torch.Tensor, ...]:
        return (torch.zeros(batch, self.num_bins),)

    def forward(self, spectrum: torch.Tensor, state: tuple[torch.Tensor, ...]
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        log_power = torch.log(spectrum[..., 0] ** 2 + spectrum[..., 1] ** 2 + POWER_EPS)
        mean, new_state = running_mean(log_power - LOG_POWER_INIT, state[0], self.alpha)
        return (log_power - LOG_POWER_INIT - mean) / 4.0, (new_state,)


FEATURES: Registry[Callable[..., nn.Module]] = Registry("feature set")
FEATURES.register("erb_df", ErbDfFeatures)
FEATURES.register("log_magnitude", LogMagnitudeFeatures)
