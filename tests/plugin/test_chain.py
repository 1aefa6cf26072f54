"""The host bridge: Chain and Mix with native pedalboard plugins and hushboard plugins."""
from __future__ import annotations

import numpy as np
import pedalboard
import pytest

import hushboard
from tests.plugin.test_protocol import _Delay, noise

SR = 48000


def program(channels=2, n=SR, seed=0):
    """Speech-ish level program with hum: exercises dynamics and filters."""
    t = np.arange(n) / SR
    x = noise((channels, n), seed, 0.05) + 0.3 * np.sin(2 * np.pi * 220 * t) * (t % 0.5 < 0.25)
    return (x + 0.05 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)


def natives():
    return [pedalboard.HighpassFilter(80), pedalboard.Compressor(threshold_db=-20, ratio=4),
            pedalboard.Reverb(room_size=0.3), pedalboard.Gain(-3), pedalboard.Limiter()]


def stream(host, x, blocks):
    host.reset()
    outs, pos = [], 0
    while pos < x.shape[1]:
        size = blocks[len(outs) % len(blocks)]
        outs.append(host.process(x[:, pos:pos + size], SR, buffer_size=1024, reset=False))
        pos += size
    outs.append(host.process(np.zeros((x.shape[0], host.latency_samples + 1), np.float32), SR,
                             buffer_size=1024, reset=False))
    return np.concatenate(outs, axis=1)[:, : x.shape[1]]


def test_native_only_chain_equals_pedalboard_bit_for_bit():
    x = program()
    plugins = natives()
    expected = pedalboard.Pedalboard(plugins)(x, SR)
    chain = hushboard.Chain(plugins)
    np.testing.assert_array_equal(chain(x, SR), expected)
    np.testing.assert_array_equal(chain(x.T.copy(), SR), expected.T)


def test_mixed_chain_equals_applying_each_by_hand():
    x = program()
    hp, hum, comp = pedalboard.HighpassFilter(60), hushboard.HumRemover(), pedalboard.Compressor(-18, 3)
    by_hand = comp(hum(hp(x, SR), SR), SR)
    chain = hushboard.Chain([hp, hum, comp])
    assert np.abs(chain(x, SR) - by_hand).max() <= 1e-6


@pytest.mark.parametrize("blocks", [[512], [333, 1000, 7], [4096, 3]])
def test_streamed_chain_equals_whole_buffer(blocks):
    x = program()
    chain = hushboard.Chain([pedalboard.HighpassFilter(60), _Delay(frame_size=256),
                             pedalboard.Compressor(-18, 3), hushboard.HumRemover(),
                             hushboard.Chain([pedalboard.Reverb(room_size=0.2), _Delay(frame_size=128)])])
    whole = chain(x, SR, buffer_size=1024)
    assert chain.latency_samples == 255 + 127
    assert np.abs(stream(chain, x, blocks) - whole).max() <= 1e-5


def test_chain_compensates_latency_like_a_plugin():
    chain = hushboard.Chain([_Delay(frame_size=512), _Delay(frame_size=256), pedalboard.Gain(0)])
    assert chain.latency_samples == 511 + 255
    x = np.zeros(6000, np.float32)
    x[2000] = 1.0
    assert int(np.argmax(np.abs(chain(x, SR)))) == 2000
    chain.compensate_latency = False
    delayed = chain(x, SR)
    assert delayed.shape == x.shape and int(np.argmax(np.abs(delayed))) == 2000 + 766
    # streaming without compensation: every call returns as many samples as it was given
    chain.reset()
    sizes = [chain.process(x[i:i + 500], SR, reset=False).shape[0] for i in range(0, 6000, 500)]
    assert sizes == [500] * 12


def test_streamed_chain_returns_aligned_short_first_blocks():
    chain = hushboard.Chain([_Delay(frame_size=512), pedalboard.Compressor()])
    sizes = [chain.process(noise((2, 300), i), SR, reset=False).shape[1] for i in range(4)]
    assert sizes == [0, 89, 300, 300]


def test_native_segments_are_grouped_into_one_pedalboard():
    chain = hushboard.Chain(natives()[:2] + [hushboard.HumRemover()] + natives()[2:])
    plan = chain._plan()
    assert [type(step).__name__ for step in plan] == ["_NativeSegment", "HumRemover", "_NativeSegment"]
    assert isinstance(plan[0].board, pedalboard.Pedalboard) and len(plan[0].board) == 2


def test_list_api():
    a, b, c = pedalboard.Gain(1), hushboard.HumRemover(), pedalboard.Gain(2)
    chain = hushboard.Chain([a])
    chain.append(c)
    chain.insert(1, b)
    assert list(chain) == [a, b, c] and len(chain) == 3 and chain[1] is b
    assert chain.index(c) == 2 and b in chain
    sub = chain[1:]
    assert isinstance(sub, hushboard.Chain) and list(sub) == [b, c]
    chain.remove(b)
    assert list(chain) == [a, c]
    del chain[0]
    assert chain.pop() is c and len(chain) == 0
    with pytest.raises(TypeError, match="holds pedalboard plugins and hushboard plugins"):
        chain.append(lambda x, sr: x)
    with pytest.raises(ValueError):
        chain.remove(a)


def test_chain_accepts_every_kind_of_member_and_nests():
    inner = hushboard.Chain([hushboard.HumRemover(), pedalboard.Gain(-1)])
    chain = hushboard.Chain([pedalboard.Pedalboard([pedalboard.Gain(1)]),
                             pedalboard.Chain([pedalboard.Gain(-1)]),
                             pedalboard.Mix([pedalboard.Gain(-6), pedalboard.Gain(-6)]),
                             inner, hushboard.Mix([hushboard.HumRemover(), pedalboard.Gain(-6)])])
    out = chain(program(), SR)
    assert out.shape == (2, SR) and np.isfinite(out).all()


def test_mix_aligns_branches_with_different_latency():
    mix = hushboard.Mix([_Delay(frame_size=512), pedalboard.Gain(0)])
    assert mix.latency_samples == 511
    x = np.zeros((1, 4000), np.float32)
    x[0, 1000] = 1.0
    whole = mix(x, SR)
    assert abs(whole[0, 1000] - 2.0) < 1e-5  # both branches land on the same sample
    assert np.abs(stream(mix, x, [100, 37]) - whole).max() <= 1e-5


def test_chain_input_checks_match_plugins():
    chain = hushboard.Chain([pedalboard.Gain(0)])
    with pytest.raises(TypeError, match="32-bit and 64-bit"):
        chain(np.zeros(10, np.int16), SR)
    with pytest.raises(ValueError, match="sample_rate"):
        chain(np.zeros(10, np.float32), 0)
    bad = np.zeros(10, np.float32)
    bad[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):  # NaN would poison a hushboard plugin's state
        hushboard.Chain([pedalboard.Gain(0), hushboard.HumRemover()])(bad, SR)
    # a chain of only native plugins passes NaN on exactly as pedalboard does
    assert np.isnan(chain(bad, SR)[3]) and np.isnan(pedalboard.Gain(0)(bad, SR)[3])
    assert chain(np.zeros((2, 0), np.float32), SR).shape == (2, 0)


def test_tiny_stereo_blocks_through_native_plugins_raise_a_clear_error():
    chain = hushboard.Chain([pedalboard.Gain(0)])
    chain.process(noise((2, 100)), SR, reset=False)
    with pytest.raises(ValueError, match="at least 2 samples"):
        chain.process(noise((2, 1)), SR, reset=False)


def test_empty_chain_passes_audio_through():
    x = program()
    np.testing.assert_array_equal(hushboard.Chain()(x, SR), x)


@pytest.mark.parametrize("blocks", [[700], [3, 511, 4096]])
def test_chain_of_every_registered_plugin_streams_exactly(blocks):
    """Adaptive denoisers react to the exact signal they get, so each member must see the same
    aligned signal streamed as whole (a delayed or float64 hand-off would change their output)."""
    members = []
    for cls in hushboard.available_plugins().values():
        members += [cls(), pedalboard.Compressor(threshold_db=-20, ratio=2)]
    chain = hushboard.Chain([pedalboard.HighpassFilter(40)] + members + [pedalboard.Reverb(room_size=0.2)])
    x = program(n=2 * SR)
    whole = chain(x, SR, buffer_size=1024)
    np.testing.assert_array_equal(stream(chain, x, blocks), whole)
