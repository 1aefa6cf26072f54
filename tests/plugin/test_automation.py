"""Automation: envelope evaluation, where changes land (sample positions), no clicks, and
streamed == whole-buffer with automation on, for every registered plugin and for chains."""
from __future__ import annotations

import numpy as np
import pedalboard
import pytest

import hushboard
from hushboard.plugin.automation import GRID_SAMPLES, Automation, Envelope, member_labels
from hushboard.plugin.parameter import Param
from tests.conftest import random_values
from tests.plugin.test_invariance import TOLERANCE, noisy_signal, prepare, stream

SR = 48000


class _Probe(hushboard.Plugin, register=False):
    """Outputs its parameter values as audio: channel 0 = level, so we can read where they land."""

    PARAMETERS = (Param("level", 0.0, -10.0, 10.0, doc="The value written to the output."),
                  Param("shape", "a", choices=("a", "b"), doc="A choice, written as 0 or 1."))

    def _create_state(self, sample_rate, num_channels, values):
        return None

    def _process_block(self, state, block, values):
        out = np.empty_like(block)
        out[0] = values["level"]
        out[1:] = 1.0 if values["shape"] == "b" else 0.0
        return out


# -- envelopes ------------------------------------------------------------------------------
def test_linear_exponential_step_values():
    linear = Envelope([(1.0, 0.0), (2.0, 10.0)])
    assert linear.value_at(0, SR) == 0.0  # before the first point: its value holds
    assert linear.value_at(SR + SR // 4, SR) == pytest.approx(2.5)
    assert linear.value_at(10 * SR, SR) == 10.0  # hold after the last point
    expo = Envelope([(0, 100.0), (1, 1600.0)], curve="exponential")
    assert expo.value_at(SR // 2, SR) == pytest.approx(400.0)  # geometric mean: half the octaves
    step = Envelope([(0, 1.0), (0.5, 2.0), (0.5, 3.0)], curve="step")
    assert step.value_at(SR // 2 - 1, SR) == 1.0 and step.value_at(SR // 2, SR) == 3.0


def test_samples_unit_and_loop():
    env = Envelope([(0, 0.0), (100, 1.0), (200, 0.0)], unit="samples", repeat="loop")
    assert env.value_at(50, SR) == 0.5
    assert env.value_at(250, SR) == 0.5 and env.value_at(1050, SR) == 0.5  # period 200 samples
    assert env.change_points(0, 650, SR) == [0, 100, 200, 300, 400, 500, 600]
    assert env.previous_change(555, SR) == 500


def test_change_points_land_on_the_first_sample_at_or_after_the_time():
    env = Envelope([(0.0, 0.0), (1 / 3, 1.0)], curve="step")
    assert env.change_points(0, SR, 44100) == [0, 14700]
    assert env.change_points(1, SR, 44100) == [14700]


@pytest.mark.parametrize("points, options, match", [
    ([], {}, "at least one"),
    ([(1, 0.0), (0.5, 1.0)], {}, "must not decrease"),
    ([(0, 1.0), (1, -1.0)], {"curve": "exponential"}, "one sign"),
    ([(0, "a"), (1, "b")], {}, "curve='step'"),
    ([(0, 1.0)], {"repeat": "loop"}, "later than its first"),
    ([(-1, 1.0)], {}, ">= 0"),
    ([(0, 1.0)], {"curve": "cubic"}, "curve must be one of"),
])
def test_envelope_errors(points, options, match):
    with pytest.raises(ValueError, match=match):
        Envelope(points, **options)


def test_automation_checks_names_and_values_through_param_specs():
    hum = hushboard.HumRemover()
    with pytest.raises(ValueError, match="no parameter 'reduction'"):
        hum.automation = Automation({"reduction": [(0, 1.0)]})
    with pytest.raises(ValueError, match=r"reduction_db must be between 0 dB and 60 dB \(got 70.0\)"):
        hum.automation = Automation({"reduction_db": [(0, 10.0), (1, 70.0)]})
    with pytest.raises(ValueError, match="curve='step'"):
        hum.automation = Automation({"mains_hz": Envelope([(0, 1.0)], curve="linear")})
    hum.automation = {"mains_hz": Envelope([(0, "50"), (1, "60")], curve="step")}
    assert isinstance(hum.automation, Automation)


# -- where changes land ---------------------------------------------------------------------
def test_steps_land_on_their_sample_and_ramps_follow_the_grid():
    probe = _Probe()
    probe.automation = Automation({
        "level": Envelope([(0, 0.0), (1000, 0.0), (1000, 5.0), (3000, 5.0), (4000, -5.0)], unit="samples"),
        "shape": Envelope([(0, "a"), (2345, "b")], curve="step", unit="samples"),
    })
    out = probe(np.zeros((2, 6000), np.float32), SR)
    level, shape = out[0], out[1]
    assert np.all(level[:1000] == 0) and np.all(level[1000:3000] == 5.0)  # exactly at sample 1000
    assert np.all(shape[:2345] == 0) and np.all(shape[2345:] == 1)  # a step between grid points
    # linear 5 -> -5: stairs on the absolute grid of GRID_SAMPLES, each the value at its start
    ramp = level[3000:4000]
    cells = np.maximum(np.arange(3000, 4000) // GRID_SAMPLES * GRID_SAMPLES, 3000)
    expected = 5.0 - 10.0 * (cells - 3000) / 1000
    assert np.allclose(ramp, expected, atol=1e-6)
    assert np.all(level[4000:] == -5.0)


def test_automation_runs_on_stream_time_and_property_keeps_its_value():
    probe = _Probe(level=1.0)
    probe.automation = {"level": Envelope([(0, 2.0), (500, 3.0)], curve="step", unit="samples")}
    first = probe.process(np.zeros((2, 300), np.float32), SR, reset=False)
    second = probe.process(np.zeros((2, 300), np.float32), SR, reset=False)
    assert np.all(first[0] == 2.0)
    assert np.all(second[0, :200] == 2.0) and np.all(second[0, 200:] == 3.0)
    assert probe.level == 1.0
    probe.automation = None
    assert np.all(probe(np.zeros((2, 100), np.float32), SR)[0] == 1.0)


def test_automated_mix_ramp_is_sample_accurate_and_click_free():
    """A 60 Hz hum; HumRemover removes it, so out = (1 - mix) * hum where mix is the automated,
    smoothed value. Steps and ramps of mix must not click: the second difference of the output
    stays at the level of the hum's own (a click is a jump, whose second difference is the jump)."""
    t = np.arange(2 * SR) / SR
    hum = (0.5 * np.sin(2 * np.pi * 60 * t)).astype(np.float32)
    plugin = hushboard.HumRemover(mains_hz="60", reduction_db=60.0, mix=0.0)
    onset = 20011  # not on the grid
    plugin.automation = {"mix": Envelope([(0, 0.0), (onset, 0.0), (onset + 24000, 1.0),
                                          (80000, 1.0), (80000, 0.0)], unit="samples")}
    out = plugin(hum, SR)
    assert np.array_equal(out[:onset], hum[:onset])  # mix 0: the input, bit for bit, until the onset
    assert not np.array_equal(out[onset:onset + GRID_SAMPLES], hum[onset:onset + GRID_SAMPLES])
    own = np.abs(np.diff(hum, 2)).max()  # 0.5 * (2 pi 60 / 48000)^2 = 3.1e-5
    ramp = out[onset - 100: onset + 24000 + 2400]
    assert np.abs(np.diff(ramp, 2)).max() < 2 * own  # a 1/750 stair on 0.5 would be 6.7e-4 = 21x own
    # per sample: during the ramp out[t] = (1 - mix(t)) * hum[t] + mix(t) * (residual hum, -60 dB)
    t_ramp = np.arange(onset + 2400, onset + 24000)
    mix = (t_ramp - onset) / 24000
    np.testing.assert_allclose(out[t_ramp], (1 - mix) * hum[t_ramp], atol=2e-3 * 0.5)
    settled = out[onset + 24000 + 2400: 79000]
    assert np.abs(settled).max() < 0.01 * 0.5  # fully wet: hum down > 40 dB
    # the jump back to dry at sample 80000 becomes dry_wet's 20 ms linear ramp: its kinks are
    # 0.5 / 960 per sample, where an unsmoothed step would jump by up to 0.5 in one sample
    back = out[79000:]
    assert np.abs(np.diff(back, 2)).max() < 1.2 * (0.5 / 960 + own)
    assert np.abs(np.diff(back)).max() < 1.2 * (0.5 / 960 + 0.5 * 2 * np.pi * 60 / SR)
    assert np.abs(out[80000 + 1000:] - hum[80000 + 1000:]).max() < 1e-4  # dry again after 20 ms


# -- streamed == whole-buffer with automation on ---------------------------------------------
def random_automation(plugin_class, rng, seconds: float) -> Automation:
    lanes = {}
    for spec in plugin_class.PARAMETERS:
        if spec.is_numeric and spec.name != "harmonics":
            times = np.sort(rng.uniform(0, seconds, 4))
            values = [spec.from_raw(float(rng.uniform())) for _ in times]
            curve = "step" if rng.uniform() < 0.3 else "linear"
            lanes[spec.name] = Envelope(list(zip(times, values)), curve=curve)
    return Automation(lanes)


@pytest.mark.parametrize("channels", [1, 2])
def test_streamed_equals_whole_with_automation(plugin_class, channels):
    rng = np.random.default_rng(11 + channels)
    plugin = plugin_class(**random_values(plugin_class, rng))
    if "mode" in plugin_class._specs:
        plugin.mode = "adaptive"
    plugin.automation = random_automation(plugin_class, rng, 1.0)
    audio = noisy_signal(channels, SR, SR, seed=channels)
    prepare(plugin, SR)
    whole = plugin.process(audio, SR)
    streamed = stream(plugin, audio, SR, [1, 2, 65, 511, 1, 8193, 333, 4096, 17, 1024])
    assert np.isfinite(whole).all()
    assert np.abs(streamed - whole).max() <= TOLERANCE


def test_chain_automation_of_hushboard_and_native_members_streams_invariantly():
    chain = hushboard.Chain([pedalboard.HighpassFilter(60), hushboard.HumRemover(),
                             hushboard.Chain([pedalboard.Gain(0.0), _Probe()])])
    assert list(member_labels(chain)) == ["highpass_filter", "hum_remover", "gain", "_probe"]
    chain.automation = Automation({
        ("gain", "gain_db"): [(0, 0.0), (0.5, -12.0)],
        ("highpass_filter", "cutoff_frequency_hz"): Envelope([(0, 60.0), (0.7, 400.0)], curve="exponential"),
        ("hum_remover", "mix"): Envelope([(0, 1.0), (0.3, 0.0)], curve="step"),
        ("_probe", "level"): Envelope([(0, 0.0), (12345, 1.0)], curve="step", unit="samples"),
    })
    audio = noisy_signal(2, SR, SR, seed=3)
    whole = chain(audio, SR)
    assert np.all(whole[0, :12345] == 0) and np.all(whole[0, 12345:] == 1)  # probe: exact sample
    chain.reset()  # zero latency: stream and concatenate (a 1-sample stereo flush is too short
    edges = [0, 5, 338, 4434, 4451, 5475, 13667, SR]  # for pedalboard's layout rule)
    streamed = np.concatenate([chain.process(audio[:, a:b], SR, reset=False)
                               for a, b in zip(edges, edges[1:])], axis=1)
    assert np.abs(streamed - whole).max() <= TOLERANCE
    assert chain[0].cutoff_frequency_hz == pytest.approx(400.0)  # natives keep the last value


def test_native_automation_sets_properties_between_sub_blocks():
    chain = hushboard.Chain([pedalboard.Gain(0.0)])
    chain.automation = {(0, "gain_db"): Envelope([(0, 0.0), (0.5, -20.0)], curve="step")}
    out = chain(np.ones((1, SR), np.float32), SR)[0]
    assert np.allclose(out[:SR // 2 - 10], 1.0)
    assert np.allclose(out[SR // 2 + 4800:], 0.1, atol=1e-6)  # -20 dB after pedalboard's ramp


def test_chain_automation_errors_name_the_member_and_parameter():
    chain = hushboard.Chain([pedalboard.Compressor(), hushboard.HumRemover()])
    with pytest.raises(ValueError, match="no member labelled 'denoiser'"):
        chain.automation = {("denoiser", "mix"): [(0, 1.0)]}
    with pytest.raises(ValueError, match="Compressor has no property 'threshold'"):
        chain.automation = {("compressor", "threshold"): [(0, 1.0)]}
    with pytest.raises(ValueError, match="HumRemover mix must be between 0 and 1"):
        chain.automation = {(1, "mix"): [(0, 2.0)]}
