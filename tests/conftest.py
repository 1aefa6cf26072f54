"""Shared test fixtures: real-ish audio made in numpy (no downloads), deterministic."""
from __future__ import annotations

import numpy as np
import pytest

import hushboard


def speech_like(n: int, sample_rate: float, seed: int = 0) -> np.ndarray:
    """A voiced, syllable-modulated harmonic signal (pitch glides 110-220 Hz), shape (n,)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sample_rate
    f0 = 150 + 50 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sample_rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 25))
    syllables = np.clip(np.sin(2 * np.pi * 3.0 * t + rng.uniform(0, 6)), 0, None) ** 2
    return (0.2 * voice * syllables).astype(np.float64)


def random_values(plugin_class: type, rng: np.random.Generator) -> dict:
    """Random valid values for every parameter, drawn through the raw (normalized) mapping."""
    return {spec.name: spec.from_raw(float(rng.uniform())) for spec in plugin_class.PARAMETERS}


@pytest.fixture(params=sorted(hushboard.available_plugins()))
def plugin_class(request) -> type:
    return hushboard.available_plugins()[request.param]
