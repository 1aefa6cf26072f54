"""Flicker-free class probabilities: a two-state HMM forward filter over detector outputs.

A frame classifier's raw probability jumps from frame to frame; an HMM with "sticky" transitions
turns it into a posterior that changes only when the evidence persists (the approach of Opus's
speech/music detector, which smooths its network output with a two-state model, Valin et al.,
AES 2018). Per class, with ``p`` the previous posterior of "present" and ``q`` the raw
probability of this frame:

    prior     = p * (1 - switch) + (1 - p) * switch
    posterior = prior * q / (prior * q + (1 - prior) * (1 - q))

``switch`` is the probability of changing state per frame: ``hop / (sample_rate * hold_s)`` for
an expected dwell time of ``hold_s`` seconds. It runs on all classes at once (vectorised), causal,
one frame at a time, so it streams.
"""
from __future__ import annotations

import numpy as np

EPS = 1e-4  # raw probabilities are clipped to [EPS, 1 - EPS]: no single frame is certain


def switch_probability(hold_s: float, hop_size: int, sample_rate: float) -> float:
    """Per-frame state-change probability for an expected dwell of ``hold_s`` (0 = no smoothing)."""
    if hold_s <= 0:
        return 0.5
    return float(min(0.5, hop_size / (sample_rate * hold_s)))


def smooth_probabilities(raw: np.ndarray, previous: np.ndarray, switch: float) -> np.ndarray:
    """Posteriors ``(frames, classes)`` from raw ``(frames, classes)``, starting from ``previous``.

    ``switch = 0.5`` returns the raw probabilities (a memoryless chain).
    """
    q = np.clip(raw, EPS, 1.0 - EPS).tolist()  # a recursion over a few classes: Python floats
    stay = 1.0 - switch
    p = [float(v) for v in np.asarray(previous, dtype=float)]
    out = []
    for row in q:
        p = [_posterior(prior_p * stay + (1.0 - prior_p) * switch, q_t) for prior_p, q_t in zip(p, row)]
        out.append(p)
    return np.array(out, dtype=float).reshape(np.shape(raw))


def _posterior(prior: float, q: float) -> float:
    """Bayes' rule for one class: prior and this frame's raw probability -> posterior."""
    evidence = prior * q
    return evidence / (evidence + (1.0 - prior) * (1.0 - q))
