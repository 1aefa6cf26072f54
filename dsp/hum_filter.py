"""Mains hum removal by linear filtering: a high-pass plus notches at the mains harmonics.

The article's first classic method ("linear filtering ... if there is a 50 Hz interference, a
filter removes it"). Here it is done the way a mastering engineer would:

- a 4th-order Butterworth high-pass (24 dB/octave) for rumble and DC, and
- one notch per harmonic ``k * f0`` (k = 1..harmonics), ``reduction_db`` deep and
  ``notch_width_hz`` wide at -3 dB, built from the RBJ Audio EQ Cookbook band-pass
  (R. Bristow-Johnson, "Cookbook formulae for audio EQ biquad filter coefficients") as
  ``1 - c * BP`` (see :func:`peaking_cut_sos`). A constant width in Hz, rather than a constant Q,
  keeps every harmonic's notch as narrow as the first one.
- ``f0`` is 50 or 60 Hz, or chosen automatically: two banks (50- and 60-series) run side by side,
  narrow band-passes at the first three harmonics of each measure hum power (exponential average,
  time constant ``DETECT_TAU_S``), and every ``DECISION_INTERVAL_S`` of stream time the louder
  series is selected; the selection is crossfaded with a one-pole smoother (``SWITCH_TAU_S``).

All filtering is sample-sequential IIR (``scipy.signal.sosfilt`` with carried state), so the
output is the same whatever the block sizes are. Latency: 0 samples.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import signal

HIGHPASS_ORDER = 4
DETECT_HARMONICS = 3  # the first three harmonics carry most hum power in practice
DETECT_WIDTH_HZ = 4.0  # band-pass width of the detector: wider than mains drift (+-0.5 Hz)
DETECT_TAU_S = 1.0  # power averaging time constant of the detector
DECISION_INTERVAL_S = 0.25  # how often auto mode may switch series
SWITCH_TAU_S = 0.02  # crossfade time constant between the 50 and 60 Hz banks
CROSSFADE_S = 0.02  # linear crossfade when filter settings change mid-stream
MAINS = (50.0, 60.0)


@dataclass(frozen=True)
class HumSettings:
    """The values that determine the filter coefficients."""

    highpass_hz: float
    harmonics: int
    notch_width_hz: float
    reduction_db: float


def peaking_cut_sos(freq_hz: float, width_hz: float, cut_db: float, sample_rate: float) -> np.ndarray:
    """A cut of ``cut_db`` at ``freq_hz`` that is ``width_hz`` wide at -3 dB, one SOS row ``(6,)``.

    Built as ``H = 1 - c * BP`` with the RBJ constant-peak band-pass ``BP`` (-3 dB points
    ``width_hz`` apart) and ``c = 1 - 10^(-cut_db/20)``: ``c = 1`` is the RBJ notch (``1 - BP``),
    smaller ``c`` a shallower cut with the same narrow skirt. (The RBJ peakingEQ would define the
    width at half the cut in dB, which for a 40 dB cut makes the -3 dB skirt ten times wider.)
    """
    w0 = 2.0 * np.pi * freq_hz / sample_rate
    alpha = np.sin(w0) / (2.0 * freq_hz / width_hz)
    depth = 1.0 - 10.0 ** (-cut_db / 20.0)
    a = np.array([1.0 + alpha, -2.0 * np.cos(w0), 1.0 - alpha])
    b = a - depth * np.array([alpha, 0.0, -alpha])
    return np.concatenate([b / a[0], a / a[0]])


def bandpass_sos(freq_hz: float, width_hz: float, sample_rate: float) -> np.ndarray:
    """RBJ constant-peak band-pass biquad (0 dB at ``freq_hz``), one SOS row ``(6,)``."""
    w0 = 2.0 * np.pi * freq_hz / sample_rate
    alpha = np.sin(w0) / (2.0 * freq_hz / width_hz)
    b = np.array([alpha, 0.0, -alpha])
    a = np.array([1.0 + alpha, -2.0 * np.cos(w0), 1.0 - alpha])
    return np.concatenate([b / a[0], a / a[0]])


def bank_sos(settings: HumSettings, mains_hz: float, sample_rate: float) -> np.ndarray:
    """SOS cascade ``(sections, 6)``: high-pass sections then one notch per harmonic below 0.45 fs."""
    highpass = signal.butter(HIGHPASS_ORDER, settings.highpass_hz, "highpass", fs=sample_rate,
                             output="sos")
    notches = [peaking_cut_sos(k * mains_hz, settings.notch_width_hz, settings.reduction_db,
                               sample_rate)
               for k in range(1, settings.harmonics + 1) if k * mains_hz < 0.45 * sample_rate]
    return np.vstack([highpass] + notches) if notches else highpass


@dataclass
class HumState:
    """Per-stream state: filter memories of both banks and of the detector, and the selection."""

    sample_rate: float
    settings: HumSettings
    sos: dict[float, np.ndarray]  # mains -> (sections, 6)
    zi: dict[float, np.ndarray]  # mains -> (sections, channels, 2)
    detector_sos: dict[float, np.ndarray]  # mains -> (DETECT_HARMONICS, 6) parallel band-passes
    detector_zi: dict[float, np.ndarray]  # mains -> (DETECT_HARMONICS, 1, channels, 2)
    power: np.ndarray = field(default_factory=lambda: np.zeros(2))  # smoothed hum power 50/60
    selection: float = 0.0  # smoothed weight of the 60 Hz bank, 0..1
    target: float = 0.0  # 0 -> 50 Hz bank, 1 -> 60 Hz bank
    samples_seen: int = 0
    fade_from: tuple[dict, dict] | None = None  # old (sos, zi) being crossfaded out
    fade_left: int = 0


def init_state(sample_rate: float, num_channels: int, settings: HumSettings) -> HumState:
    """A fresh stream at ``sample_rate`` with ``num_channels`` channels."""
    sos = {m: bank_sos(settings, m, sample_rate) for m in MAINS}
    zi = {m: np.zeros((s.shape[0], num_channels, 2)) for m, s in sos.items()}
    detector_sos = {m: np.array([bandpass_sos(k * m, DETECT_WIDTH_HZ, sample_rate)
                                 for k in range(1, DETECT_HARMONICS + 1)]) for m in MAINS}
    detector_zi = {m: np.zeros((DETECT_HARMONICS, 1, num_channels, 2)) for m in MAINS}
    return HumState(sample_rate, settings, sos, zi, detector_sos, detector_zi)


def update_settings(state: HumState, settings: HumSettings) -> None:
    """Switch to new filter settings mid-stream, with a short crossfade (no click)."""
    if settings == state.settings:
        return
    old = ({m: s.copy() for m, s in state.sos.items()}, {m: z.copy() for m, z in state.zi.items()})
    for mains in MAINS:
        new_sos = bank_sos(settings, mains, state.sample_rate)
        new_zi = np.zeros((new_sos.shape[0],) + state.zi[mains].shape[1:])
        shared = min(new_sos.shape[0], state.zi[mains].shape[0])
        new_zi[:shared] = state.zi[mains][:shared]  # sections that persist keep their memory
        state.sos[mains], state.zi[mains] = new_sos, new_zi
    state.settings = settings
    state.fade_from = old
    state.fade_left = int(round(CROSSFADE_S * state.sample_rate))


def _run_banks(sos: dict, zi: dict, block: np.ndarray) -> dict[float, np.ndarray]:
    """Filter ``block`` through both banks, updating ``zi`` in place; mains -> output."""
    out = {}
    for mains in MAINS:
        out[mains], zi[mains] = signal.sosfilt(sos[mains], block, axis=-1, zi=zi[mains])
    return out


def _detect(state: HumState, block: np.ndarray) -> np.ndarray:
    """Per-sample target (0 = 50 Hz, 1 = 60 Hz) for auto mode, decided on a fixed time grid."""
    n = block.shape[1]
    alpha = 1.0 - np.exp(-1.0 / (DETECT_TAU_S * state.sample_rate))
    powers = []
    for index, mains in enumerate(MAINS):
        bands = _parallel_bandpass(state, mains, block)
        inst = (bands ** 2).sum(axis=(0, 1))  # power summed over harmonics and channels, (n,)
        smooth, zf = signal.lfilter([alpha], [1.0, alpha - 1.0], inst,
                                    zi=[state.power[index] * (1.0 - alpha)])
        state.power[index] = zf[0] / (1.0 - alpha)
        powers.append(smooth)
    interval = int(round(DECISION_INTERVAL_S * state.sample_rate))
    target = np.empty(n)
    position = 0
    # Decision points are stream times that are multiples of `interval`.
    first = (-state.samples_seen) % interval
    for point in range(first, n, interval):
        target[position:point] = state.target
        if state.samples_seen + point > 0:
            state.target = 1.0 if powers[1][point] > powers[0][point] else 0.0
        position = point
    target[position:] = state.target
    return target


def _parallel_bandpass(state: HumState, mains: float, block: np.ndarray) -> np.ndarray:
    """The detector band-passes of one series, ``(harmonics, channels, n)``."""
    outs = []
    for k in range(DETECT_HARMONICS):
        y, state.detector_zi[mains][k] = signal.sosfilt(
            state.detector_sos[mains][k:k + 1], block, axis=-1, zi=state.detector_zi[mains][k])
        outs.append(y)
    return np.stack(outs)


def process_block(state: HumState, block: np.ndarray, mains: str) -> np.ndarray:
    """Filter ``(channels, n)`` audio; ``mains`` is ``"auto"``, ``"50"`` or ``"60"``."""
    outputs = _run_banks(state.sos, state.zi, block)
    n = block.shape[1]
    if mains == "auto":
        target = _detect(state, block)
    else:
        target = np.full(n, 1.0 if mains == "60" else 0.0)
        state.target = target[-1] if n else state.target
    alpha = 1.0 - np.exp(-1.0 / (SWITCH_TAU_S * state.sample_rate))
    weight, zf = signal.lfilter([alpha], [1.0, alpha - 1.0], target,
                                zi=[state.selection * (1.0 - alpha)])
    state.selection = zf[0] / (1.0 - alpha)
    out = outputs[50.0] + weight * (outputs[60.0] - outputs[50.0])
    state.samples_seen += n
    if state.fade_from is not None:
        out = _apply_crossfade(state, block, out, weight)
    return out


def _apply_crossfade(state: HumState, block: np.ndarray, new: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Blend from the old filter settings into the new over ``CROSSFADE_S``."""
    old_sos, old_zi = state.fade_from  # type: ignore[misc]
    old_outputs = _run_banks(old_sos, old_zi, block)
    old = old_outputs[50.0] + weight * (old_outputs[60.0] - old_outputs[50.0])
    total = int(round(CROSSFADE_S * state.sample_rate))
    done = total - state.fade_left
    ramp = np.clip((done + np.arange(1, block.shape[1] + 1)) / total, 0.0, 1.0)
    state.fade_left = max(state.fade_left - block.shape[1], 0)
    if state.fade_left == 0:
        state.fade_from = None
    return old + ramp * (new - old)
