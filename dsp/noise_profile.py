"""A learned noise profile: the mean power spectrum of a noise-only clip ("learn" in RX/Audacity).

The profile is stored per frequency in Hz (bin centres of the STFT it was measured with) and the
power is normalised per bin to one analysis window, so it can be moved to another sample rate or
frame size by interpolating over frequency (:func:`resample_profile`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .stft import StreamingStft

SILENCE_POWER = 1e-12  # mean bin power below which a "noise" clip is digital silence (-120 dB)


@dataclass(frozen=True)
class NoiseProfile:
    """Mean noise power per bin, ``(channels, bins)``, measured at ``sample_rate``/``frame_size``."""

    power: np.ndarray
    sample_rate: float
    frame_size: int

    @property
    def frequencies_hz(self) -> np.ndarray:
        return np.fft.rfftfreq(self.frame_size, 1.0 / self.sample_rate)

    def to_dict(self) -> dict:
        """JSON-able form (for presets with ``include_state=True``)."""
        return {"power": self.power.tolist(), "sample_rate": self.sample_rate,
                "frame_size": self.frame_size}

    @classmethod
    def from_dict(cls, data: dict) -> "NoiseProfile":
        return cls(np.asarray(data["power"], dtype=np.float64), float(data["sample_rate"]),
                   int(data["frame_size"]))


def learn_noise_profile(audio: np.ndarray, sample_rate: float, stft: StreamingStft) -> NoiseProfile:
    """Mean power spectrum of ``audio`` ``(channels, n)`` over complete STFT frames.

    Raises:
        ValueError: the clip is shorter than one frame, or digital silence.
    """
    channels, n = audio.shape
    if n < stft.frame_size:
        raise ValueError(
            f"a noise profile needs at least one frame of audio: {stft.frame_size} samples "
            f"({stft.frame_size / sample_rate * 1e3:.0f} ms) at {sample_rate:g} Hz; got {n}.")
    starts = np.arange(0, n - stft.frame_size + 1, stft.hop_size)
    frames = audio[:, starts[:, None] + np.arange(stft.frame_size)]
    spectra = stft.analyse(frames)
    power = (spectra.real ** 2 + spectra.imag ** 2).mean(axis=1)
    if power.mean() < SILENCE_POWER:
        raise ValueError("the noise clip is silent (below -120 dBFS): there is no noise to learn.")
    return NoiseProfile(power, float(sample_rate), stft.frame_size)


def resample_profile(profile: NoiseProfile, sample_rate: float, frame_size: int,
                     channels: int) -> np.ndarray:
    """The profile as ``(channels, frame_size // 2 + 1)`` power at another rate/frame size.

    Power per bin scales with the window's energy, i.e. with ``frame_size``, so it is rescaled by
    ``frame_size / profile.frame_size``. Frequencies above the learned band reuse its top bin.
    A mono profile serves every channel; otherwise channel counts must match.
    """
    if profile.power.shape[0] not in (1, channels):
        raise ValueError(f"the noise profile was learned on {profile.power.shape[0]} channels; "
                         f"this stream has {channels}. Learn it again on this material.")
    target_hz = np.fft.rfftfreq(frame_size, 1.0 / sample_rate)
    source_hz = profile.frequencies_hz
    power = np.array([np.interp(target_hz, source_hz, row) for row in profile.power])
    power *= frame_size / profile.frame_size
    return np.broadcast_to(power, (channels, power.shape[1])).copy()
