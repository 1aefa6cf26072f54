"""Synthetic noises for evaluation scenes: coloured noise, mains hum, fan/HVAC, clicks.

Every generator is ``name(n, sample_rate, rng) -> float64 (n,)`` with unit RMS, drawing all its
randomness from ``rng`` (so a scene rebuilds bit for bit from its seed). The coloured noises
shape white Gaussian noise in one FFT: power ``~ 1 / f^alpha`` with alpha 0 (white), 1 (pink,
-3 dB/octave) and 2 (brown, -6 dB/octave), flat below ``COLOUR_FLOOR_HZ`` so the sum stays finite.
Real fan/HVAC recordings are scarce in the packages, so ``fan`` is modelled: brown+pink
broadband air noise under a 2-pole low-pass, a blade-pass tone with two harmonics, and a slow
(0.1-0.5 Hz) level wander.

``STATIONARY`` names the steady ones (the ``stationary`` scenario draws from it); ``clicks`` is
a synthetic transient (keyboard-like bursts) used beside the recorded effects.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

COLOUR_FLOOR_HZ = 20.0  # below the audio band: the 1/f shaping stops growing here
Generator = Callable[[int, float, np.random.Generator], np.ndarray]


def unit_rms(x: np.ndarray) -> np.ndarray:
    """``x`` scaled to an RMS of 1 (digital silence stays silence)."""
    return x / (np.sqrt(np.mean(np.square(x))) + 1e-20)


def coloured(n: int, sample_rate: float, rng: np.random.Generator, alpha: float) -> np.ndarray:
    """Gaussian noise with power spectral density ``~ f^-alpha`` above ``COLOUR_FLOOR_HZ``."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.maximum(np.fft.rfftfreq(n, 1.0 / sample_rate), COLOUR_FLOOR_HZ)
    spectrum *= freqs ** (-alpha / 2)
    spectrum[0] = 0.0  # no DC
    return unit_rms(np.fft.irfft(spectrum, n))


def white(n: int, sample_rate: float, rng: np.random.Generator) -> np.ndarray:
    return unit_rms(rng.standard_normal(n))


def pink(n: int, sample_rate: float, rng: np.random.Generator) -> np.ndarray:
    return coloured(n, sample_rate, rng, 1.0)


def brown(n: int, sample_rate: float, rng: np.random.Generator) -> np.ndarray:
    return coloured(n, sample_rate, rng, 2.0)


def hum(n: int, sample_rate: float, rng: np.random.Generator, mains_hz: float = 50.0,
        harmonics: int = 12) -> np.ndarray:
    """Mains hum: ``harmonics`` multiples of ``mains_hz`` with random phases.

    Amplitudes fall as ``1/k`` with odd harmonics 6 dB stronger than even ones (rectifier buzz),
    plus a -30 dB pink floor; the mains frequency is off by up to +-0.2 % (grids drift).
    """
    t = np.arange(n) / sample_rate
    f0 = mains_hz * (1 + rng.uniform(-0.002, 0.002))
    tone = np.zeros(n)
    for k in range(1, harmonics + 1):
        if k * f0 >= sample_rate / 2:
            break
        amplitude = (2.0 if k % 2 else 1.0) / k
        tone += amplitude * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi))
    return unit_rms(unit_rms(tone) + 10 ** (-30 / 20) * pink(n, sample_rate, rng))


def hum50(n: int, sample_rate: float, rng: np.random.Generator) -> np.ndarray:
    return hum(n, sample_rate, rng, 50.0)


def hum60(n: int, sample_rate: float, rng: np.random.Generator) -> np.ndarray:
    return hum(n, sample_rate, rng, 60.0)


def fan(n: int, sample_rate: float, rng: np.random.Generator) -> np.ndarray:
    """Fan/HVAC-like: low-passed air noise, a blade-pass tone, slow level wander (see module doc)."""
    from scipy import signal

    air = 0.7 * brown(n, sample_rate, rng) + 0.3 * pink(n, sample_rate, rng)
    sos = signal.butter(2, rng.uniform(800.0, 3000.0), "lowpass", fs=sample_rate, output="sos")
    air = unit_rms(signal.sosfilt(sos, air))
    t = np.arange(n) / sample_rate
    blade_hz = rng.uniform(60.0, 200.0)
    tone = sum(np.sin(2 * np.pi * k * blade_hz * t + rng.uniform(0, 2 * np.pi)) / k for k in (1, 2, 3))
    wander = 1 + 0.15 * np.sin(2 * np.pi * rng.uniform(0.1, 0.5) * t + rng.uniform(0, 2 * np.pi))
    return unit_rms((air + 10 ** (-12 / 20) * unit_rms(tone)) * wander)


def clicks(n: int, sample_rate: float, rng: np.random.Generator, rate_hz: float = 4.0) -> np.ndarray:
    """Keyboard-like clicks: Poisson-timed 2-8 ms broadband bursts with 3 ms decay, random levels."""
    out = np.zeros(n)
    times = np.cumsum(rng.exponential(sample_rate / rate_hz, size=int(n / sample_rate * rate_hz * 3) + 4))
    for start in times.astype(int):
        if start >= n:
            break
        length = int(rng.uniform(0.002, 0.008) * sample_rate)
        burst = rng.standard_normal(length) * np.exp(-np.arange(length) / (0.003 * sample_rate))
        end = min(n, start + length)
        out[start:end] += rng.uniform(0.3, 1.0) * burst[: end - start]
    return unit_rms(out) if np.any(out) else out


def babble(take: Callable[[str, np.random.Generator, int], np.ndarray], rng: np.random.Generator,
           n: int) -> np.ndarray:
    """3-5 talkers at equal level, unit RMS: ``take("speech", rng, n)`` excerpts summed (``take``
    as ``models.stems.stem_source`` or a corpus source's ``take``)."""
    talkers = int(rng.integers(3, 6))
    return unit_rms(sum(unit_rms(take("speech", rng, n)) for _ in range(talkers)))


#: Steady noises by name (the ``stationary`` scenario draws one or two of them).
STATIONARY: dict[str, Generator] = {"white": white, "pink": pink, "brown": brown, "hum50": hum50,
                                    "hum60": hum60, "fan": fan}
