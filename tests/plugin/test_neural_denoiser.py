"""NeuralDenoiser: shapes, the reduction_db limit, post-filter, link, output modes, no torch.

Block-size invariance is covered for every registered plugin by test_invariance.py.
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from hushboard.plugin.neural_denoiser import NeuralDenoiser
from hushboard.plugin.neural_denoiser import (GAIN_EPS, SHIPPED_MODELS, FrameRunner, ShippedGraph, limit_magnitudes,
                                           limited_output, post_filter)
from tests.conftest import speech_like

SR = 48000


def noisy(channels: int = 1, seconds: float = 1.0, seed: int = 0) -> np.ndarray:
    n = int(SR * seconds)
    rng = np.random.default_rng(seed)
    rows = [speech_like(n, SR, seed) + 0.05 * rng.standard_normal(n) for _ in range(channels)]
    return np.array(rows, dtype=np.float32)


def frame_energies_db(x: np.ndarray, size: int = 960) -> np.ndarray:
    frames = x[: len(x) // size * size].reshape(-1, size)
    return 10 * np.log10((frames.astype(np.float64) ** 2).sum(1) + 1e-12)


@pytest.mark.parametrize("channels", [1, 2])
def test_shapes_and_dtype(channels):
    audio = noisy(channels)
    out = NeuralDenoiser()(audio[0] if channels == 1 else audio, SR)
    assert out.dtype == np.float32 and out.shape == (audio[0] if channels == 1 else audio).shape
    assert np.isfinite(out).all()


def test_latency_is_one_frame_minus_one_sample():
    assert NeuralDenoiser().latency_samples == 959  # 19.98 ms at 48 kHz


def test_reduction_db_limits_attenuation_of_every_frame():
    audio = noisy()[0]
    for limit in (3.0, 10.0):
        out = NeuralDenoiser(reduction_db=limit)(audio, SR)
        drop = frame_energies_db(audio) - frame_energies_db(out)
        assert drop[2:-2].max() <= limit + 1.0  # +1 dB: overlap-add spreads a frame's gain


def test_zero_reduction_passes_the_input():
    audio = noisy()[0]
    out = NeuralDenoiser(reduction_db=0.0)(audio, SR)
    assert np.abs(out - audio).max() < 1e-5


def test_removed_plus_denoised_is_the_input():
    audio = noisy()[0]
    denoised = NeuralDenoiser(output="denoised")(audio, SR)
    removed = NeuralDenoiser(output="removed")(audio, SR)
    assert np.abs(denoised + removed - audio).max() < 1e-5


def reference_limited_gain(gain: np.ndarray, reduction_db: float, use_post_filter: bool, link: str) -> np.ndarray:
    """The module docstring's rule on a complex gain: ``G``'s phase, ``limit_magnitudes(|G|)``."""
    magnitude = np.abs(gain)
    phase = np.where(magnitude > 0, gain / np.maximum(magnitude, 1e-30), 1.0)
    return limit_magnitudes(magnitude, reduction_db, use_post_filter, link) * phase


def effective_gain(enhanced: np.ndarray, spectra: np.ndarray) -> np.ndarray:
    return enhanced * np.conj(spectra) / (np.abs(spectra) ** 2 + GAIN_EPS)


def test_limited_gain_bounds_magnitude_and_keeps_phase():
    rng = np.random.default_rng(0)
    spectra = rng.normal(size=(2, 3, 481)) + 1j * rng.normal(size=(2, 3, 481))
    wanted = rng.uniform(0, 1.5, (2, 3, 481)) * np.exp(1j * rng.uniform(-3, 3, (2, 3, 481)))
    gain = effective_gain(wanted * spectra, spectra)
    limited = limited_output(wanted * spectra, spectra, 12.0, False, "off") / spectra
    floor = 10 ** (-12 / 20)
    assert np.abs(limited).min() >= floor - 1e-12 and np.abs(limited).max() <= 1 + 1e-12
    assert np.allclose(np.angle(limited), np.angle(gain))
    linked = np.abs(limited_output(wanted * spectra, spectra, 12.0, False, "min") / spectra)
    assert np.allclose(linked[0], linked[1])
    assert np.allclose(linked[0], np.maximum(np.minimum(np.abs(gain), 1).min(0), floor))


@pytest.mark.parametrize("use_post_filter", [False, True])
@pytest.mark.parametrize("link", ["off", "mean", "min"])
def test_limited_output_is_the_limited_gain_times_the_input(use_post_filter, link):
    rng = np.random.default_rng(1)
    shape = (2, 3, 481)
    spectra = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    spectra[0, 0, :5] = 0.0  # silent bins
    enhanced = (rng.uniform(0, 1.5, shape) * spectra * np.exp(1j * rng.uniform(-1, 1, shape))).astype(np.complex64)
    enhanced[1, 2, 10:20] = 0.0  # the network removes these bins entirely: the floor still holds
    expected = reference_limited_gain(effective_gain(enhanced, spectra), 12.0, use_post_filter, link) * spectra
    got = limited_output(enhanced, spectra, 12.0, use_post_filter, link)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-12)
    assert np.all(np.abs(got[1, 2, 10:20]) >= (10 ** (-12 / 20) - 1e-9) * np.abs(spectra[1, 2, 10:20]))


def test_post_filter_sharpens_uncertain_gains_only():
    g = np.linspace(0, 1, 101)
    sharp = post_filter(g)
    assert (sharp >= 0).all() and (sharp <= 1).all()
    assert sharp[-1] == pytest.approx(1.0, abs=1e-9) and sharp[20] < g[20]


def test_linked_stereo_treats_identical_channels_identically():
    audio = np.repeat(noisy(1), 2, axis=0)
    out = NeuralDenoiser(link="mean")(audio, SR)
    assert np.array_equal(out[0], out[1])


def test_every_shipped_model_loads():
    for name in SHIPPED_MODELS:
        assert NeuralDenoiser(model=name)(noisy()[0], SR).shape == (SR,)


def test_inference_never_imports_torch():
    code = ("import sys, numpy as np; "
            "from hushboard.plugin.neural_denoiser import NeuralDenoiser; "
            "NeuralDenoiser()(np.zeros(4800, np.float32), 48000); "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_shipped_model_improves_held_out_mixtures():
    from hushboard.models import synthetic_data

    pool = synthetic_data.make_pool(seed=987_654, count=4, seconds=1.5)  # a seed no run trained on
    clean, mixed, _ = synthetic_data.mix_from_pool(np.random.default_rng(3), pool, 4, SR,
                                                   synthetic_data.SyntheticConfig(snr_db=(0.0, 10.0)))

    def si_sdr(est, ref):
        target = (est @ ref) / (ref @ ref) * ref
        return 10 * np.log10((target @ target) / ((est - target) @ (est - target)))

    denoiser = NeuralDenoiser(reduction_db=30.0)
    gains = [si_sdr(denoiser(y, SR).astype(np.float64), c) - si_sdr(y.astype(np.float64), c)
             for c, y in zip(clean, mixed)]
    assert np.mean(gains) > 3.0, gains


@pytest.mark.parametrize("channels", [1, 2])
def test_fixed_dimension_frame_sessions_equal_the_dynamic_graph(channels):
    graph = ShippedGraph.load(SHIPPED_MODELS["hushnet-s"])
    fixed = graph.frame_session(channels)
    assert fixed is not graph.session and graph.frame_session(channels) is fixed  # built once
    rng = np.random.default_rng(2)
    states = {"dynamic": graph.initial_state(channels), "fixed": graph.initial_state(channels)}
    for _ in range(5):  # a few frames, the state carried through both
        spectrum = (rng.normal(size=(channels, 1, 481, 2)) * 0.1).astype(np.float32)
        outputs = {}
        for name, session in (("dynamic", graph.session), ("fixed", fixed)):
            feed = dict(zip(graph.state_names, states[name]), spectrum=spectrum)
            outputs[name], *states[name] = session.run(None, feed)
        np.testing.assert_allclose(outputs["fixed"], outputs["dynamic"], rtol=0, atol=1e-6)


@pytest.mark.parametrize("channels", [1, 2])
def test_frame_runner_steps_like_the_dynamic_graph(channels):
    """The IOBinding runner (buffers bound once, state sets swapped) gives session.run's numbers."""
    graph = ShippedGraph.load(SHIPPED_MODELS["hushnet-s"])
    runner = FrameRunner.create(graph, channels)
    state = graph.initial_state(channels)
    rng = np.random.default_rng(3)
    for _ in range(6):  # even and odd steps: both state sets are read and written
        spectrum = (rng.normal(size=(channels, 1, 481, 2)) * 0.1).astype(np.float32)
        expected, *state = graph.session.run(None, dict(zip(graph.state_names, state), spectrum=spectrum))
        runner.spectrum[...] = spectrum
        runner.step()
        np.testing.assert_allclose(runner.enhanced, expected, rtol=0, atol=1e-6)


@pytest.fixture(scope="module")
def demo_clips():
    from hushboard.plugin import demo
    return demo.load_clip("target")[0], demo.load_clip("noise")[0]  # speech + music; fan + hum


def test_music_protection_lifts_the_limit_where_music_plays_and_only_there(demo_clips):
    target, noise = demo_clips
    flat = NeuralDenoiser(reduction_db=30.0, music_protection=0.0)
    protected = NeuralDenoiser(music_protection=1.0)  # the most protection: 7.5 dB under music
    defaults = NeuralDenoiser()
    assert (defaults.reduction_db, defaults.music_protection) == (30.0, 0.25)
    assert protected.reduction_db == 30.0
    mixture = (target + noise).astype(np.float32)
    kept = lambda y: float(np.dot(y, target) / np.dot(target, target))  # noqa: E731
    with_music = protected(mixture, SR)
    assert protected.last_music_probability.mean() > 0.3  # music under the voice, most of the clip
    assert kept(with_music) > kept(flat(mixture, SR)) + 0.01
    # fan + hum alone: nothing musical, so the limit stays 30 dB and the output is the flat one's
    energy_db = lambda y: 10 * np.log10(np.mean(np.square(y, dtype=np.float64)))  # noqa: E731
    alone = protected(noise, SR)
    assert protected.last_music_probability.mean() < 0.1
    assert abs(energy_db(alone) - energy_db(flat(noise, SR))) < 1.0


def test_zero_music_protection_does_not_run_the_detector(demo_clips):
    target, _ = demo_clips
    plugin = NeuralDenoiser(music_protection=0.0)
    plugin.process(target[:SR], SR, reset=True)
    assert plugin.last_music_probability.size == 0
    plugin.music_protection = 0.5  # automation raising it mid-stream starts the detector
    plugin.process(target[SR: 2 * SR], SR, reset=False)
    assert plugin.last_music_probability.size >= 96  # one P(music) per 480-sample frame, 8 at a time


def test_the_limit_glides_when_the_detector_switches(demo_clips):
    """A decision from 'no music' to 'music' moves the limit from 30 toward 7.5 dB by at most
    ~4 dB per 10 ms frame (50 ms one-pole), not in one 22 dB step; back, by at most ~1.1 dB."""
    _, noise = demo_clips
    plugin = NeuralDenoiser(music_protection=1.0)  # the widest swing: 30 <-> 7.5 dB
    plugin.process(noise[:SR], SR, reset=False)  # fan + hum: P(music) near 0
    state = plugin._stream.dsp

    class SureOfMusic:  # stands in for the detector from here on: every decision is "music"
        def step(self, power, hold_ms):
            return np.tile([1.0, 0.0], (power.shape[1], 1))

    state.detector = SureOfMusic()
    spectra = np.ones((1, 40, 481), complex)
    limit_db = 30.0 * plugin._music_scales(state, spectra, plugin._values_snapshot())
    steps = -np.diff(np.concatenate([[30.0 * (1 - 0.75 * 0.0)], limit_db]))
    assert steps.max() < 4.2 and limit_db[-1] < 8.0  # smooth, and there after 400 ms
    assert limit_db[0] > 29.0  # the first frames still use the decision before the switch

    class SureOfNoMusic:
        def step(self, power, hold_ms):
            return np.tile([0.0, 1.0], (power.shape[1], 1))

    state.detector = SureOfNoMusic()
    back_db = 30.0 * plugin._music_scales(state, spectra, plugin._values_snapshot())
    closing = np.diff(np.concatenate([limit_db[-1:], back_db]))
    assert closing.min() > -0.01 and closing.max() < 1.2 and back_db[-1] > 20.0  # only closes
