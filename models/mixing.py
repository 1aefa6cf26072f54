"""Seeded scene mixing: a target and a noise at a chosen SNR, with level/EQ/reverb augmentation.

A ``Scene`` holds float32 mono 48 kHz ``target`` (what a denoiser must keep: speech, music, or
speech + music) and ``noise`` (what it must remove); ``noisy = target + noise``. ``mix`` draws
every random choice from the ``rng`` it is given, and scenario recipes seed that ``rng`` from
``(scenario, split, index)``, so a scene is rebuilt bit for bit from its seed.

Augmentation, in this order:

1. EQ: a low shelf (100-300 Hz) and a high shelf (3-8 kHz), each +-``eq_db`` (RBJ cookbook
   biquads, shelf slope 1), drawn separately for target and noise (different mics and rooms).
2. Reverb, with probability ``reverb_probability``, on the target only: a synthetic room (direct
   path + exponentially decaying Gaussian tail of RT60 ``rt60_s``, direct-to-reverberant ratio
   0-10 dB). The reverberant target is the reference: the harness scores noise removal, not
   dereverberation.
3. SNR: the noise is scaled so ``10 log10(mean(target^2) / mean(noise^2)) = snr_db`` over the
   whole clip (pauses included; transients therefore peak well above the speech).
4. Level: the mixture is scaled to an RMS drawn in ``level_dbfs``, lowered if its peak would
   pass ``PEAK_LIMIT`` (no clipping in any scene).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SR = 48000
PEAK_LIMIT = 0.99


@dataclass(frozen=True)
class Augmentation:
    """Ranges the augmentation draws from (see the module docstring for the order)."""

    level_dbfs: tuple[float, float] = (-32.0, -18.0)  # RMS of the noisy mixture
    eq_db: float = 6.0  # largest shelf boost or cut
    reverb_probability: float = 0.3
    rt60_s: tuple[float, float] = (0.2, 0.8)


#: Level only, fixed at -25 dBFS: no EQ, no reverb.
NO_AUGMENTATION = Augmentation(level_dbfs=(-25.0, -25.0), eq_db=0.0, reverb_probability=0.0)


@dataclass
class Scene:
    """One evaluation clip. ``target`` and ``noise``: float32 ``(samples,)``, same length."""

    scenario: str
    index: int
    seed: tuple[int, ...]
    target: np.ndarray
    noise: np.ndarray
    snr_db: float
    description: str = ""
    info: dict = field(default_factory=dict)

    @property
    def noisy(self) -> np.ndarray:
        return self.target + self.noise

    @property
    def seconds(self) -> float:
        return self.target.size / SR


def shelf(x: np.ndarray, sample_rate: float, corner_hz: float, gain_db: float, high: bool) -> np.ndarray:
    """RBJ-cookbook shelving biquad (slope S = 1): ``gain_db`` above (``high``) or below the corner."""
    from scipy import signal

    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * corner_hz / sample_rate
    cos, alpha = np.cos(w0), np.sin(w0) / np.sqrt(2)  # S = 1 -> alpha = sin(w0)/2 * sqrt(2)
    root = 2 * np.sqrt(a) * alpha
    sign = -1.0 if high else 1.0  # a high shelf is the low shelf with the cos terms' signs flipped
    b = a * np.array([(a + 1) - sign * (a - 1) * cos + root,
                      sign * 2 * ((a - 1) - sign * (a + 1) * cos),
                      (a + 1) - sign * (a - 1) * cos - root])
    den = np.array([(a + 1) + sign * (a - 1) * cos + root,
                    -sign * 2 * ((a - 1) + sign * (a + 1) * cos),
                    (a + 1) + sign * (a - 1) * cos - root])
    return signal.lfilter(b / den[0], den / den[0], x)


def random_eq(x: np.ndarray, sample_rate: float, rng: np.random.Generator, max_db: float) -> np.ndarray:
    """A random low shelf (100-300 Hz) and high shelf (3-8 kHz), each within +-``max_db``."""
    low_db, high_db = rng.uniform(-max_db, max_db, size=2)
    low_hz, high_hz = rng.uniform(100.0, 300.0), rng.uniform(3000.0, 8000.0)
    if max_db <= 0:
        return x
    x = shelf(x, sample_rate, low_hz, low_db, high=False)
    return shelf(x, sample_rate, high_hz, high_db, high=True)


def synthetic_room(sample_rate: float, rng: np.random.Generator, rt60_s: float) -> np.ndarray:
    """Impulse response: unit direct path, then a Gaussian tail decaying 60 dB in ``rt60_s``."""
    n = int(1.2 * rt60_s * sample_rate)
    t = np.arange(n) / sample_rate
    tail = rng.standard_normal(n) * np.exp(-3 * np.log(10) * t / rt60_s)  # 10^(-3 t/RT60): -60 dB at RT60
    tail[: int(0.003 * sample_rate)] = 0.0  # first reflections arrive after ~1 m of extra path
    drr_db = rng.uniform(0.0, 10.0)
    tail *= 10 ** (-drr_db / 20) / (np.sqrt(np.sum(tail ** 2)) + 1e-20)
    tail[0] = 1.0
    return tail


def scale_to_snr(target: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """``noise`` scaled so the clip-wide target-to-noise power ratio is ``snr_db``."""
    power_t, power_n = np.mean(target ** 2), np.mean(noise ** 2)
    if power_n <= 0:
        return noise
    return noise * np.sqrt(power_t / power_n * 10 ** (-snr_db / 10))


def mix(target: np.ndarray, noise: np.ndarray, snr_db: float, rng: np.random.Generator,
        augmentation: Augmentation = Augmentation()) -> tuple[np.ndarray, np.ndarray, dict]:
    """Augment and mix (module docstring); returns float32 ``(target, noise, info)``.

    Shape: ``target`` and ``noise`` ``(samples,)``, equal lengths, 48 kHz.
    """
    from scipy import signal

    target = np.asarray(target, np.float64)
    noise = np.asarray(noise, np.float64)
    if target.shape != noise.shape:
        raise ValueError(f"target and noise need equal lengths (got {target.size} and {noise.size})")
    info: dict = {"snr_db": round(float(snr_db), 2)}
    target = random_eq(target, SR, rng, augmentation.eq_db)
    noise = random_eq(noise, SR, rng, augmentation.eq_db)
    if rng.uniform() < augmentation.reverb_probability:
        rt60 = float(rng.uniform(*augmentation.rt60_s))
        target = signal.fftconvolve(target, synthetic_room(SR, rng, rt60))[: target.size]
        info["rt60_s"] = round(rt60, 2)
    noise = scale_to_snr(target, noise, snr_db)
    noisy = target + noise
    level_db = float(rng.uniform(*augmentation.level_dbfs))
    gain = 10 ** (level_db / 20) / (np.sqrt(np.mean(noisy ** 2)) + 1e-20)
    gain = min(gain, PEAK_LIMIT / (np.max(np.abs(noisy)) + 1e-20))
    info["level_dbfs"] = round(float(20 * np.log10(gain * np.sqrt(np.mean(noisy ** 2)) + 1e-20)), 2)
    return (target * gain).astype(np.float32), (noise * gain).astype(np.float32), info


def place_events(events: list[np.ndarray], n: int, rng: np.random.Generator, rate_hz: float,
                 sample_rate: float = SR) -> tuple[np.ndarray, list[int]]:
    """A track of ``n`` samples with randomly chosen ``events`` at Poisson times (``rate_hz``).

    Each event keeps its recorded shape, gets a random level within 10 dB, and at least one
    event is placed (in the middle third) so every transient scene has one. Returns the track
    and the indices of the events used.
    """
    track = np.zeros(n)
    used = []
    starts = [int(rng.uniform(n / 3, 2 * n / 3))]
    t = 0.0
    while True:
        t += rng.exponential(1.0 / rate_hz)
        if t * sample_rate >= n:
            break
        starts.append(int(t * sample_rate))
    for start in starts:
        pick = int(rng.integers(len(events)))
        event = events[pick][: n - start]
        event = event / (np.max(np.abs(event)) + 1e-20) * 10 ** (-rng.uniform(0, 10) / 20)
        track[start: start + event.size] += event
        used.append(pick)
    return track, used
