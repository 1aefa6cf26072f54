"""Streaming STFT: perfect reconstruction at any block size, stated latency, bad geometry."""
from __future__ import annotations

import numpy as np
import pytest

from hushboard.dsp.stft import StreamingStft, sqrt_hann, synthesis_window


@pytest.mark.parametrize("frame_size,hop_size", [(512, 256), (512, 128), (1024, 512), (960, 480), (64, 16)])
@pytest.mark.parametrize("blocks", [[1], [7, 300], [4096], [513, 1, 1, 2000]])
def test_identity_reconstructs_input_delayed_by_latency(frame_size, hop_size, blocks):
    stft = StreamingStft(frame_size, hop_size)
    state = stft.init_state(channels=2)
    x = np.random.default_rng(0).standard_normal((2, 12000))
    outs, pos, i = [], 0, 0
    while pos < x.shape[1]:
        size = blocks[i % len(blocks)]
        outs.append(stft.process(state, x[:, pos:pos + size], lambda s: s))
        pos, i = pos + size, i + 1
    y = np.concatenate(outs, axis=1)
    latency = stft.latency_samples
    assert latency == frame_size - 1 and y.shape == x.shape
    np.testing.assert_allclose(y[:, latency:], x[:, :-latency], atol=1e-12)
    assert np.all(y[:, :latency] == 0)


def test_frame_processor_sees_all_frames_with_the_right_shape():
    stft = StreamingStft(256, 128)
    state = stft.init_state(channels=3)
    shapes = []
    stft.process(state, np.zeros((3, 1000)), lambda s: (shapes.append(s.shape), s)[1])
    assert shapes == [(3, 1000 // 128, 129)]
    assert state.frames_done == 7


def test_windows_overlap_add_to_one():
    for size, hop in [(512, 256), (512, 128)]:
        analysis = sqrt_hann(size)
        synthesis = synthesis_window(analysis, hop)
        total = (analysis * synthesis).reshape(size // hop, hop).sum(axis=0)
        np.testing.assert_allclose(total, 1.0, atol=1e-12)


@pytest.mark.parametrize("frame_size,hop_size", [(511, 128), (512, 300), (512, 512), (0, 1)])
def test_bad_geometry_raises(frame_size, hop_size):
    with pytest.raises(ValueError):
        StreamingStft(frame_size, hop_size)
