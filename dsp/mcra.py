"""Noise power tracking by minima-controlled recursive averaging (MCRA), with speech presence.

Cohen & Berdugo (2002): the noise estimate is a recursive average of the noisy power whose
smoothing is steered by the probability that speech is present, and that probability comes from
comparing a smoothed power with its running minimum:

- frequency smoothing with a 3-tap Hann window ``b = (1/4, 1/2, 1/4)`` (eq. 6), then time
  smoothing ``S = a_s S + (1 - a_s) S_f`` (eq. 7);
- running minimum ``S_min = min(S_min, S)``, ``S_tmp = min(S_tmp, S)``, and every ``L`` frames
  ``S_min = min(S_tmp, S)``, ``S_tmp = S`` (eqs. 8-11): the minimum over the last ``L`` to ``2L``
  frames;
- presence indicator ``I = [S / S_min > delta]`` (eqs. 12-13), smoothed into the presence
  probability ``p = a_p p + (1 - a_p) I`` (eq. 14);
- noise update ``lambda = a~ lambda + (1 - a~) |Y|^2`` with ``a~ = a_d + (1 - a_d) p`` (eqs. 4-5):
  where speech is present the noise estimate holds.

Deviations from the letter, all guards against speech leaking into the estimate or a start
that sits below the noise:

- the update is held by ``max(p, I, I_hold)`` rather than ``p``: at an onset the smoothed ``p``
  needs a frame or two to rise while ``I`` already fires, and a 30 dB onset leaking for one frame
  would lift the estimate by ~20 dB. ``I_hold = [S > HOLD_DELTA S_min]`` holds the update from
  3 dB over the minimum, where eq. 13's ``DELTA`` (7 dB) still calls the bin noise for the
  presence probability: weak speech partials (0-7 dB over the minimum) otherwise leak in and the
  estimate sat 2-4 dB over the true noise in speech-dominated bins (measured on the classic
  benchmark's stationary scenes);
- the estimate is capped at ``CEILING * B_MIN * S_min`` (3 dB above the bias-corrected minimum):
  an estimate that starts on speech (a stream that opens mid-phrase or mid-note) otherwise decays
  only in the pauses, at ``a_d``; by eq. 13 anything above ``DELTA * S_min`` is speech anyway, so
  the cap never stops legitimate tracking, which the minimum window paces in both cases;
- the start: for the first ``WARMUP_S`` (5 frames) the minimum follows ``S``: a stream's first
  frame covers only half the analysis window, and ``S`` of the first frames averages too few
  periodograms; either set ``S_min`` several dB under the noise for the whole first window
  (``B_MIN S_min`` of streamed white noise over 0.1-1.6 s: -2.1 dB before), which fired the
  hold everywhere. And the noise average is cumulative until ``a_d`` takes over (``1 - a~`` is
  at least ``1 / n`` after ``n`` updates): the estimate is the plain mean of the first noise
  frames, not the half-empty first periodogram rising at ``a_d``. Before these, the estimate
  sat 1.5 dB (white noise) to 3.5-5 dB (the classic benchmark's pink noise with hum) under the
  noise for the first 1.5 s of a stream that opens on noise.

What the three cost and bring, measured (``WienerDenoiser`` at its defaults): the harness's test
scenes (``hushboard eval --scenes 4 --seconds 4``), SI-SDR improvement stationary +6.1 -> +6.5,
non-stationary +1.8 -> +2.2, low-snr +4.9 -> +6.3 dB, music-scene ViSQOL 4.06 -> 4.10 at 0.5 dB
less noise attenuation; the classic benchmark's stationary / recorded scenes +5.10 -> +5.47 /
+4.06 -> +4.57 dB. A stream that opens on a voice loses more of it to the start-up (the
cumulative mean learns the first frames quickly): ``tests/dsp/test_noise_startup.py``'s voice
has 0.8 dB more error in its first half second (-3.55 -> -2.78 dB), which
:mod:`hushboard.dsp.wiener` takes back by holding this state near its start-up limit (-3.71 dB;
the numbers in this paragraph are without that hold). A 3-frame warm-up costs the voice
0.6 dB and gives back part of the harness gains (non-stationary +2.0, low-snr +5.7 dB); without
the cumulative mean as well, 0.4 dB, at non-stationary +1.7, low-snr +5.4 dB and 2 dB less
music-scene attenuation (white noise then starts 2.2 dB low). ``I_hold`` holds the noise's own
upward fluctuations out of the average too: on white noise the settled estimate sits 0.7 dB
under the noise (the presence probability, which it does not touch, still floors the gain where
only noise is found).

``update`` in [0, 1] scales the noise-tracking rate: ``(1 - a~)`` is multiplied by it and the
minimum-window clock advances ``update`` frames per frame; 0 freezes the noise estimate and the
minimum (the presence probability keeps running: it is a detector, not a noise estimate).

A known noise floor (a learned profile) can replace the tracked minimum in the presence test:
the minimum of a smoothed noise periodogram lies ``B_MIN`` below its mean, so ``S_min`` is taken
as ``noise / B_MIN`` (the bias Cohen uses in IMCRA, IEEE TSAP 11(5), 2003, Sec. III).

References:
    I. Cohen and B. Berdugo, "Noise estimation by minima controlled recursive averaging for robust
    speech enhancement", IEEE Signal Processing Letters 9(1), 12-15, 2002.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Cohen & Berdugo's per-frame constants (a_s = 0.8, a_d = 0.95, a_p = 0.2) as time constants at a
# 16 ms frame advance, tau = -0.016 s / ln(a), so other hops behave the same in seconds.
SMOOTHING_TAU_S = 0.0717  # a_s = 0.8
NOISE_TAU_S = 0.312  # a_d = 0.95
PRESENCE_TAU_S = 0.00994  # a_p = 0.2
DELTA = 5.0  # presence threshold on S / S_min (eq. 13)
HOLD_DELTA = 2.0  # the noise update holds from 3 dB over S_min (see the deviations)
WARMUP_S = 0.05  # the minimum follows S for this long at the start (5 frames of 10.7 ms)
WINDOW_S = 0.8  # L: the minimum spans 0.8-1.6 s, longer than a held vowel or syllable
B_MIN = 1.66  # mean / minimum of a smoothed noise periodogram (Cohen 2003, IMCRA)
CEILING = 2.0  # the estimate may exceed the bias-corrected minimum by 3 dB at most
TINY_POWER = 1e-30  # digital silence: ratios stay finite


@dataclass
class McraState:
    """MCRA state for ``(channels, bins)``.

    Attributes:
        smoothed_power: ``S`` (eq. 7).
        minimum, temporary_minimum: ``S_min`` and ``S_tmp`` (eqs. 8-11).
        presence: speech presence probability ``p`` (eq. 14), in [0, 1].
        noise_power: ``lambda_d`` (eq. 4).
        coefficients: ``(a_s, a_d, a_p)`` at this hop; window_frames: ``L``.
        clock: frames into the current minimum window (fractional when ``update < 1``).
        started: whether the first frame has initialised the averages.
        frames: frames seen; averaged: noise updates counted (fractional with ``update``).
        warmup_frames: frames over which ``S_min`` follows ``S``.
    """

    smoothed_power: np.ndarray
    minimum: np.ndarray
    temporary_minimum: np.ndarray
    presence: np.ndarray
    noise_power: np.ndarray
    coefficients: tuple[float, float, float]
    window_frames: int
    warmup_frames: int
    clock: float = 0.0
    started: bool = False
    frames: int = 0
    averaged: float = 1.0


def init_state(num_channels: int, num_bins: int, hop_s: float) -> McraState:
    """A fresh tracker for frames advanced by ``hop_s`` seconds."""
    shape = (num_channels, num_bins)
    coefficients = tuple(float(np.exp(-hop_s / tau))
                         for tau in (SMOOTHING_TAU_S, NOISE_TAU_S, PRESENCE_TAU_S))
    return McraState(np.zeros(shape), np.zeros(shape), np.zeros(shape), np.zeros(shape),
                     np.zeros(shape), coefficients, max(2, int(round(WINDOW_S / hop_s))),
                     max(1, int(round(WARMUP_S / hop_s))))


def smooth_frequency(power: np.ndarray) -> np.ndarray:
    """Eq. 6 with ``w = 1``: ``S_f(k) = |Y(k-1)|^2/4 + |Y(k)|^2/2 + |Y(k+1)|^2/4``, edges mirrored."""
    padded = np.concatenate([power[:, 1:2], power, power[:, -2:-1]], axis=1)
    return 0.5 * power + 0.25 * (padded[:, :-2] + padded[:, 2:])


def update(state: McraState, power: np.ndarray, rate: float = 1.0,
           noise_floor: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Track one frame's noisy power ``(channels, bins)``.

    Args:
        power: ``|Y|^2`` of one frame.
        rate: ``update`` in [0, 1] (see module docstring).
        noise_floor: a known noise power ``(channels, bins)`` used instead of the tracked minimum
            in the presence test (learned profiles), or ``None``.

    Returns:
        ``(noise_power, presence)``, both ``(channels, bins)`` (state arrays: copy to keep).
    """
    smoothed = smooth_frequency(power)
    state.frames += 1
    if not state.started:  # every average starts at the first frame; presence starts at 0
        state.smoothed_power = smoothed
        state.minimum = smoothed.copy()
        state.temporary_minimum = smoothed.copy()
        state.noise_power = power.copy()
        state.started = True
        return state.noise_power, state.presence
    a_s, a_d, a_p = state.coefficients
    s = a_s * state.smoothed_power + (1.0 - a_s) * smoothed  # eq. 7
    state.smoothed_power = s
    if state.frames <= state.warmup_frames:  # S is still too young to set a minimum
        state.minimum = s.copy()
        state.temporary_minimum = s.copy()
    elif rate > 0.0:
        state.clock += rate
        if state.clock >= state.window_frames:  # eqs. 10-11
            state.clock -= state.window_frames
            state.minimum = np.minimum(state.temporary_minimum, s)
            state.temporary_minimum = s.copy()
        else:  # eqs. 8-9
            np.minimum(state.minimum, s, out=state.minimum)
            np.minimum(state.temporary_minimum, s, out=state.temporary_minimum)
    reference = np.maximum(state.minimum if noise_floor is None else noise_floor / B_MIN, TINY_POWER)
    indicator = s > DELTA * reference  # eqs. 12-13
    state.presence = a_p * state.presence + (1.0 - a_p) * indicator  # eq. 14
    if rate > 0.0:
        hold = np.maximum(state.presence, s > HOLD_DELTA * reference)  # I implies I_hold
        state.averaged += rate
        step = hold
        np.subtract(1.0, hold, out=step)  # 1 - a~ of eq. 5 (at least 1/n at the start), times the rate
        step *= rate * max(1.0 - a_d, 1.0 / state.averaged)
        noise = state.noise_power + step * (power - state.noise_power)  # eq. 4
        state.noise_power = np.minimum(noise, CEILING * B_MIN * state.minimum)
    return state.noise_power, state.presence
