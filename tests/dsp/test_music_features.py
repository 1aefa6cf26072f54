"""Detector features (dsp.music_features): blocks give the frame-by-frame numbers, known answers."""
from __future__ import annotations

import numpy as np

from hushboard.dsp import music_features as mf

SR, FRAME, HOP = 48000, 960, 480
BINS = FRAME // 2 + 1
NB = mf.NUM_BANDS


def spectra(frames: int, channels: int = 1, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.abs(rng.normal(size=(channels, frames, BINS))) ** 2 * rng.uniform(0.01, 10.0, (1, frames, 1))


def test_blocks_of_any_size_give_the_frame_by_frame_features():
    power = spectra(120, channels=2)
    state = mf.init_state(SR, FRAME, HOP)
    one_by_one = np.stack([mf.frame_features(state, power[:, f]) for f in range(120)])
    state, blocks, start = mf.init_state(SR, FRAME, HOP), [], 0
    for size in (1, 7, 32, 3, 77):
        blocks.append(mf.block_features(state, power[:, start: start + size]))
        start += size
    np.testing.assert_allclose(np.concatenate(blocks), one_by_one, atol=1e-12)
    np.testing.assert_allclose(mf.sequence_features(power, SR, FRAME, HOP), one_by_one, atol=1e-12)


def test_flatness_tonality_and_level_known_answers():
    flat = np.ones((1, 2, BINS))
    features = mf.block_features(mf.init_state(SR, FRAME, HOP), flat)
    assert np.allclose(features[:, 2 * NB + 2], 1.0)  # flatness of a flat spectrum
    assert np.allclose(features[:, 2 * NB + 3], 0.0)  # no local peaks
    peaked = np.full((1, 1, BINS), 1e-6)
    peaked[0, 0, 100] = 1.0
    tone = mf.block_features(mf.init_state(SR, FRAME, HOP), peaked)[0]
    assert tone[2 * NB + 3] > 0.99 and tone[2 * NB + 2] < 0.01  # one tonal peak, not flat
    power = spectra(4)
    quiet = mf.block_features(mf.init_state(SR, FRAME, HOP), power)
    loud = mf.block_features(mf.init_state(SR, FRAME, HOP), 100.0 * power)
    np.testing.assert_allclose(loud[:, 2 * NB] - quiet[:, 2 * NB], 2.0, atol=1e-6)  # +20 dB = +2 log10
    np.testing.assert_allclose(loud[:, :NB], quiet[:, :NB], atol=1e-6)  # band shape: level-free
