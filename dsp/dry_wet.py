"""Dry/wet mixing and "listen to what is removed", aligned with a processor's latency.

Every denoiser ends the same way: the processed (wet) signal is mixed with the input (dry),
delayed by the processor's latency so the two line up sample for sample, and the user may listen
to the difference instead (``output="removed"``, RX's "output noise only"). Changes of ``mix``
are ramped linearly over ``RAMP_S`` so automation and fader moves do not click.

    denoised = dry + mix * (wet - dry)
    removed  = dry - denoised = mix * (dry - wet)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RAMP_S = 0.02  # 20 ms: shorter than a syllable, long enough to be inaudible as a step


@dataclass
class DryWetState:
    """Delay line for the dry path and the mix value currently in effect."""

    delay_line: np.ndarray  # (channels, latency) dry samples not yet matched by wet output
    mix: float
    ramp_samples: int
    target: float = float("nan")  # the mix the current ramp heads for (NaN: none yet)
    step: float = 0.0  # per-sample change of the current ramp, fixed when the target changes


def init_state(num_channels: int, latency: int, mix: float, sample_rate: float) -> DryWetState:
    """Dry path delayed by ``latency`` samples, starting at ``mix`` (no ramp at the start)."""
    return DryWetState(np.zeros((num_channels, latency)), float(mix),
                       max(1, int(round(RAMP_S * sample_rate))))


def delay_dry(state: DryWetState, dry: np.ndarray) -> np.ndarray:
    """Return ``dry`` ``(channels, n)`` delayed by the latency; update the delay line."""
    if state.delay_line.shape[1] == 0:
        return dry
    joined = np.concatenate([state.delay_line, dry], axis=1)
    n = dry.shape[1]
    state.delay_line = joined[:, n:]
    return joined[:, :n]


def mix_ramp(state: DryWetState, target: float, n: int) -> np.ndarray | float:
    """Per-sample mix for the next ``n`` samples: a linear ramp reaching ``target`` ``ramp``
    samples after the target last changed. The step is fixed when the target changes, so a ramp
    split over several blocks gives the same samples as in one block (block-size invariance)."""
    if target == state.mix:
        return state.mix
    if target != state.target:
        state.target, state.step = target, (target - state.mix) / state.ramp_samples
    step = state.step
    ramp = state.mix + step * np.arange(1, n + 1)
    ramp = np.minimum(ramp, target) if step > 0 else np.maximum(ramp, target)
    state.mix = float(ramp[-1]) if n else state.mix
    return ramp


def slew_limit(curve: np.ndarray, start: float, max_step: float) -> np.ndarray:
    """``curve`` ``(n,)`` followed sample by sample but never moving more than ``max_step`` per
    sample from the previous output (which starts at ``start``): smooth parts pass exactly, a
    jump becomes a straight ramp that rejoins the curve. Vectorised per event (jump), not per
    sample."""
    out = np.empty_like(curve)
    n, i, previous = curve.shape[0], 0, start
    tolerance = max_step * (1 + 1e-9)
    while i < n:
        rest = curve[i:]
        steps = np.abs(np.diff(rest, prepend=previous))
        jump = int(np.argmax(steps > tolerance)) if (steps > tolerance).any() else rest.shape[0]
        out[i:i + jump] = rest[:jump]
        i += jump
        if i == n:
            break
        previous = out[i - 1] if i else previous
        direction = np.sign(curve[i] - previous)
        ramp = previous + direction * max_step * np.arange(1, n - i + 1)
        reached = direction * (curve[i:] - ramp) <= 0
        length = int(np.argmax(reached)) if reached.any() else n - i
        out[i:i + length] = ramp[:length]
        i += length
        previous = out[i - 1]
    return out


def mix_curve(state: DryWetState, curve: np.ndarray) -> np.ndarray:
    """Per-sample mix from an automation curve ``(n,)``: followed exactly where it moves no
    faster than a full-scale change per ``RAMP_S``; a step becomes the same 20 ms linear ramp a
    fader move gets (:func:`slew_limit`), never a click."""
    amount = slew_limit(curve, state.mix, 1.0 / state.ramp_samples)
    state.mix = float(amount[-1]) if amount.size else state.mix
    state.target = float("nan")
    return amount


def combine(state: DryWetState, dry: np.ndarray, wet: np.ndarray, mix: float | np.ndarray,
            output: str) -> np.ndarray:
    """Aligned ``denoised`` or ``removed`` signal from undelayed ``dry`` and delayed ``wet``.

    ``mix`` is one value (changes ramp linearly over ``RAMP_S``) or, under automation, one value
    per sample ``(n,)`` (slew-limited by :func:`mix_curve`).
    """
    aligned = delay_dry(state, dry)
    if isinstance(mix, np.ndarray):
        amount = mix_curve(state, mix)
    else:
        amount = mix_ramp(state, float(mix), dry.shape[1])
    if not isinstance(amount, np.ndarray):
        # A settled mix of 1 or 0 picks one signal: what the formulas give without the rounding
        # of adding and taking away the dry signal (and without two array operations).
        if amount == 1.0:
            return aligned - wet if output == "removed" else wet
        if amount == 0.0:
            return np.zeros_like(wet) if output == "removed" else aligned
    if output == "removed":
        out = amount * (aligned - wet)
        ends = (aligned - wet, np.zeros_like(wet))
    else:
        out = aligned + amount * (wet - aligned)
        ends = (wet, aligned)
    if isinstance(amount, np.ndarray):  # samples where a ramp has settled get exactly the same
        np.copyto(out, ends[0], where=amount == 1.0)  # values as a settled block (block-size
        np.copyto(out, ends[1], where=amount == 0.0)  # invariance to the last bit)
    return out
