"""Torch STFT/ISTFT with exactly the framing of ``hushboard.dsp.stft.StreamingStft``.

Training sees the same spectra the plugin computes while streaming: frame ``k`` covers input
samples ``[k * hop - (frame - hop), k * hop + hop)`` (the stream starts with ``frame - hop``
samples of silence), analysis window sqrt-Hann (periodic), synthesis window sqrt-Hann divided by
the overlap-add constant ``frame / (2 * hop)``. So ``istft(stft(x)) == x`` (to float rounding)
and a network trained here sees, frame for frame, what ``StreamingStft`` hands the plugin.

Geometry of the shipped denoisers: 48 kHz, ``FRAME_SIZE = 960`` (20 ms), ``HOP_SIZE = 480``
(10 ms); the plugin's latency is ``FRAME_SIZE - 1 = 959`` samples = 19.98 ms.

Shape
    ``stft``: ``(batch, samples)`` real -> ``(batch, frames, bins)`` complex with
    ``frames = samples // hop + 1`` (``samples`` a multiple of ``hop``), ``bins = frame // 2 + 1``.
    ``istft``: the inverse, ``(batch, frames, bins)`` -> ``(batch, (frames - 1) * hop)``.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

SAMPLE_RATE = 48000
FRAME_SIZE = 960  # 20 ms: resolves 50 Hz bins, the longest frame within a 20 ms latency budget
HOP_SIZE = 480  # 10 ms, half a frame (sqrt-Hann pair overlap-adds to a constant)
NUM_BINS = FRAME_SIZE // 2 + 1


def sqrt_hann(frame_size: int) -> torch.Tensor:
    """Square root of the periodic Hann window, ``(frame_size,)`` float32 (as ``dsp.stft``)."""
    n = torch.arange(frame_size, dtype=torch.float64)
    return torch.sqrt(0.5 - 0.5 * torch.cos(2 * math.pi * n / frame_size)).float()


class Stft(torch.nn.Module):
    """Analysis/synthesis pair; see the module docstring for framing and shapes.

    Args:
        frame_size: FFT length in samples (even).
        hop_size: frame advance; ``frame_size / hop_size`` an integer >= 2.
    """

    def __init__(self, frame_size: int = FRAME_SIZE, hop_size: int = HOP_SIZE) -> None:
        super().__init__()
        if frame_size % hop_size or frame_size // hop_size < 2:
            raise ValueError(f"hop_size {hop_size} must divide frame_size {frame_size} at least twice")
        self.frame_size, self.hop_size = frame_size, hop_size
        self.num_bins = frame_size // 2 + 1
        window = sqrt_hann(frame_size)
        # overlap-add constant of w_a * w_s with w_s = w_a: frame / (2 * hop) for Hann
        self.register_buffer("analysis_window", window, persistent=False)
        self.register_buffer("synthesis_window", window / (frame_size / (2 * hop_size)),
                             persistent=False)

    def get_config(self) -> dict:
        return {"frame_size": self.frame_size, "hop_size": self.hop_size}

    def stft(self, wave: torch.Tensor) -> torch.Tensor:
        """``(batch, samples)`` -> ``(batch, frames, bins)`` complex64."""
        if wave.shape[-1] % self.hop_size:
            raise ValueError(f"length {wave.shape[-1]} must be a multiple of hop {self.hop_size}")
        lead = self.frame_size - self.hop_size
        padded = F.pad(wave, (lead, lead))  # silence before the stream; flush after it
        frames = padded.unfold(-1, self.frame_size, self.hop_size)  # [B, T, frame]
        return torch.fft.rfft(frames * self.analysis_window, dim=-1)

    def istft(self, spectra: torch.Tensor) -> torch.Tensor:
        """``(batch, frames, bins)`` complex -> ``(batch, (frames - 1) * hop)`` real."""
        frames = torch.fft.irfft(spectra, n=self.frame_size, dim=-1) * self.synthesis_window
        return self.overlap_add(frames)

    def overlap_add(self, frames: torch.Tensor) -> torch.Tensor:
        """Overlap-add windowed ``(batch, frames, frame_size)`` time frames (drops the lead-in)."""
        batch, num_frames, size = frames.shape
        total = (num_frames - 1) * self.hop_size + size
        out = F.fold(frames.transpose(1, 2), output_size=(1, total), kernel_size=(1, size),
                     stride=(1, self.hop_size))  # [B, 1, 1, total]
        lead = size - self.hop_size
        return out.reshape(batch, total)[:, lead: lead + (num_frames - 1) * self.hop_size]
