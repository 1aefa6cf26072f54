"""Streaming level statistics of a file being processed: sample peak, loudness, noise floor.

Fed block by block (any block sizes), a :class:`LevelMeter` keeps one float per 100 ms of audio
(about 0.6 MB for two hours), so measuring never makes memory grow with the file beyond that.

Loudness
    With ``pyloudnorm`` installed: ITU-R BS.1770-4 integrated loudness in LUFS. The K-weighting
    filter coefficients come from ``pyloudnorm.Meter``; the 400 ms blocks with 75 % overlap, the
    channel weights (1.41 for surround channels 4 and 5) and the -70 LUFS absolute / -10 LU
    relative gates are computed here on the stream, because ``pyloudnorm.integrated_loudness``
    needs the whole signal in memory. Only complete 400 ms blocks count (pyloudnorm also counts
    a last partial block), so the two agree within about 0.1 LU on files longer than a few
    seconds. Without pyloudnorm: the plain (ungated, unweighted) RMS level in dBFS, and
    ``loudness_unit`` says ``"dBFS RMS"``.
Peak
    Sample peak in dBFS (not true peak: no oversampling).
Noise floor
    The 10th percentile of the 400 ms block levels (K-weighted when pyloudnorm is installed),
    in dB. For a recording with pauses this is the level of the pauses, i.e. of the noise, so
    ``floor_in - floor_out`` is how many dB of noise a denoiser removed.
"""
from __future__ import annotations

import math
from array import array
from dataclasses import dataclass

import numpy as np
from scipy import signal

HOP_S = 0.1  # BS.1770-4: 400 ms gating blocks with 75 % overlap = sums of four 100 ms hops
HOPS_PER_BLOCK = 4
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
LOUDNESS_OFFSET_DB = -0.691  # BS.1770 eq. 2: makes a 997 Hz full-scale sine read -3.01 LUFS
SURROUND_WEIGHT = 1.41  # BS.1770 channel weight G for the surround channels (4th and 5th)
FLOOR_PERCENTILE = 10.0
SILENCE_DB = -150.0  # level reported for digital silence instead of -inf


@dataclass
class LevelMeter:
    """Running state of one measurement; create with :func:`init_meter`."""

    sample_rate: float
    weights: np.ndarray  # (channels,) BS.1770 channel weights
    sos: np.ndarray | None  # K-weighting as second-order sections, None without pyloudnorm
    zi: np.ndarray | None  # filter state, (sections, channels, 2)
    hop: int  # samples per 100 ms hop
    hop_fill: int  # samples already summed into the current hop
    hop_energy: float  # weighted sum of squares of the current hop
    hop_energies: array  # weighted sum of squares per completed hop
    peak: float  # largest absolute sample value seen
    sum_squares: float  # unweighted, all channels (for the RMS fallback)
    count: int  # samples per channel seen


@dataclass(frozen=True)
class Levels:
    """What a meter measured. Levels in dB; ``None`` when the audio was too short (< 400 ms)."""

    peak_dbfs: float
    loudness: float | None
    loudness_unit: str
    noise_floor_db: float | None


def k_weighting_sos(sample_rate: float) -> np.ndarray | None:
    """BS.1770 K-weighting (high shelf then high pass) as ``(2, 6)`` SOS, or ``None`` without
    pyloudnorm."""
    try:
        import pyloudnorm
    except ImportError:
        return None
    meter = pyloudnorm.Meter(int(round(sample_rate)))
    stages = [meter._filters["high_shelf"], meter._filters["high_pass"]]
    sos = [np.concatenate([s.b * s.passband_gain, s.a]) for s in stages]
    return np.asarray(sos, dtype=np.float64)


def init_meter(sample_rate: float, num_channels: int) -> LevelMeter:
    """A fresh meter for audio of ``num_channels`` channels at ``sample_rate`` Hz."""
    weights = np.ones(num_channels)
    weights[3:5] = SURROUND_WEIGHT
    sos = k_weighting_sos(sample_rate)
    zi = None if sos is None else np.zeros((sos.shape[0], num_channels, 2))
    return LevelMeter(sample_rate, weights, sos, zi, max(1, int(round(HOP_S * sample_rate))),
                      0, 0.0, array("d"), 0.0, 0.0, 0)


def update(meter: LevelMeter, block: np.ndarray) -> None:
    """Measure one more block, ``(channels, n)`` float."""
    if block.shape[1] == 0:
        return
    x = block.astype(np.float64)
    meter.peak = max(meter.peak, float(np.abs(x).max()))
    meter.sum_squares += float(np.square(x).sum())
    meter.count += x.shape[1]
    if meter.sos is not None:
        x, meter.zi = signal.sosfilt(meter.sos, x, axis=-1, zi=meter.zi)
        energy = meter.weights @ np.square(x)  # (n,) weighted over channels
    else:
        energy = np.square(x).mean(axis=0)
    _add_to_hops(meter, energy)


def _add_to_hops(meter: LevelMeter, energy: np.ndarray) -> None:
    """Split per-sample energies at 100 ms hop boundaries and store one sum per hop."""
    start = 0
    n = energy.shape[0]
    if meter.hop_fill:
        take = min(meter.hop - meter.hop_fill, n)
        meter.hop_energy += float(energy[:take].sum())
        meter.hop_fill += take
        start = take
        if meter.hop_fill == meter.hop:
            meter.hop_energies.append(meter.hop_energy)
            meter.hop_energy, meter.hop_fill = 0.0, 0
    full = (n - start) // meter.hop
    if full:
        sums = energy[start:start + full * meter.hop].reshape(full, meter.hop).sum(axis=1)
        meter.hop_energies.extend(sums.tolist())
        start += full * meter.hop
    if start < n:
        meter.hop_energy += float(energy[start:].sum())
        meter.hop_fill += n - start


def _db(power: float, offset: float = 0.0) -> float:
    return offset + 10 * math.log10(power) if power > 0 else SILENCE_DB


def block_powers(meter: LevelMeter) -> np.ndarray:
    """Mean (weighted) power of every complete 400 ms block, hop by hop."""
    hops = np.frombuffer(meter.hop_energies, dtype=np.float64)
    if hops.shape[0] < HOPS_PER_BLOCK:
        return np.zeros(0)
    sums = np.convolve(hops, np.ones(HOPS_PER_BLOCK), mode="valid")
    return sums / (HOPS_PER_BLOCK * meter.hop)


def gated_loudness(powers: np.ndarray) -> float:
    """BS.1770-4 integrated loudness (LUFS) of K-weighted block powers (eqs. 4-7)."""
    with np.errstate(divide="ignore"):
        levels = LOUDNESS_OFFSET_DB + 10 * np.log10(powers)
    above_absolute = powers[levels > ABSOLUTE_GATE_LUFS]
    if above_absolute.size == 0:
        return SILENCE_DB
    relative_gate = _db(float(above_absolute.mean()), LOUDNESS_OFFSET_DB) + RELATIVE_GATE_LU
    gated = powers[(levels > ABSOLUTE_GATE_LUFS) & (levels > relative_gate)]
    return _db(float(gated.mean()), LOUDNESS_OFFSET_DB) if gated.size else SILENCE_DB


def summary(meter: LevelMeter) -> Levels:
    """The levels measured so far (see the module docstring for definitions)."""
    powers = block_powers(meter)
    weighted = meter.sos is not None
    offset = LOUDNESS_OFFSET_DB if weighted else 0.0
    floor = None
    if powers.size:
        floor = max(_db(float(np.percentile(powers, FLOOR_PERCENTILE)), offset), SILENCE_DB)
    if weighted:
        loudness = gated_loudness(powers) if powers.size else None
        unit = "LUFS"
    else:
        channels = meter.weights.shape[0]
        loudness = _db(meter.sum_squares / max(meter.count * channels, 1)) if meter.count else None
        unit = "dBFS RMS"
    return Levels(_db(meter.peak ** 2), loudness, unit, floor)
