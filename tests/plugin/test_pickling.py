"""Plugins and chains pickle and copy (``plugin/pickling.py``): configuration, learned state,
automation and native members travel; the copy starts a fresh stream, so its output equals the
original's after ``reset()`` to the bit, in this process and in a spawned worker."""
from __future__ import annotations

import copy
import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pedalboard
import pytest

import hushboard
from hushboard.plugin.demo import load_clip
from tests.conftest import random_values

SR = 48000


@pytest.fixture(scope="module")
def noisy() -> np.ndarray:
    """1.5 s of the bundled demo: recorded speech and music over recorded noise, stereo."""
    n = int(1.5 * SR)
    return (load_clip("target")[:, :n] + load_clip("noise")[:, :n]).astype(np.float32)


def configured(plugin_class: type, noisy: np.ndarray) -> hushboard.Plugin:
    """A plugin far from its defaults: random parameters, a learned profile where it learns,
    an automation lane and ``on_nonfinite="zero"``; half a clip streamed through it."""
    plugin = plugin_class(**random_values(plugin_class, np.random.default_rng(7)))
    if hasattr(plugin, "learn"):
        plugin.learn(noisy[:, : SR // 2] * 0.3, SR)
    spec = next(s for s in plugin_class.PARAMETERS if isinstance(s.default, float))
    plugin.automation = {spec.name: hushboard.Envelope([(0.0, spec.minimum), (1.0, spec.maximum)])}
    plugin.on_nonfinite = "zero"
    plugin.process(noisy[:, : noisy.shape[1] // 2], SR, reset=False)  # mid-stream when copied
    return plugin


@pytest.mark.parametrize("clone", ["pickle", "deepcopy"])
def test_a_copied_plugin_keeps_its_setup_and_starts_a_fresh_stream(plugin_class, noisy, clone):
    plugin = configured(plugin_class, noisy)
    copied = (pickle.loads(pickle.dumps(plugin)) if clone == "pickle" else copy.deepcopy(plugin))
    assert type(copied) is plugin_class and copied is not plugin
    assert {n: p.value for n, p in copied.parameters.items()} == \
        {n: p.value for n, p in plugin.parameters.items()}
    assert copied.on_nonfinite == "zero" and list(copied.automation) == list(plugin.automation)
    if hasattr(plugin, "learn"):
        assert copied.get_state() == plugin.get_state()  # the learned profile
    out = copied(noisy, SR)
    plugin.reset()
    np.testing.assert_array_equal(out, plugin(noisy, SR))
    assert np.abs(out).max() > 0


def native_chain() -> hushboard.Chain:
    """Natives (a nested Pedalboard among them), hushboard plugins, a Mix, a named member and
    automation keyed by a native member object."""
    compressor = pedalboard.Compressor(threshold_db=-24, ratio=3)
    learned = hushboard.SpectralSubtraction(reduction_db=18, mode="learned")
    chain = hushboard.Chain([
        pedalboard.HighpassFilter(cutoff_frequency_hz=70),
        learned,
        hushboard.Mix([pedalboard.Gain(gain_db=-6), [hushboard.NoiseSuppressor(), pedalboard.Gain(-3)]]),
        pedalboard.Pedalboard([compressor, pedalboard.Reverb(room_size=0.2, wet_level=0.1)]),
        hushboard.HumRemover(mains_hz=50),
    ])
    chain.names["hum"] = chain[4]
    chain.automation = {(0, "cutoff_frequency_hz"): hushboard.Envelope([(0.0, 60.0), (1.0, 120.0)])}
    return chain


def test_a_chain_with_native_members_pickles_and_sounds_the_same(noisy):
    chain = native_chain()
    chain[1].learn(load_clip("noise")[:, :SR], SR)
    expected = chain(noisy, SR)
    chain.process(noisy[:, :20000], SR, reset=False)  # a stream left open
    for copied in (pickle.loads(pickle.dumps(chain)), copy.deepcopy(chain)):
        assert [type(m) for m in copied] == [type(m) for m in chain]
        assert copied[0] is not chain[0]  # (its cutoff is where the automation left it)
        assert copied[0].cutoff_frequency_hz == chain[0].cutoff_frequency_hz
        assert copied[3][0].threshold_db == -24 and copied[3][0].ratio == 3
        assert copied.names["hum"] is copied[4] and copied[4].mains_hz == "50"
        assert list(copied.automation) == [(0, "cutoff_frequency_hz")]
        np.testing.assert_array_equal(copied(noisy, SR), expected)


def test_a_chain_runs_in_a_spawned_worker_like_here(noisy):
    chain = native_chain()
    chain[1].learn(load_clip("noise")[:, :SR], SR)
    expected = chain(noisy, SR)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        out = pool.submit(chain.process, noisy, SR).result(timeout=120)
    np.testing.assert_array_equal(out, expected)


def test_what_cannot_travel_is_named(tmp_path):
    impulse = np.zeros(64, np.float32)
    impulse[0] = 1.0
    chain = hushboard.Chain([pedalboard.Convolution(impulse, sample_rate=SR), hushboard.HumRemover()])
    with pytest.raises(pickle.PicklingError, match="Convolution built from an array"):
        pickle.dumps(chain)


def test_copying_mid_stream_leaves_the_original_stream_untouched(noisy):
    half = noisy.shape[1] // 2
    untouched = hushboard.NeuralDenoiser()
    expected = np.concatenate([untouched.process(noisy[:, :half], SR, reset=False),
                               untouched.process(noisy[:, half:], SR, reset=False)], axis=1)
    plugin = hushboard.NeuralDenoiser()
    first = plugin.process(noisy[:, :half], SR, reset=False)
    copy.deepcopy(plugin), pickle.dumps(plugin)
    rest = plugin.process(noisy[:, half:], SR, reset=False)
    np.testing.assert_array_equal(np.concatenate([first, rest], axis=1), expected)


def test_midi_maps_travel_and_steer_the_copy_not_the_original():
    import mido

    denoiser = hushboard.NoiseSuppressor()
    denoiser.midi_map = hushboard.MidiMap({1: "reduction_db"}, root=denoiser)
    chain = hushboard.Chain([pedalboard.Gain(-3), hushboard.WienerDenoiser()])
    chain.midi_map = hushboard.MidiMap({(0, 7): (chain[1], "reduction_db"), 8: (0, "gain_db", -12, 0)},
                                       root=chain)
    top = mido.Message("control_change", control=1, value=127)
    for original, copied in ((denoiser, pickle.loads(pickle.dumps(denoiser))),
                             (chain, copy.deepcopy(chain))):
        assert copied.midi_map.root is copied and len(copied.midi_map) == len(original.midi_map)
    copied = pickle.loads(pickle.dumps(denoiser))
    assert copied.midi_map.handle(top) and copied.reduction_db == copied._specs["reduction_db"].maximum
    assert denoiser.reduction_db == 12.0
    copied_chain = pickle.loads(pickle.dumps(chain))
    assert copied_chain.midi_map.handle(mido.Message("control_change", channel=0, control=7, value=0))
    assert copied_chain[1].reduction_db == 0.0 and chain[1].reduction_db == 12.0
    assert copied_chain.midi_map.handle(mido.Message("control_change", control=8, value=0))
    assert copied_chain[0].gain_db == -12 and chain[0].gain_db == -3


def test_a_shallow_copy_has_its_own_parameter_values():
    plugin = hushboard.HumRemover(reduction_db=30)
    twin = copy.copy(plugin)
    twin.reduction_db = 10
    assert plugin.reduction_db == 30 and twin.reduction_db == 10


def test_a_preset_error_crosses_a_process_boundary_intact():
    error = hushboard.PresetError("my.json", "plugin.parameters.mix", "must be between 0 and 1")
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.source, again.key, again.message, str(again)) == \
        (hushboard.PresetError, error.source, error.key, error.message, str(error))
