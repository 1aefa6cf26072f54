"""Signal-subspace (KLT) enhancement for coloured noise (Hu & Loizou's prewhitened TDC), streaming.

Ephraim & Van Trees (1995) write a short vector of noisy samples as ``y = x + w`` (``K``
samples) and estimate ``x_hat = H y`` with the linear filter that minimises signal distortion
subject to a bound on the residual noise (the time-domain-constrained estimator, TDC). Their
closed form assumes white noise. Hu & Loizou (2003) generalise it to any noise covariance
``R_n`` by simultaneous diagonalisation of ``R_x`` and ``R_n``; with the Cholesky factor
``R_n = L L^T`` that is the white-noise estimator applied in the prewhitened domain
``y_w = L^{-1} y``, where the noise covariance is the identity:

    R_w      = L^{-1} R_y L^{-T} = U diag(lambda_w) U^T       whitened noisy covariance
    lambda_x = max(lambda_w - 1, 0)                           whitened signal eigenvalues
    g_k      = lambda_x,k / (lambda_x,k + mu)                 TDC gain per eigen-component
    H        = L U diag(g) U^T L^{-1}                         back to the sample domain

(Hu & Loizou's ``H = V^{-T} G V^T`` with the generalised eigenvectors ``V = L^{-T} U``, which
satisfy ``V^T R_n V = I``.) ``H`` is no longer symmetric, but it is similar to ``diag(g)``: its
eigenvalues are the gains. Components where ``lambda_w <= 1`` hold noise only and get the floor
``10^(-reduction_db/20)`` instead of being nulled: noise alone comes out attenuated by
``reduction_db`` whatever its colour (``H = floor I`` there), and nothing is removed outright.
The Lagrange multiplier ``mu`` trades distortion for residual noise; it follows the group's SNR
as in Hu & Loizou (2003) and Loizou (2007, Sec. 8.6): ``mu = MU0 - SNR_dB / MU_SLOPE`` limited
to ``[1, 5]`` (SNR 20 dB ... -5 dB), with ``SNR = sum(lambda_x) / K`` (the whitened noise has
unit variance per dimension).

Framing (48 kHz figures; all scale with the rate)
    * Vectors of ``K = 64`` samples (1.3 ms), advanced by ``K / 2``: each is filtered, weighted
      by a periodic Hann window (whose shifted copies sum to 1 at that hop) and overlap-added.
    * One filter ``H`` serves a group of ``M = 24`` vectors (``hop = M K / 2`` = 768 samples,
      16 ms). Its covariance is the Toeplitz matrix of the Hann-tapered biased autocorrelation
      of a ``2 hop`` = 32 ms window centred on the group (positive semi-definite by
      construction): one ``eigh`` (plus the noise covariance's Cholesky factor and its
      inverse) per 16 ms and channel instead of one per vector. The groups
      of a block are decomposed together with ``np.linalg.eigh`` over a stack; only complete
      groups are processed and the rest waits in the state, so results do not depend on the
      block sizes.
    * Latency ``1.5 hop - 1`` samples (1151 at 48 kHz): a group can be filtered once its window
      has arrived (``hop / 2`` after the group ends), and its last samples are complete only
      when the next group's first vector has been added; any block size is served by the
      constant delay (see ``latency_samples``).

Noise covariance (coloured-noise model)
    ``R_n`` is the Toeplitz matrix of the noise autocorrelation, obtained from a noise power
    spectrum tracked on the covariance window's own tapered periodogram ``|FFT(h x)|^2``
    (the same periodogram whose inverse FFT gives ``R_y``, so both carry the same taper bias):

    * the periodogram is smoothed per bin over ``NOISE_SMOOTHING_S``;
    * per band, the median of its smoothed bins: bands of ``BAND_HZ`` (16 bins at 48 kHz)
      above ``LOW_SPLIT_HZ``, where a tone or a harmonic occupies a few bins of a band and
      does not lift its median (a sustained note is not taken for noise: an order statistic
      across the band's bins, like Stahl, Fischer & Bippus's quantile noise estimation across
      time), and bands of ``LOW_BAND_HZ`` (2 bins)
      below it, where coloured noise is steep (pink, brown, hum) and wide bands would
      misjudge its level (steady low tones are taken for noise there, as by every per-bin
      tracker);
    * the band medians are followed by a running minimum over ``MINIMUM_WINDOW_S`` to
      ``2 MINIMUM_WINDOW_S`` (the two-buffer minimum of Cohen & Berdugo 2002, eqs. 8-11;
      minimum statistics after Martin 2001) and scaled by ``LOW_MINIMUM_BIAS`` /
      ``MINIMUM_BIAS`` (measured on white noise: mean band level over the running minimum);
    * the band levels, held constant over each band's bins, are turned into the lags
      ``r_n[0 .. K-1]`` by one small matrix product (the inverse FFT of each band's indicator,
      precomputed), limited below to ``DYNAMIC_RANGE`` under the mean level so that ``R_n``
      stays well conditioned (a positive spectrum gives a positive definite Toeplitz matrix).

References:
    Y. Ephraim and H. L. Van Trees, "A signal subspace approach for speech enhancement", IEEE
    Trans. Speech and Audio Processing 3(4), 251-266, 1995.
    Y. Hu and P. C. Loizou, "A generalized subspace approach for enhancing speech corrupted by
    colored noise", IEEE Trans. Speech and Audio Processing 11(4), 334-341, 2003.
    P. C. Loizou, "Speech Enhancement: Theory and Practice", CRC Press, 2007, Sec. 8.6.
    I. Cohen and B. Berdugo, "Noise estimation by minima controlled recursive averaging for
    robust speech enhancement", IEEE Signal Processing Letters 9(1), 12-15, 2002.
    R. Martin, "Noise power spectral density estimation based on optimal smoothing and minimum
    statistics", IEEE Trans. Speech and Audio Processing 9(5), 504-512, 2001.
    V. Stahl, A. Fischer and R. Bippus, "Quantile based noise estimation for spectral
    subtraction and Wiener filtering", Proc. IEEE ICASSP 2000, vol. 3, 1875-1878.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg.lapack import dtrtri
from threadpoolctl import ThreadpoolController

from .gain_smoothing import link_gains

VECTOR_S = 64 / 48000  # K: 64 samples at 48 kHz; an eigh of 64 x 64 costs ~0.1 ms
GROUP_VECTORS = 24  # M: vectors sharing one filter, 16 ms at 48 kHz (speech is quasi-stationary)
MU0, MU_SLOPE = 4.2, 6.25  # mu = MU0 - SNR_dB / MU_SLOPE (Loizou 2007, Sec. 8.6)
MU_MIN, MU_MAX = 1.0, 5.0  # the values at 20 dB and -5 dB SNR
BAND_HZ = 375.0  # noise bands: half the K-sample vector's resolution (fs / K = 750 Hz)
LOW_BAND_HZ = 47.0  # ... except below LOW_SPLIT_HZ, where coloured noise is steep (pink,
LOW_SPLIT_HZ = 750.0  # brown, hum): bands of 2 bins at 48 kHz follow its slope
NOISE_SMOOTHING_S = 0.1  # time constant of the per-bin smoothing (6 groups at 48 kHz)
MINIMUM_WINDOW_S = 0.8  # the minimum spans 0.8-1.6 s: longer than a held syllable
# Mean band level / running minimum of the band medians, measured on white noise (the same at
# 16, 44.1 and 48 kHz): the medians of 2-bin low bands vary more than those of 16-bin bands, so
# their minimum sits further down (10-90 % of the ratios: 1.41-2.11 and 1.22-1.48).
LOW_MINIMUM_BIAS = 1.7
MINIMUM_BIAS = 1.34
DYNAMIC_RANGE = 1e-6  # band levels are kept above 60 dB under their mean: R_n well conditioned
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
    low_bins: int  # periodogram bins in the narrow low bands
    low_width: int  # bins per narrow low band
    band_bins: int  # bins per band above them
    bands: int  # all noise bands; the bins above the last full band share its level

    @classmethod
    def at(cls, sample_rate: float) -> "Geometry":
        half = max(2, int(round(VECTOR_S * sample_rate / 2)))
        hop = GROUP_VECTORS * half
        fft_size = 1 << int(np.ceil(np.log2(2 * hop + 2 * half)))
        bin_hz = sample_rate / fft_size
        low_width = max(1, int(round(LOW_BAND_HZ / bin_hz)))
        low_bins = low_width * max(1, int(round(LOW_SPLIT_HZ / bin_hz / low_width)))
        band_bins = max(3, int(round(BAND_HZ / bin_hz)))
        bands = low_bins // low_width + max(1, (fft_size // 2 - low_bins) // band_bins)
        return cls(2 * half, GROUP_VECTORS, half, hop, 2 * hop, fft_size, 3 * hop // 2 - 1,
                   low_bins, low_width, band_bins, bands)


@dataclass
class SubspaceState:
    """Everything the denoiser carries across blocks, for ``channels`` channels.

    Attributes:
        input_tail: samples from the start of the next group's covariance window on.
        overlap: second halves of the last filtered vector, ``(channels, K / 2)``.
        output_fifo: completed output not yet returned; starts with ``latency`` zeros.
        discard: completed samples still to drop (they precede the stream).
        smoothed: time-smoothed periodogram ``(channels, bins)``; minimum, candidate: the
            running minimum of its band medians ``(channels, bands)`` and the next window's
            candidate; clock: groups into the window.
        started: whether ``smoothed`` holds a value yet.
        tables: the windows and index tables of the geometry (constant).
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
    tables: "Tables"
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
    shape = (num_channels, geometry.bands)
    return SubspaceState(np.zeros((num_channels, lead)), np.zeros((num_channels, geometry.half)),
                         np.zeros((num_channels, geometry.latency)), geometry.half,
                         np.zeros((num_channels, geometry.fft_size // 2 + 1)), np.zeros(shape),
                         np.zeros(shape), Tables.build(geometry))


def hann(size: int) -> np.ndarray:
    """Periodic Hann window: copies shifted by ``size / 2`` sum to exactly 1."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(size) / size)


@dataclass(frozen=True, eq=False)
class Tables:
    """Constant arrays of one geometry, computed once per stream.

    Attributes:
        taper: Hann taper of the covariance window; taper_energy: ``sum(taper^2)``.
        vector_window: Hann window of the ``K``-sample vectors (overlap-add to 1 at ``K / 2``).
        toeplitz_index: ``|i - j|``, ``(K, K)``: lags to Toeplitz matrix.
        vector_index: ``(M, K)`` sample offsets of a group's vectors in its window.
        band_to_lags: ``(bands, K)`` lags ``r[0 .. K-1]`` of a unit level in each band (the
            inverse FFT of the band's indicator over the taper's energy).
        band_bias: ``(bands,)`` minimum-statistics bias of each band.
    """

    taper: np.ndarray
    taper_energy: float
    vector_window: np.ndarray
    toeplitz_index: np.ndarray
    vector_index: np.ndarray
    band_to_lags: np.ndarray
    band_bias: np.ndarray

    @classmethod
    def build(cls, geometry: Geometry) -> "Tables":
        taper = hann(geometry.window)
        k = np.arange(geometry.vector)
        starts = geometry.hop // 2 + geometry.half * np.arange(geometry.group)
        low_bands = geometry.low_bins // geometry.low_width
        return cls(taper, float(np.sum(taper * taper)), hann(geometry.vector),
                   np.abs(k[:, None] - k), starts[:, None] + k, band_lags(geometry),
                   np.where(np.arange(geometry.bands) < low_bands, LOW_MINIMUM_BIAS, MINIMUM_BIAS))


def band_index(geometry: Geometry) -> np.ndarray:
    """Band of each periodogram bin, ``(fft_size // 2 + 1,)``; the top bins join the last band."""
    bins = np.arange(geometry.fft_size // 2 + 1)
    low_bands = geometry.low_bins // geometry.low_width
    upper = low_bands + (bins - geometry.low_bins) // geometry.band_bins
    return np.minimum(np.where(bins < geometry.low_bins, bins // geometry.low_width, upper),
                      geometry.bands - 1)


def band_lags(geometry: Geometry) -> np.ndarray:
    """``(bands, K)``: lags of a periodogram equal to 1 on one band's bins and 0 elsewhere,
    scaled like :func:`covariances` (so band levels in periodogram units give ``r_n``)."""
    taper = hann(geometry.window)
    indicator = (band_index(geometry)[None, :] == np.arange(geometry.bands)[:, None]).astype(float)
    return np.fft.irfft(indicator, n=geometry.fft_size, axis=-1)[:, :geometry.vector] / np.sum(
        taper * taper)


def periodograms(windows: np.ndarray, geometry: Geometry, tables: Tables | None = None) -> np.ndarray:
    """Hann-tapered periodograms ``|FFT(h x)|^2`` ``(..., fft_size // 2 + 1)`` of ``(..., window)``."""
    taper = tables.taper if tables is not None else hann(geometry.window)
    spectrum = np.fft.rfft(windows * taper, n=geometry.fft_size, axis=-1)
    return spectrum.real ** 2 + spectrum.imag ** 2


def toeplitz(lags: np.ndarray, geometry: Geometry, tables: Tables | None = None) -> np.ndarray:
    """Symmetric Toeplitz matrices ``(..., K, K)`` from lags ``(..., K)``."""
    if tables is not None:
        return lags[..., tables.toeplitz_index]
    index = np.abs(np.arange(geometry.vector)[:, None] - np.arange(geometry.vector))
    return lags[..., index]


def covariances(windows: np.ndarray, geometry: Geometry, periodogram: np.ndarray | None = None,
                tables: Tables | None = None) -> np.ndarray:
    """Toeplitz covariance ``(..., K, K)`` of ``(..., window)`` samples.

    ``r[k] = sum_n v[n] v[n + k] / sum_n h[n]^2`` with ``v = h x`` Hann-tapered (the biased
    estimate, so the matrix is positive semi-definite), via a zero-padded FFT (pass the
    windows' :func:`periodograms` if already computed).
    """
    tables = tables if tables is not None else Tables.build(geometry)
    if periodogram is None:
        periodogram = periodograms(windows, geometry, tables)
    lags = np.fft.irfft(periodogram, n=geometry.fft_size, axis=-1)[..., :geometry.vector]
    return toeplitz(lags / tables.taper_energy, geometry, tables)


def middle(values: np.ndarray) -> np.ndarray:
    """Median along the last axis (``np.median``'s values, with less overhead per call)."""
    width = values.shape[-1]
    if width == 2:
        return 0.5 * (values[..., 0] + values[..., 1])
    centre = width // 2
    if width % 2:
        return np.partition(values, centre, axis=-1)[..., centre]
    ordered = np.partition(values, (centre - 1, centre), axis=-1)
    return 0.5 * (ordered[..., centre - 1] + ordered[..., centre])


def band_medians(smoothed: np.ndarray, geometry: Geometry) -> np.ndarray:
    """Median of each band's smoothed bins, ``(channels, bands)`` from ``(channels, bins)``."""
    low_bands = geometry.low_bins // geometry.low_width
    upper_bands = geometry.bands - low_bands
    low = smoothed[:, : geometry.low_bins].reshape(-1, low_bands, geometry.low_width)
    upper = smoothed[:, geometry.low_bins: geometry.low_bins + upper_bands * geometry.band_bins]
    upper = upper.reshape(-1, upper_bands, geometry.band_bins)
    return np.concatenate((middle(low), middle(upper)), axis=-1)


def track_noise(state: SubspaceState, periodogram: np.ndarray, geometry: Geometry,
                sample_rate: float, update: bool = True) -> np.ndarray:
    """Noise band levels ``(channels, groups, bands)`` from ``(channels, groups, bins)``
    periodograms, group by group (see the module docstring).

    ``update=False`` (``mode="frozen"``) keeps the tracker as it is and returns its levels; the
    stream's first group always starts it (before it nothing is known).
    """
    if not update and state.started:
        levels = state.tables.band_bias * state.minimum
        return np.broadcast_to(levels[:, None], periodogram.shape[:2] + (geometry.bands,))
    period = geometry.hop / sample_rate
    keep = math.exp(-period / NOISE_SMOOTHING_S)
    span = max(1, int(round(MINIMUM_WINDOW_S / period)))
    noise = np.empty(periodogram.shape[:2] + (geometry.bands,))
    bias = state.tables.band_bias
    for g in range(periodogram.shape[1]):
        value = periodogram[:, g]
        if not state.started:
            state.smoothed = value.copy()
            state.started = True
            first = band_medians(state.smoothed, geometry)
            state.minimum, state.candidate = first.copy(), first.copy()
        if update:
            state.smoothed = keep * state.smoothed + (1.0 - keep) * value
            statistic = band_medians(state.smoothed, geometry)
            state.minimum = np.minimum(state.minimum, statistic)
            state.candidate = np.minimum(state.candidate, statistic)
            state.clock += 1
            if state.clock >= span:  # eqs. 8-11: the minimum over the last span to 2 span groups
                state.minimum = np.minimum(state.candidate, statistic)
                state.candidate = statistic
                state.clock = 0
        noise[:, g] = bias * state.minimum
    return noise


def noise_covariances(levels: np.ndarray, state: SubspaceState, geometry: Geometry) -> np.ndarray:
    """Toeplitz ``R_n`` ``(..., K, K)`` from noise band levels ``(..., bands)``."""
    floor = DYNAMIC_RANGE * levels.mean(axis=-1, keepdims=True) + TINY
    # einsum, not @: a (groups, bands) x (bands, K) BLAS product rounds each row by how many
    # groups the block holds, and the output must not depend on the blocking
    lags = np.einsum("...b,bk->...k", np.maximum(levels, floor), state.tables.band_to_lags)
    return toeplitz(lags, geometry, state.tables)


def lower_triangular_inverse(lower: np.ndarray) -> np.ndarray:
    """``L^-1`` of a stack of lower-triangular matrices ``(..., K, K)`` (LAPACK ``dtrtri``: a
    third of ``np.linalg.inv``'s cost at K = 64, which factors ``L`` as if it were full)."""
    inverse = np.empty_like(lower)
    flat_in, flat_out = lower.reshape(-1, *lower.shape[-2:]), inverse.reshape(-1, *lower.shape[-2:])
    for i in range(flat_in.shape[0]):
        result, info = dtrtri(flat_in[i], lower=1)
        if info:
            raise np.linalg.LinAlgError(f"singular noise covariance factor (dtrtri info {info})")
        flat_out[i] = result
    return inverse


@dataclass(frozen=True)
class Controls:
    """What the plugin's parameters ask of one block (the defaults: adaptive, unlinked).

    Attributes:
        floor: the least gain of any eigen-component, ``10^(-reduction_db/20)``.
        noise_gain: factor on the noise levels the filter sees (``sensitivity_db``).
        learned: learned noise band levels ``(channels or 1, bands)`` used instead of the
            tracked ones (``mode="learned"``; see :func:`profile_levels`), or ``None``.
        update: whether the tracker follows the noise (``False``: ``mode="frozen"``).
        link: ``"off"`` (a filter per channel), ``"mean"`` or ``"min"``: one filter for all
            channels (see :func:`tdc_factors`).
    """

    floor: float
    noise_gain: float = 1.0
    learned: np.ndarray | None = None
    update: bool = True
    link: str = "off"


def profile_levels(power: np.ndarray, geometry: Geometry, tables: "Tables") -> np.ndarray:
    """Noise band levels ``(channels, bands)`` of a learned mean noise spectrum ``(channels,
    fft_size // 2 + 1)`` given in the units of a sqrt-Hann frame of ``fft_size`` samples (window
    energy ``fft_size / 2``: ``noise_profile.resample_profile``'s): rescaled to the energy of
    this tracker's Hann taper, then each band's median, as the tracker takes them (its bias
    factors turn its minima into such mean levels)."""
    return band_medians(power * (tables.taper_energy / (geometry.fft_size / 2)), geometry)


def tdc_gains(eigenvalues: np.ndarray, geometry: Geometry, floor: float) -> np.ndarray:
    """TDC gain per whitened eigen-component ``(..., K)`` (module docstring: ``mu`` from the SNR)."""
    signal = np.maximum(eigenvalues - 1.0, 0.0)
    snr = signal.sum(axis=-1, keepdims=True) / geometry.vector
    snr_db = 10.0 * np.log10(snr + TINY)
    mu = np.clip(MU0 - snr_db / MU_SLOPE, MU_MIN, MU_MAX)
    return np.maximum(signal / (signal + mu), floor)


def tdc_factors(windows: np.ndarray, state: SubspaceState, geometry: Geometry,
                sample_rate: float, controls: Controls) -> tuple[np.ndarray, np.ndarray]:
    """Prewhitened TDC filters in factored form ``H = A B`` for ``(channels, groups, window)``
    windows: ``A = L U diag(g)`` and ``B = U^T L^-1``, both ``(channels, groups, K, K)``.

    Linked channels (``controls.link`` ``"mean"``/``"min"``, more than one channel) share ONE
    filter, so the stereo image does not wander and one eigendecomposition serves them all:
    the noise levels are averaged over channels (one ``L``), the basis ``U`` is that of the
    channels' mean whitened covariance, each channel's signal energy along ``u_k`` is
    ``u_k^T R_w,c u_k`` (its own eigenvalue where the channels agree), and the channels' TDC
    gains are combined by their mean or minimum, as the spectral denoisers link their gains.
    The factors then have one row, ``(1, groups, K, K)``, which broadcasts over the channels.
    """
    tables = state.tables
    periodogram = periodograms(windows, geometry, tables)
    noise = track_noise(state, periodogram, geometry, sample_rate, controls.update)
    if controls.learned is not None:
        noise = np.broadcast_to(controls.learned[:, None], noise.shape)
    if controls.noise_gain != 1.0:
        noise = noise * controls.noise_gain
    linked = controls.link != "off" and windows.shape[0] > 1
    if linked:
        noise = noise.mean(axis=0, keepdims=True)
    with state.blas.limit(limits=1, user_api="blas"):
        lower = np.linalg.cholesky(noise_covariances(noise, state, geometry))  # R_n = L L^T
        inverse = lower_triangular_inverse(lower)
        covariance = covariances(windows, geometry, periodogram, tables)
        whitened = inverse @ covariance @ np.swapaxes(inverse, -1, -2)
        if linked:
            _, vectors = np.linalg.eigh(whitened.mean(axis=0, keepdims=True))
            energies = np.add.reduce(vectors * (whitened @ vectors), axis=-2)  # u_k^T R_w,c u_k
            gains = link_gains(tdc_gains(energies, geometry, controls.floor), controls.link)
        else:
            eigenvalues, vectors = np.linalg.eigh(whitened)  # ascending; noise has eigenvalue 1
            gains = tdc_gains(eigenvalues, geometry, controls.floor)
        return (lower @ vectors) * gains[..., None, :], np.swapaxes(vectors, -1, -2) @ inverse


def tdc_filters(windows: np.ndarray, state: SubspaceState, geometry: Geometry,
                sample_rate: float, controls: Controls) -> np.ndarray:
    """Prewhitened TDC filters ``H = L U diag(g) U^T L^-1`` ``(channels, groups, K, K)`` for
    ``(channels, groups, window)`` windows (applied as ``H y``; ``H`` is not symmetric)."""
    scaled, projection = tdc_factors(windows, state, geometry, sample_rate, controls)
    return scaled @ projection


def process_block(state: SubspaceState, block: np.ndarray, geometry: Geometry,
                  sample_rate: float, controls: Controls) -> np.ndarray:
    """Filter ``(channels, n)`` samples; return ``(channels, n)`` delayed by ``geometry.latency``.

    Args:
        controls: the block's floor, noise source and link (:class:`Controls`).
    """
    n = block.shape[1]
    buffer = np.concatenate((state.input_tail, block), axis=1)
    hop, half = geometry.hop, geometry.half
    groups = max((buffer.shape[1] - geometry.window) // hop + 1, 0)
    if groups:
        starts = hop * np.arange(groups)
        windows = buffer[:, starts[:, None] + np.arange(geometry.window)]  # (C, G, window)
        scaled, projection = tdc_factors(windows, state, geometry, sample_rate, controls)
        # The group's vectors start hop / 2 into its window, K / 2 apart: (C, G, M, K); each
        # row y^T becomes (H y)^T = y^T B^T A^T.
        vectors = windows[..., state.tables.vector_index]
        with state.blas.limit(limits=1, user_api="blas"):
            filtered = (vectors @ np.swapaxes(projection, -1, -2)) @ np.swapaxes(scaled, -1, -2)
        filtered *= state.tables.vector_window
        filtered = filtered.reshape(block.shape[0], groups * geometry.group, geometry.vector)
        heads, tails = filtered[..., :half], filtered[..., half:]
        previous = np.concatenate((state.overlap[:, None], tails[:, :-1]), axis=1)
        completed = (heads + previous).reshape(block.shape[0], -1)
        state.overlap = tails[:, -1]
        state.input_tail = buffer[:, groups * hop:]
        if state.discard:
            dropped = min(state.discard, completed.shape[1])
            completed = completed[:, dropped:]
            state.discard -= dropped
        state.output_fifo = np.concatenate((state.output_fifo, completed), axis=1)
    else:
        state.input_tail = buffer
    out = state.output_fifo[:, :n]
    state.output_fifo = state.output_fifo[:, n:]
    return out
