"""Block-size invariance for EVERY registered plugin: streamed == whole-buffer within 1e-5.

A file streamed with reset=False in blocks of any size, then flushed with latency_samples of
silence, must give the same samples as one whole-buffer call.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import hushboard
from tests.conftest import random_values, speech_like

TOLERANCE = 1e-5


def noisy_signal(channels: int, n: int, sample_rate: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sample_rate
    speech = speech_like(n, sample_rate, seed)
    hum = 0.05 * np.sin(2 * np.pi * 50 * t)
    rows = [speech + hum + 0.03 * rng.standard_normal(n) for _ in range(channels)]
    return np.array(rows, dtype=np.float32)


def stream(plugin, audio: np.ndarray, sample_rate: float, blocks: list[int]) -> np.ndarray:
    """Stream ``audio`` (channels, n) in the given block sizes, then flush the latency.

    Mono goes in as 1-D blocks. A stereo stream's first block has more samples than channels:
    pedalboard's layout rule cannot tell what a (2, 1) or (2, 2) first block is, and after
    reset() nothing is known yet.
    """
    plugin.reset()
    channels = audio.shape[0]
    view = audio[0] if channels == 1 else audio
    if channels > 1:
        blocks = [max(blocks[0], channels + 1)] + list(blocks[1:])
    outs, pos = [], 0
    for size in blocks:
        outs.append(plugin.process(view[..., pos:pos + size], sample_rate, reset=False))
        pos += size
    if pos < audio.shape[1]:
        outs.append(plugin.process(view[..., pos:], sample_rate, reset=False))
    flush = np.zeros(view.shape[:-1] + (plugin.latency_samples + 1,), np.float32)
    outs.append(plugin.process(flush, sample_rate, reset=False))
    return np.concatenate(outs, axis=-1)[..., : audio.shape[1]].reshape(channels, -1)


def prepare(plugin, sample_rate: float) -> None:
    """Give plugins that can learn a noise profile one (random values may pick mode='learned')."""
    if hasattr(plugin, "learn"):
        mode = plugin.mode
        noise = np.random.default_rng(5).normal(0, 0.03, (1, int(sample_rate))).astype(np.float32)
        plugin.learn(noise[0], sample_rate)
        plugin.mode = mode


def assert_invariant(plugin, audio, sample_rate, blocks):
    prepare(plugin, sample_rate)
    whole = plugin.process(audio, sample_rate)
    streamed = stream(plugin, audio, sample_rate, blocks)
    assert whole.shape == audio.shape and whole.dtype == np.float32
    assert streamed.shape == audio.shape
    assert np.isfinite(whole).all()
    assert np.abs(streamed - whole).max() <= TOLERANCE


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("sample_rate", [44100, 48000])
def test_deterministic_blocks(plugin_class, channels, sample_rate):
    rng = np.random.default_rng(channels * 7 + sample_rate)
    plugin = plugin_class(**random_values(plugin_class, rng))
    audio = noisy_signal(channels, sample_rate * 2, sample_rate, seed=channels)
    # awkward sizes: single samples, primes, a hop-sized run, one block larger than buffer_size
    blocks = [1, 1, 2, 3, 65, 511, 1, 8193, 333, 4096, 17, 1024, 1024, 12000]
    assert_invariant(plugin, audio, sample_rate, blocks)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_blocks_and_parameters(plugin_class, data):
    channels = data.draw(st.sampled_from([1, 2]), label="channels")
    sample_rate = data.draw(st.sampled_from([44100, 48000]), label="sample_rate")
    seed = data.draw(st.integers(0, 2**16), label="seed")
    rng = np.random.default_rng(seed)
    plugin = plugin_class(**random_values(plugin_class, rng))
    n = int(sample_rate * 1.5)
    sizes = data.draw(st.lists(st.integers(1, 65536), min_size=1, max_size=30), label="blocks")
    audio = noisy_signal(channels, n, sample_rate, seed)
    assert_invariant(plugin, audio, sample_rate, sizes)


def test_registry_lists_every_plugin_module():
    names = set(hushboard.available_plugins())
    assert "HumRemover" in names
    for name, cls in hushboard.available_plugins().items():
        assert issubclass(cls, hushboard.Plugin) and cls.__name__ == name
        assert cls.PARAMETERS, f"{name} declares no parameters"
