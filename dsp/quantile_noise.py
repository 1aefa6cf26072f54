"""Noise magnitude by incremental log-domain quantile tracking, with staggered estimators.

Stahl, Fischer & Bippus (2000) observed that in every frequency bin the noise occupies the lower
part of the level distribution even while speech is active, so a low quantile of the bin's recent
magnitudes estimates the noise without a voice activity detector. WebRTC's noise suppressor
(``modules/audio_processing/ns``: ``quantile_noise_estimator.cc``, legacy ``ns_core.c``
``NoiseEstimation``) tracks that quantile incrementally, without storing any history, by
stochastic approximation on the log magnitude ``y = ln|Y|`` of each bin:

    q <- q + QUANTILE       * delta / (n + 1)     if y > q      (eq. 1a)
    q <- q - (1 - QUANTILE) * delta / (n + 1)     otherwise     (eq. 1b)

The update is stationary exactly where ``P(y > q) = 1 - QUANTILE``, i.e. at the ``QUANTILE``
quantile, and its gain ``1/(n+1)`` makes ``q`` a running sample quantile over the frames since the
estimator's counter ``n`` was last reset. ``delta = STEP_FACTOR / max(density, 1)`` shrinks the
steps where the log-magnitude density at ``q`` is high (the Robbins-Monro step for a quantile is
``1 / density``), with the density itself estimated by counting hits within ``DENSITY_WIDTH``:

    density <- density + (1 / (2 DENSITY_WIDTH) - density) / (n + 1)
                                                      where |y - q| < DENSITY_WIDTH  (eq. 2)

``NUM_ESTIMATORS`` (3) estimators run side by side with counters staggered by a third of the
``WINDOW_S`` window; when one's counter reaches the window it publishes its quantile as the noise
estimate and restarts its count, so the published estimate is renewed every ``WINDOW_S / 3`` and
always summarises one full window (eq. 3). During the first window (start-up) the estimator
with the largest count, i.e. the smallest steps, is published every frame so that an estimate
exists at once.

The noise-update hook
    ``rate`` in [0, 1] (per channel) scales every step of eqs. 1-2 and advances the counters by
    ``rate`` frames per frame, so ``rate = 0`` freezes the estimate exactly (no step, no count, no
    publication of anything new) and ``rate = 0.5`` learns at half speed. This is the input that
    the article's music detector ("Solution 1", the noise factor) drives through
    ``SpectralDenoiser._noise_update_factors``.
    With ``fall_rate`` as well, ``rate`` scales only the upward steps (eq. 1a) and ``fall_rate``
    the rest: music, which can only raise a bin's level distribution, slows what the tracker
    learns upward while the estimate still falls to quieter noise at full speed (the
    ``MusicAwareDenoiser``'s use).

Deviations from WebRTC: the log quantile starts at the first non-silent frame's log magnitude
(per channel) instead of a fixed level of 8 in 16-bit units, which has no meaning for float
audio; and start-up follows the most settled estimator rather than the last one, whose count
restarts at the first frame so that its first steps are ``STEP_FACTOR / 2`` = 20 nats wide
(WebRTC hides them behind a parametric noise model for 50 frames, which is not used here).

References:
    V. Stahl, A. Fischer and R. Bippus, "Quantile based noise estimation for spectral subtraction
    and Wiener filtering", Proc. IEEE ICASSP 2000, vol. 3, 1875-1878.
    WebRTC, ``modules/audio_processing/ns/quantile_noise_estimator.cc`` (BSD licence).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

QUANTILE = 0.25  # WebRTC's quantile of |Y|: low enough to sit under speech in most frames
NUM_ESTIMATORS = 3  # WebRTC's SIMULT: a new estimate every third of a window
WINDOW_S = 2.0  # WebRTC's END_STARTUP_LONG = 200 frames of 10 ms
STEP_FACTOR = 40.0  # WebRTC's FACTOR, in nats (log units are scale-free, so it carries over)
DENSITY_WIDTH = 0.01  # WebRTC's WIDTH: half-width of the density-counting interval, nats
INITIAL_DENSITY = 0.3  # WebRTC's start value (below 1: full steps until hits are counted)


@dataclass
class QuantileNoiseState:
    """Quantile tracker state for ``(channels, bins)`` frames.

    Attributes:
        log_quantile: ``q`` of each estimator, ``(NUM_ESTIMATORS, channels, bins)`` nats.
        density: density estimate at ``q`` (eq. 2), same shape.
        counters: frames counted by each estimator in its window, ``(NUM_ESTIMATORS, channels)``
            (fractional when ``rate < 1``).
        learned: frames learned per channel, capped at the window (start-up while below it),
            ``(channels,)``.
        published: the published log noise magnitude, ``(channels, bins)``.
        noise: ``exp(published)``, the published noise magnitude.
        started: whether each channel has seen a non-silent frame (``(channels,)`` bool).
        window_frames: ``WINDOW_S`` in frames at this hop.
        settled: whether every channel has started and left start-up (skips both checks).
        scratch, above: per-frame work arrays (allocated once, no meaning between frames).
    """

    log_quantile: np.ndarray
    density: np.ndarray
    counters: np.ndarray
    learned: np.ndarray
    published: np.ndarray
    noise: np.ndarray
    started: np.ndarray
    window_frames: int
    settled: bool = False
    scratch: np.ndarray | None = None  # (2, NUM_ESTIMATORS, channels, bins) work arrays
    above: np.ndarray | None = None  # (NUM_ESTIMATORS, channels, bins) bool work array


def init_state(num_channels: int, num_bins: int, hop_s: float) -> QuantileNoiseState:
    """A fresh tracker for frames advanced by ``hop_s`` seconds."""
    window = max(NUM_ESTIMATORS, int(round(WINDOW_S / hop_s)))
    shape = (NUM_ESTIMATORS, num_channels, num_bins)
    # WebRTC's stagger: estimator s starts at floor(window (s + 1) / NUM_ESTIMATORS) frames.
    stagger = np.floor(window * np.arange(1, NUM_ESTIMATORS + 1) / NUM_ESTIMATORS)
    return QuantileNoiseState(
        log_quantile=np.zeros(shape), density=np.full(shape, INITIAL_DENSITY),
        counters=np.repeat(stagger[:, None], num_channels, axis=1),
        learned=np.zeros(num_channels), published=np.zeros((num_channels, num_bins)),
        noise=np.ones((num_channels, num_bins)),
        started=np.zeros(num_channels, bool), window_frames=window)


def update(state: QuantileNoiseState, log_magnitude: np.ndarray, rate: np.ndarray,
           live: np.ndarray, fall_rate: np.ndarray | None = None) -> np.ndarray:
    """Track one frame; return the published noise magnitude ``exp(q)``, ``(channels, bins)``.

    Args:
        log_magnitude: ``ln|Y|`` of one frame, ``(channels, bins)``, finite.
        rate: noise-update rate per channel in [0, 1], ``(channels,)`` (0 for silent frames).
        live: which channels carry signal in this frame, ``(channels,)`` bool; a channel's first
            live frame seeds its estimators whatever the rate (a stream frozen from its start
            keeps that first frame as its noise).
        fall_rate: if given, ``(channels,)`` in [``rate``, 1]: the rate of the downward steps,
            the density and the counters, while ``rate`` scales only the upward steps (eq. 1a).
            A quantile raised by something steady that is not noise (music) then rises at
            ``rate`` but still falls to the noise at ``fall_rate``; ``None`` is ``rate`` for both.
    """
    changed = False
    if not state.settled:
        fresh = live & ~state.started
        if fresh.any():  # a channel's first frame seeds every estimator and the published value
            state.log_quantile[:, fresh] = log_magnitude[fresh]
            state.published[fresh] = log_magnitude[fresh]
            state.started |= fresh
            changed = True
    counters = state.counters
    counted = rate if fall_rate is None else fall_rate  # what the counters and density follow
    gain = (counted / (counters + 1.0))[..., None]  # (S, C, 1): rate x 1/(n + 1)
    log_quantile, density = state.log_quantile, state.density
    if state.scratch is None or state.scratch.shape[1:] != log_quantile.shape:
        state.scratch = np.empty((2,) + log_quantile.shape)
        state.above = np.empty(log_quantile.shape, bool)
    step, work, above = state.scratch[0], state.scratch[1], state.above
    # eq. 1: a step of delta / (n + 1) = STEP_FACTOR gain / max(density, 1), times +Q above the
    # quantile and -(1 - Q) below it (the direction is (y > q) - (1 - Q): exactly Q or Q - 1)
    np.greater(log_magnitude, log_quantile, out=above)
    np.maximum(density, 1.0, out=step)
    np.divide(STEP_FACTOR * gain, step, out=step)
    step *= np.subtract(above, 1.0 - QUANTILE, out=work)
    if fall_rate is not None:  # upward steps at rate, not fall_rate (0/0: a frozen channel)
        rise = np.divide(rate, fall_rate, out=np.zeros_like(rate), where=fall_rate > 0)
        np.multiply(step, rise[:, None], out=step, where=above)
    log_quantile += step
    distance = np.subtract(log_magnitude, log_quantile, out=step)
    hit = np.less(np.abs(distance, out=distance), DENSITY_WIDTH, out=above)
    update = np.subtract(0.5 / DENSITY_WIDTH, density, out=work)  # eq. 2, where hit
    update *= gain
    np.add(density, update, out=density, where=hit)
    window = state.window_frames
    full = counters >= window
    if full.any():  # eq. 3: publish and restart (in estimator order, like WebRTC)
        settled = state.learned >= window
        for s in range(NUM_ESTIMATORS):
            publish = full[s] & settled
            state.published[publish] = state.log_quantile[s, publish]
        counters[full] = 0.0
        changed = True
    counters += counted
    if not state.settled:
        starting = state.learned < window
        if starting.any():  # start-up: follow the most settled estimator (largest count)
            settled_most = counters.argmax(axis=0)  # (C,)
            channels = np.flatnonzero(starting)
            state.published[channels] = state.log_quantile[settled_most[channels], channels]
            state.learned[starting] = np.minimum(state.learned[starting] + counted[starting], window)
            changed = True
        state.settled = bool(state.started.all() and (state.learned >= window).all())
    if changed:
        state.noise = np.exp(state.published)
    return state.noise
