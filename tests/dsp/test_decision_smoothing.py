"""HMM smoothing of detector probabilities (dsp.decision_smoothing)."""
from __future__ import annotations

import numpy as np

from hushboard.dsp import decision_smoothing as ds


def test_memoryless_chain_returns_the_clipped_raw_probabilities():
    raw = np.array([[0.0, 1.0], [0.3, 0.6], [0.9, 0.2]])
    out = ds.smooth_probabilities(raw, np.array([0.5, 0.5]), 0.5)
    np.testing.assert_allclose(out, np.clip(raw, ds.EPS, 1 - ds.EPS))


def test_one_outlier_frame_barely_moves_a_long_hold_and_steady_evidence_does():
    switch = ds.switch_probability(1.5, 480, 48000)  # 1.5 s hold: 1/150 per frame
    raw = np.full((200, 1), 0.1)
    raw[100] = 0.95
    out = ds.smooth_probabilities(raw, np.array([0.5]), switch)
    assert out[99, 0] < 0.01 and out[100, 0] < 0.2  # one confident frame is not a switch
    steady = ds.smooth_probabilities(np.full((60, 1), 0.8), out[-1], switch)
    assert steady[-1, 0] > 0.99  # 0.6 s of steady evidence is


def test_no_frames_give_an_empty_result():
    assert ds.smooth_probabilities(np.zeros((0, 2)), np.array([0.5, 0.5]), 0.1).shape == (0, 2)
