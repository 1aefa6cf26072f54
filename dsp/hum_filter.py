"""Mains hum removal by linear filtering: a high-pass plus notches at the mains harmonics.

The article's first classic method ("linear filtering ... if there is a 50 Hz interference, a
filter removes it"), done the way a mastering engineer would:

- a 4th-order Butterworth high-pass (24 dB/octave) for rumble and DC, and
- one notch per harmonic ``k * f0`` (k = 1..harmonics), ``reduction_db`` deep and
  ``notch_width_hz`` wide at -3 dB, built from the RBJ Audio EQ Cookbook band-pass
  (R. Bristow-Johnson, "Cookbook formulae for audio EQ biquad filter coefficients") as
  ``1 - c * BP`` (see :func:`peaking_cut_sos`). A constant width in Hz, rather than a constant Q,
  keeps every harmonic's notch as narrow as the first one.
- ``f0`` is 50 or 60 Hz, or chosen automatically. Stream time is cut into decision windows of
  ``DECISION_WINDOW_S``; in each window the power at the first ``DETECT_HARMONICS`` harmonics of
  both series is measured by correlation with complex phasors (a DFT at those lines), smoothed
  over windows, and the louder series (by ``SWITCH_MARGIN``) becomes the target of the next
  window. The outputs of the 50 Hz and 60 Hz banks are crossfaded by a one-pole weight
  (``SWITCH_TAU_S``), and a bank runs only while its weight matters, switching on and off at
  window boundaries, so the cost is one bank most of the time.

Everything that changes state happens at positions fixed in stream time (window boundaries, the
sample-sequential IIR filters of ``scipy.signal.sosfilt``), so the output does not depend on the
block sizes. Latency: 0 samples.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import signal

HIGHPASS_ORDER = 4
DETECT_HARMONICS = 3  # the first three harmonics carry most hum power in practice
DECISION_WINDOW_S = 0.25  # detection window: 12.5 periods of 50 Hz, 4 Hz line resolution
DETECT_SMOOTHING = 0.5  # weight of the newest window in the smoothed line powers
SWITCH_MARGIN = 2.0  # the other series must be 3 dB stronger to switch (hysteresis)
SWITCH_TAU_S = 0.02  # crossfade time constant between the 50 and 60 Hz banks
ACTIVE_WEIGHT = 1e-7  # below this weight a bank's output is inaudible (-140 dB) and it idles
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


def bank_sos(settings: HumSettings, mains_hz: float, sample_rate: float) -> np.ndarray:
    """SOS cascade ``(sections, 6)``: high-pass sections then one notch per harmonic below 0.45 fs."""
    highpass = signal.butter(HIGHPASS_ORDER, settings.highpass_hz, "highpass", fs=sample_rate,
                             output="sos")
    notches = [peaking_cut_sos(k * mains_hz, settings.notch_width_hz, settings.reduction_db,
                               sample_rate)
               for k in range(1, settings.harmonics + 1) if k * mains_hz < 0.45 * sample_rate]
    return np.vstack([highpass] + notches) if notches else highpass


@dataclass
class Bank:
    """One notch bank (50 or 60 Hz series): coefficients, filter memory, whether it runs."""

    sos: np.ndarray  # (sections, 6)
    zi: np.ndarray  # (sections, channels, 2)
    active: bool


@dataclass
class HumState:
    """Per-stream state of the hum filter."""

    sample_rate: float
    settings: HumSettings
    banks: dict[float, Bank]
    window: int  # decision window length in samples
    phasors: np.ndarray  # (window, 2 * DETECT_HARMONICS) complex: conj. phasors of the lines
    line_sums: np.ndarray  # (channels, 2 * DETECT_HARMONICS) complex, this window so far
    line_power: np.ndarray = field(default_factory=lambda: np.zeros(2))  # smoothed, per series
    target: float = 0.0  # weight target of the current window: 0 -> 50 Hz bank, 1 -> 60 Hz
    weight: float = 0.0  # crossfade weight of the 60 Hz bank at the current position
    window_weight: float = 0.0  # the weight where the current decision window began
    position: int = 0  # samples since the stream started
    fade_from: dict[float, Bank] | None = None  # banks with the previous settings, fading out
    fade_left: int = 0


def init_state(sample_rate: float, num_channels: int, settings: HumSettings, mains: str) -> HumState:
    """A fresh stream; ``mains`` (``"auto"``, ``"50"``, ``"60"``) picks the starting bank."""
    target = 1.0 if mains == "60" else 0.0
    banks = {}
    for index, hz in enumerate(MAINS):
        sos = bank_sos(settings, hz, sample_rate)
        banks[hz] = Bank(sos, np.zeros((sos.shape[0], num_channels, 2)), active=(index == target))
    window = int(round(DECISION_WINDOW_S * sample_rate))
    lines = np.array([k * hz for hz in MAINS for k in range(1, DETECT_HARMONICS + 1)])
    phasors = np.exp(-2j * np.pi * np.outer(np.arange(window), lines) / sample_rate)
    return HumState(sample_rate, settings, banks, window, phasors,
                    np.zeros((num_channels, lines.size), complex), target=target, weight=target,
                    window_weight=target)


def update_settings(state: HumState, settings: HumSettings) -> None:
    """Switch to new filter settings mid-stream, with a short crossfade (no click)."""
    if settings == state.settings:
        return
    state.fade_from = {hz: Bank(b.sos, b.zi.copy(), b.active) for hz, b in state.banks.items()}
    for hz, bank in state.banks.items():
        sos = bank_sos(settings, hz, state.sample_rate)
        zi = np.zeros((sos.shape[0],) + bank.zi.shape[1:])
        shared = min(sos.shape[0], bank.zi.shape[0])
        zi[:shared] = bank.zi[:shared]  # sections that persist keep their memory
        bank.sos, bank.zi = sos, zi
    state.settings = settings
    state.fade_left = int(round(CROSSFADE_S * state.sample_rate))


def process_block(state: HumState, block: np.ndarray, mains: str) -> np.ndarray:
    """Filter ``(channels, n)`` audio; ``mains`` is ``"auto"``, ``"50"`` or ``"60"``."""
    pieces = []
    start = 0
    while start < block.shape[1]:
        offset = state.position % state.window
        stop = min(block.shape[1], start + state.window - offset)
        pieces.append(_process_piece(state, block[:, start:stop], offset, mains))
        start = stop
    return pieces[0] if len(pieces) == 1 else np.concatenate(pieces, axis=1)


def _process_piece(state: HumState, piece: np.ndarray, offset: int, mains: str) -> np.ndarray:
    """Filter a piece that lies inside one decision window, starting ``offset`` samples into it."""
    n = piece.shape[1]
    if mains == "auto":
        state.line_sums += piece @ state.phasors[offset:offset + n]
    weight = _weight_curve(state.window_weight, state.target, offset, n, state.sample_rate)
    out = _mix_banks(state.banks, piece, weight)
    if state.fade_from is not None:
        out = _crossfade_settings(state, piece, out, weight)
    state.weight = float(weight[-1])
    state.position += n
    if state.position % state.window == 0:
        _end_of_window(state, mains)
    return out


def _weight_curve(window_start: float, target: float, offset: int, n: int,
                  sample_rate: float) -> np.ndarray:
    """One-pole approach to ``target`` from ``window_start`` (the weight where the decision window
    began), for samples ``offset + 1 .. offset + n`` of the window, in closed form.

    Evaluated from the window's start rather than from the previous block, every sample's value
    is the same bits whatever the block sizes, so plugins after this one in a chain see the
    same input streamed or not.
    """
    decay = np.exp(-1.0 / (SWITCH_TAU_S * sample_rate))
    return target + (window_start - target) * decay ** np.arange(offset + 1, offset + n + 1)


def _mix_banks(banks: dict[float, Bank], piece: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``(1 - w) * bank50(x) + w * bank60(x)``, running only the active banks."""
    out = np.zeros_like(piece)
    for hz, gains in ((MAINS[0], 1.0 - weight), (MAINS[1], weight)):
        bank = banks[hz]
        if bank.active:
            y, bank.zi = signal.sosfilt(bank.sos, piece, axis=-1, zi=bank.zi)
            out += gains * y
    return out


def _end_of_window(state: HumState, mains: str) -> None:
    """At a window boundary: decide the next target and which banks run in the next window."""
    if mains == "auto":
        power = np.abs(state.line_sums) ** 2
        series = power.reshape(power.shape[0], 2, DETECT_HARMONICS).sum(axis=(0, 2))
        state.line_power += DETECT_SMOOTHING * (series - state.line_power)
        state.line_sums[:] = 0.0
        fifty, sixty = state.line_power
        if state.target == 0.0 and sixty > SWITCH_MARGIN * fifty:
            state.target = 1.0
        elif state.target == 1.0 and fifty > SWITCH_MARGIN * sixty:
            state.target = 0.0
    else:
        state.target = 1.0 if mains == "60" else 0.0
    state.window_weight = state.weight
    for hz, share in ((MAINS[0], 1.0 - state.weight), (MAINS[1], state.weight)):
        bank = state.banks[hz]
        wanted = share > ACTIVE_WEIGHT or state.target == (1.0 if hz == MAINS[1] else 0.0)
        if wanted and not bank.active:
            bank.zi[:] = 0.0  # an idle bank's memory is stale; start it from silence
        bank.active = wanted


def _crossfade_settings(state: HumState, piece: np.ndarray, new: np.ndarray,
                        weight: np.ndarray) -> np.ndarray:
    """Blend from the previous filter settings into the new over ``CROSSFADE_S``."""
    old = _mix_banks(state.fade_from, piece, weight)  # type: ignore[arg-type]
    total = int(round(CROSSFADE_S * state.sample_rate))
    done = total - state.fade_left
    ramp = np.clip((done + np.arange(1, piece.shape[1] + 1)) / total, 0.0, 1.0)
    state.fade_left = max(state.fade_left - piece.shape[1], 0)
    if state.fade_left == 0:
        state.fade_from = None
    return old + ramp * (new - old)
