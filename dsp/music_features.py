"""Per-frame features for the speech/music detector, from the denoiser's own STFT frames.

The detector (the article's Solution 1, yellow box) sees the same power spectra as the noise
suppressor, so it costs one small feature step and one tiny GRU step per frame. The features are
those of Opus's speech/music classifier family (Valin et al., "A Hybrid Speech/Music Classifier
for Opus", and RNNoise, Valin, MMSP 2018), at full band:

- ``NUM_BANDS`` log band energies on the ERB-rate scale (Glasberg & Moore, Hearing Research 47,
  1990: ``ERB-rate(f) = 21.4 log10(1 + 0.00437 f)``) from 50 Hz to 20 kHz, averaged over
  channels, in log10 power, with a per-frame mean removed (level independence) and that mean
  kept as its own feature;
- the first difference of the band energies (onsets, vibrato, note changes);
- spectral flux (positive log-spectral change, mean over bins), spectral flatness (geometric /
  arithmetic mean of the power, Gray & Markel 1974) and a tonality measure (share of power in
  bins that are local peaks), all three well known to separate sustained tonal music from
  speech and noise;
- a long-term "stationarity" of the band energies: a slow exponential average (``SLOW_TAU_S``)
  of the absolute band difference, which is low for music's sustained notes and noise, high for
  syllabic speech.

``FEATURE_SIZE = 2 * NUM_BANDS + 5``. All state is one small object; everything is vectorised
over bins and channels.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

NUM_BANDS = 24
LOW_HZ, HIGH_HZ = 50.0, 20000.0
SLOW_TAU_S = 1.0
FEATURE_SIZE = 2 * NUM_BANDS + 5
EPS = 1e-10
LN10 = float(np.log(10.0))


def erb_rate(hz: np.ndarray | float) -> np.ndarray:
    """ERB-rate (number of ERBs below ``hz``), Glasberg & Moore 1990 eq. 4."""
    return 21.4 * np.log10(1.0 + 0.00437 * np.asarray(hz, dtype=float))


def erb_band_matrix(sample_rate: float, frame_size: int) -> np.ndarray:
    """``(NUM_BANDS, bins)`` triangular weights pooling FFT bins into ERB-spaced bands.

    Bands above Nyquist (low sample rates) are left empty and produce the floor energy.
    """
    freqs = np.fft.rfftfreq(frame_size, 1.0 / sample_rate)
    edges = erb_rate(np.array([LOW_HZ, min(HIGH_HZ, 0.5 * sample_rate)]))
    centres = np.linspace(edges[0], edges[1], NUM_BANDS + 2)
    position = erb_rate(freqs)
    weights = np.zeros((NUM_BANDS, freqs.size))
    for b in range(NUM_BANDS):
        lo, mid, hi = centres[b], centres[b + 1], centres[b + 2]
        rising = (position - lo) / (mid - lo)
        falling = (hi - position) / (hi - mid)
        weights[b] = np.clip(np.minimum(rising, falling), 0.0, None)
    weights /= np.maximum(weights.sum(axis=1, keepdims=True), EPS)
    return weights


@dataclass
class FeatureState:
    """What the feature extractor carries from frame to frame."""

    bands: np.ndarray  # (NUM_BANDS, bins) pooling matrix
    previous_log_bands: np.ndarray  # (NUM_BANDS,)
    previous_log_spectrum: np.ndarray  # (bins,)
    stationarity: np.ndarray  # (NUM_BANDS,) slow average of |band difference|
    slow: float  # one-pole coefficient of SLOW_TAU_S at the frame rate


def init_state(sample_rate: float, frame_size: int, hop_size: int) -> FeatureState:
    bins = frame_size // 2 + 1
    return FeatureState(erb_band_matrix(sample_rate, frame_size), np.full(NUM_BANDS, -10.0),
                        np.full(bins, -10.0), np.zeros(NUM_BANDS),
                        float(np.exp(-hop_size / (SLOW_TAU_S * sample_rate))))


def block_features(state: FeatureState, power: np.ndarray) -> np.ndarray:
    """Features of consecutive frames from their power spectra ``(channels, frames, bins)`` ->
    ``(frames, FEATURE_SIZE)``, carrying ``state`` on: the same numbers frame by frame or in
    blocks (the slow stationarity average is ``scipy.signal.lfilter`` with its state as ``zi``).

    Called inside the denoisers' per-block paths, so it is written for few numpy calls: one
    logarithm of the spectrum serves the log spectrum and the flatness, all frames at once.
    """
    spectrum = (power[0] if power.shape[0] == 1 else power.mean(axis=0)) + EPS  # (frames, bins)
    ln_spectrum = np.log(spectrum)
    log_spectrum = ln_spectrum * (1.0 / LN10)
    log_bands = np.log10(spectrum @ state.bands.T + EPS)  # (frames, NUM_BANDS)
    level = log_bands.mean(axis=1)
    delta = np.diff(log_bands, axis=0, prepend=state.previous_log_bands[None])
    change = np.diff(log_spectrum, axis=0, prepend=state.previous_log_spectrum[None])
    flux = np.maximum(change, 0.0, out=change).mean(axis=1)
    total = spectrum.sum(axis=1)
    flatness = np.exp(ln_spectrum.mean(axis=1)) * spectrum.shape[1] / total  # geometric / arithmetic
    inner = spectrum[:, 1:-1]
    peaks = (inner > spectrum[:, :-2]) & (inner > spectrum[:, 2:])  # local maxima
    tonality = np.einsum("fb,fb->f", inner, peaks) / total
    slow = state.slow  # one-pole average over frames, continued from the state (zi)
    averages, _ = lfilter([1.0 - slow], [1.0, -slow], np.abs(delta), axis=0, zi=slow * state.stationarity[None])
    state.stationarity = averages[-1]
    stationarity = averages.mean(axis=1)
    state.previous_log_bands = log_bands[-1]
    state.previous_log_spectrum = log_spectrum[-1]
    features = np.empty((len(delta), FEATURE_SIZE))
    features[:, :NUM_BANDS] = log_bands - level[:, None]
    np.clip(delta, -3.0, 3.0, out=features[:, NUM_BANDS: 2 * NUM_BANDS])
    features[:, 2 * NUM_BANDS:] = np.stack([level, flux, flatness, tonality, stationarity], axis=1)
    return features


def frame_features(state: FeatureState, power: np.ndarray) -> np.ndarray:
    """Features of one frame from its power spectrum ``(channels, bins)`` -> ``(FEATURE_SIZE,)``."""
    return block_features(state, power[:, None, :])[0]


def sequence_features(power: np.ndarray, sample_rate: float, frame_size: int, hop_size: int) -> np.ndarray:
    """Features of consecutive frames ``(channels, frames, bins)`` -> ``(frames, FEATURE_SIZE)``.

    The same per-frame code as streaming inference, for building training data.
    """
    return block_features(init_state(sample_rate, frame_size, hop_size), power)
