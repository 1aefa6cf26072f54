"""Signal-subspace (KLT) enhancement with the time-domain-constrained estimator, streaming.

Ephraim & Van Trees (1995) write a short vector of noisy samples as ``y = x + w`` (``K``
samples) and estimate ``x_hat = H y`` with the linear filter that minimises signal distortion
subject to a bound on the residual noise (the time-domain-constrained estimator, TDC). With
white noise of variance ``sigma^2`` and the eigendecomposition ``R_y = U diag(lambda_y) U^T`` of
the noisy covariance, it is diagonal in the eigen (Karhunen-Loeve) domain (their Sec. III; equation numbers not
checked against the paper):

    lambda_x = max(lambda_y - sigma^2, 0)                       signal eigenvalues
    g_k      = lambda_x,k / (lambda_x,k + mu sigma^2)           gain per eigen-component
    H        = U diag(g) U^T

Components where ``lambda_y <= sigma^2`` form the noise subspace and are nulled; here they get the
floor ``10^(-reduction_db/20)`` instead, so noise alone comes out attenuated by ``reduction_db``
exactly and nothing is ever removed outright. The Lagrange multiplier ``mu`` trades distortion
for residual noise; it follows the frame's SNR as in Hu & Loizou (2003) and Loizou (2007, Sec.
8.6): ``mu = MU0 - SNR_dB / MU_SLOPE`` limited to ``[1, 5]`` (SNR 20 dB ... -5 dB), with
``SNR = sum(lambda_x) / (K sigma^2)``.

Framing (48 kHz figures; all scale with the rate)
    * Vectors of ``K = 64`` samples (1.3 ms), advanced by ``K / 2``: each is filtered, weighted
      by a periodic Hann window (whose shifted copies sum to 1 at that hop) and overlap-added.
    * One filter ``H`` serves a group of ``M = 24`` vectors (``hop = M K / 2`` = 768 samples,
      16 ms). Its covariance is the Toeplitz matrix of the Hann-tapered biased autocorrelation
      of a ``2 hop`` = 32 ms window centred on the group (positive semi-definite by
      construction): one ``eigh`` per 16 ms and channel instead of one per vector. The groups
      of a block are decomposed together with ``np.linalg.eigh`` over a stack; only complete
      groups are processed and the rest waits in the state, so results do not depend on the
      block sizes.
    * Latency ``1.5 hop - 1`` samples (1151 at 48 kHz): a group can be filtered once its window
      has arrived (``hop / 2`` after the group ends), and its last samples are complete only
      when the next group's first vector has been added; any block size is served by the
      constant delay (see ``latency_samples``).

Noise variance (white-noise model)
    In each window the lower half of the eigenvalues is dominated by noise when the signal is
    band-limited or sparse (speech, most music, against broadband noise). Their mean, smoothed
    over ``NOISE_SMOOTHING_S``, is followed by a running minimum over ``MINIMUM_WINDOW_S`` to
    ``2 MINIMUM_WINDOW_S`` (the two-buffer minimum of Cohen & Berdugo 2002, eqs. 8-11, here on
    this one statistic) and scaled by ``MINIMUM_BIAS`` (measured on white noise: the minimum of
    the smoothed statistic sits that far below the noise variance). Coloured noise is treated as
    white of the same low-half level: the method then removes most in the bands where the noise
    sits at or above that level (Hu & Loizou's prewhitening is not implemented).

References:
    Y. Ephraim and H. L. Van Trees, "A signal subspace approach for speech enhancement", IEEE
    Trans. Speech and Audio Processing 3(4), 251-266, 1995.
    Y. Hu and P. C. Loizou, "A generalized subspace approach for enhancing speech corrupted by
    colored noise", IEEE Trans. Speech and Audio Processing 11(4), 334-341, 2003.
    P. C. Loizou, "Speech Enhancement: Theory and Practice", CRC Press, 2007, Sec. 8.6.
    I. Cohen and B. Berdugo, "Noise estimation by minima controlled recursive averaging for
    robust speech enhancement", IEEE Signal Processing Letters 9(1), 12-15, 2002.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import ThreadpoolController

VECTOR_S = 64 / 48000  # K: 64 samples at 48 kHz; an eigh of 64 x 64 costs ~0.1 ms
GROUP_VECTORS = 24  # M: vectors sharing one filter, 16 ms at 48 kHz (speech is quasi-stationary)
MU0, MU_SLOPE = 4.2, 6.25  # mu = MU0 - SNR_dB / MU_SLOPE (Loizou 2007, Sec. 8.6)
MU_MIN, MU_MAX = 1.0, 5.0  # the values at 20 dB and -5 dB SNR
NOISE_SMOOTHING_S = 0.05  # time constant of the smoothed noise statistic
MINIMUM_WINDOW_S = 0.8  # the minimum spans 0.8-1.6 s: longer than a held syllable
MINIMUM_BIAS = 1.36  # noise variance / running minimum of the smoothed low-half mean (white
# noise at 48 kHz: the low-half mean averages 0.78 sigma^2 and its running minimum 0.74 sigma^2)
TINY = 1e-30  # digital silence: SNRs stay finite


@dataclass(frozen=True)
class Geometry:
    """Frame geometry at one sample rate (see the module docstring)."""

    vector: int  # K, even
    group: int  # M vectors per filter
    half: int  # K / 2, the vector hop
    hop: int  # M K / 2: group advance
    window: int  # 2 hop: covariance window
    fft_size: int  # >= window + K: the autocorrelation is not circular
    latency: int  # 1.5 hop - 1

    @classmethod
    def at(cls, sample_rate: float) -> "Geometry":
        half = max(2, int(round(VECTOR_S * sample_rate / 2)))
        hop = GROUP_VECTORS * half
        fft_size = 1 << int(np.ceil(np.log2(2 * hop + 2 * half)))
        return cls(2 * half, GROUP_VECTORS, half, hop, 2 * hop, fft_size, 3 * hop // 2 - 1)


@dataclass
class SubspaceState:
    """Everything the denoiser carries across blocks, for ``channels`` channels.

    Attributes:
        input_tail: samples from the start of the next group's covariance window on.
        overlap: second halves of the last filtered vector, ``(channels, K / 2)``.
        output_fifo: completed output not yet returned; starts with ``latency`` zeros.
        discard: completed samples still to drop (they precede the stream).
        smoothed: smoothed low-half eigenvalue mean ``(channels,)``; minimum, candidate: the
            running minimum and the next window's candidate; clock: groups into the window.
        started: whether ``smoothed`` holds a value yet.
        blas: limits LAPACK to one thread while decomposing: many 64 x 64 problems gain
            nothing from threads, and on a busy machine threaded BLAS ran 15-100x slower here
            (oversubscription).
    """

    input_tail: np.ndarray
    overlap: np.ndarray
    output_fifo: np.ndarray
    discard: int
    smoothed: np.ndarray
    minimum: np.ndarray
    candidate: np.ndarray
    clock: int = 0
    started: bool = False
    blas: ThreadpoolController = field(default_factory=ThreadpoolController)


def init_state(geometry: Geometry, num_channels: int) -> SubspaceState:
    """A fresh stream: silence before the first sample.

    The internal timeline starts ``hop / 2`` before the first group's vectors (its window's
    start) and the first vector starts ``K / 2`` before the first sample, so that sample is
    covered by two vectors like every other one.
    """
    lead = geometry.hop // 2 + geometry.half
    shape = (num_channels,)
    return SubspaceState(np.zeros((num_channels, lead)), np.zeros((num_channels, geometry.half)),
                         np.zeros((num_channels, geometry.latency)), geometry.half,
                         np.zeros(shape), np.zeros(shape), np.zeros(shape))


def hann(size: int) -> np.ndarray:
    """Periodic Hann window: copies shifted by ``size / 2`` sum to exactly 1."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(size) / size)


def covariances(windows: np.ndarray, geometry: Geometry) -> np.ndarray:
    """Toeplitz covariance ``(..., K, K)`` of ``(..., window)`` samples.

    ``r[k] = sum_n v[n] v[n + k] / sum_n h[n]^2`` with ``v = h x`` Hann-tapered (the biased
    estimate, so the matrix is positive semi-definite), via a zero-padded FFT.
    """
    taper = hann(geometry.window)
    spectrum = np.fft.rfft(windows * taper, n=geometry.fft_size, axis=-1)
    lags = np.fft.irfft(spectrum.real ** 2 + spectrum.imag ** 2, n=geometry.fft_size,
                        axis=-1)[..., :geometry.vector] / np.sum(taper * taper)
    index = np.abs(np.arange(geometry.vector)[:, None] - np.arange(geometry.vector))
    return lags[..., index]


def track_noise(state: SubspaceState, statistic: np.ndarray, geometry: Geometry,
                sample_rate: float) -> np.ndarray:
    """Noise variance ``(channels, groups)`` from the low-half eigenvalue means, group by group."""
    period = geometry.hop / sample_rate
    keep = float(np.exp(-period / NOISE_SMOOTHING_S))
    span = max(1, int(round(MINIMUM_WINDOW_S / period)))
    noise = np.empty_like(statistic)
    for g in range(statistic.shape[1]):
        value = statistic[:, g]
        if not state.started:
            state.smoothed = value.copy()
            state.minimum = value.copy()
            state.candidate = value.copy()
            state.started = True
        state.smoothed = keep * state.smoothed + (1.0 - keep) * value
        state.minimum = np.minimum(state.minimum, state.smoothed)
        state.candidate = np.minimum(state.candidate, state.smoothed)
        state.clock += 1
        if state.clock >= span:  # eqs. 8-11: the minimum over the last span to 2 span groups
            state.minimum = np.minimum(state.candidate, state.smoothed)
            state.candidate = state.smoothed.copy()
            state.clock = 0
        noise[:, g] = MINIMUM_BIAS * state.minimum
    return noise


def tdc_filters(windows: np.ndarray, state: SubspaceState, geometry: Geometry,
                sample_rate: float, floor: float) -> np.ndarray:
    """TDC filters ``H`` ``(channels, groups, K, K)`` for ``(channels, groups, window)`` windows."""
    with state.blas.limit(limits=1, user_api="blas"):
        eigenvalues, vectors = np.linalg.eigh(covariances(windows, geometry))  # ascending
    statistic = eigenvalues[..., : geometry.vector // 2].mean(axis=-1)
    sigma2 = track_noise(state, statistic, geometry, sample_rate)[..., None]
    signal = np.maximum(eigenvalues - sigma2, 0.0)
    snr = signal.sum(axis=-1, keepdims=True) / (geometry.vector * sigma2 + TINY)
    snr_db = 10.0 * np.log10(snr + TINY)
    mu = np.clip(MU0 - snr_db / MU_SLOPE, MU_MIN, MU_MAX)
    gains = np.maximum(signal / (signal + mu * sigma2 + TINY), floor)
    return (vectors * gains[..., None, :]) @ np.swapaxes(vectors, -1, -2)


def process_block(state: SubspaceState, block: np.ndarray, geometry: Geometry,
                  sample_rate: float, floor: float) -> np.ndarray:
    """Filter ``(channels, n)`` samples; return ``(channels, n)`` delayed by ``geometry.latency``.

    Args:
        floor: the least gain of any eigen-component, ``10^(-reduction_db/20)``.
    """
    n = block.shape[1]
    buffer = np.concatenate([state.input_tail, block], axis=1)
    hop, half = geometry.hop, geometry.half
    groups = max((buffer.shape[1] - geometry.window) // hop + 1, 0)
    if groups:
        used = buffer[:, : (groups - 1) * hop + geometry.window]
        windows = np.lib.stride_tricks.sliding_window_view(used, geometry.window, axis=1)[:, ::hop]
        filters = tdc_filters(windows, state, geometry, sample_rate, floor)
        # The group's vectors start hop / 2 into its window, K / 2 apart: (C, G, M, K).
        starts = hop // 2 + half * np.arange(geometry.group)
        vectors = windows[..., starts[:, None] + np.arange(geometry.vector)]
        filtered = (vectors @ filters) * hann(geometry.vector)  # H is symmetric: (H y)^T = y^T H
        filtered = filtered.reshape(block.shape[0], groups * geometry.group, geometry.vector)
        heads, tails = filtered[..., :half], filtered[..., half:]
        previous = np.concatenate([state.overlap[:, None], tails[:, :-1]], axis=1)
        completed = (heads + previous).reshape(block.shape[0], -1)
        state.overlap = tails[:, -1]
        state.input_tail = buffer[:, groups * hop:]
        if state.discard:
            dropped = min(state.discard, completed.shape[1])
            completed = completed[:, dropped:]
            state.discard -= dropped
        state.output_fifo = np.concatenate([state.output_fifo, completed], axis=1)
    else:
        state.input_tail = buffer
    out = state.output_fifo[:, :n]
    state.output_fifo = state.output_fifo[:, n:]
    return out
