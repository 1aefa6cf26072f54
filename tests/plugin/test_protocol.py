"""The pedalboard call protocol: shapes, dtypes, layout, latency, bad input, parameters, threads."""
from __future__ import annotations

import threading

import numpy as np
import pedalboard
import pytest

import hushboard
from hushboard.dsp.stft import StreamingStft
from hushboard.plugin.parameter import Param

SR = 48000


class _Delay(hushboard.Plugin, register=False):
    """Test-only STFT identity: a plugin with latency (frame_size - 1) and nothing else."""

    PARAMETERS = (Param("frame_size", 512, 64, 2048, step=64, unit="samples", doc="FFT length."),)

    def _latency_for(self, sample_rate):
        return StreamingStft(self.frame_size, self.frame_size // 4).latency_samples

    def _create_state(self, sample_rate, num_channels, values):
        stft = StreamingStft(int(values["frame_size"]), int(values["frame_size"]) // 4)
        return stft, stft.init_state(num_channels)

    def _process_block(self, state, block, values):
        stft, stft_state = state
        return stft.process(stft_state, block, lambda spectra: spectra)


def noise(shape, seed=0, scale=0.1):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


# -- shapes, dtypes, layout -----------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4800,), (1, 4800), (2, 4800), (4800, 2), (6, 4800), (4800, 6)])
def test_layout_and_dtype_round_trip(shape):
    plugin = hushboard.HumRemover()
    out = plugin(noise(shape), SR)
    assert out.shape == shape and out.dtype == np.float32


def test_float64_in_float32_out_same_values():
    x = noise((2, 4800))
    a = hushboard.HumRemover()(x, SR)
    b = hushboard.HumRemover()(x.astype(np.float64), SR)
    assert b.dtype == np.float32 and np.allclose(a, b, atol=1e-6)


def test_channels_last_equals_channels_first():
    x = noise((2, 4800))
    a = hushboard.HumRemover()(x, SR)
    b = hushboard.HumRemover()(np.ascontiguousarray(x.T), SR)
    np.testing.assert_array_equal(a, b.T)


def test_square_input_needs_a_known_layout_like_pedalboard():
    plugin = hushboard.HumRemover()
    with pytest.raises(RuntimeError, match="Unable to determine channel layout"):
        plugin(noise((2, 2)), SR)
    plugin(noise((2, 100)), SR)  # now channels-first is known...
    assert plugin(noise((2, 2)), SR).shape == (2, 2)  # ...and kept, even with reset=True
    plugin.reset()
    with pytest.raises(RuntimeError):
        plugin(noise((2, 2)), SR)


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.float16, np.complex64])
def test_non_float_dtype_raises_pedalboards_type_error(dtype):
    with pytest.raises(TypeError, match="32-bit and 64-bit floating point"):
        hushboard.HumRemover()(np.zeros(100, dtype), SR)
    with pytest.raises(TypeError, match="32-bit and 64-bit floating point"):
        pedalboard.Gain()(np.zeros(100, np.int16), SR)  # the convention we copy


def test_three_dimensional_input_raises():
    with pytest.raises(ValueError, match="Number of input dimensions must be 1 or 2 \\(got 3\\)"):
        hushboard.HumRemover()(np.zeros((2, 2, 100), np.float32), SR)


@pytest.mark.parametrize("rate", [0, -48000, float("nan"), float("inf"), "48k", None])
def test_bad_sample_rate_raises(rate):
    with pytest.raises(ValueError, match="sample_rate must be a positive number"):
        hushboard.HumRemover()(noise(100), rate)


@pytest.mark.parametrize("size", [0, -1, 1.5, True])
def test_bad_buffer_size_raises(size):
    with pytest.raises(ValueError, match="buffer_size must be an integer >= 1"):
        hushboard.HumRemover().process(noise(100), SR, buffer_size=size)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_input_raises_and_nothing_is_processed(bad):
    x = noise((2, 1000))
    x[1, 321] = bad
    plugin = _Delay()
    with pytest.raises(ValueError, match="channel 1, sample 321"):
        plugin.process(x, SR, reset=False)
    assert plugin._stream is None  # the stream did not start on bad input


def test_nonfinite_input_can_be_treated_as_silence():
    x = noise(1000)
    x[10] = np.nan
    plugin = hushboard.HumRemover()
    plugin.on_nonfinite = "zero"
    out = plugin(x, SR)
    assert np.isfinite(out).all()
    with pytest.raises(ValueError):
        plugin.on_nonfinite = "ignore"


@pytest.mark.parametrize("shape", [(0,), (2, 0), (0, 2)])
def test_empty_input_returns_empty_like_pedalboard(shape):
    out = hushboard.HumRemover()(np.zeros(shape, np.float32), SR)
    assert out.shape == shape and out.dtype == np.float32
    assert pedalboard.Gain()(np.zeros((0,), np.float32), SR).shape == (0,)


def test_stream_rejects_sample_rate_or_channel_change():
    plugin = hushboard.HumRemover()
    plugin.process(noise((2, 1000)), SR, reset=False)
    with pytest.raises(ValueError, match="sample rate changed from 48000 Hz to 44100 Hz"):
        plugin.process(noise((2, 1000)), 44100, reset=False)
    with pytest.raises(ValueError, match="channel count changed from 2 to 1"):
        plugin.process(noise(1000), SR, reset=False)
    plugin.reset()
    assert plugin.process(noise(1000), 44100, reset=False).shape == (1000,)


def test_is_effect_and_protocol_attributes():
    plugin = hushboard.HumRemover()
    assert plugin.is_effect is True and plugin.is_instrument is False
    assert plugin.process.__func__ is type(plugin).__call__
    assert isinstance(plugin.latency_samples, int)


def test_every_registered_plugin_is_public_api(plugin_class):
    """``hushboard.<Name>`` is the class ``available_plugins()`` lists, and ``__all__`` names it
    (``from hushboard import *`` and ``hushboard.NeuralDenoiser()`` both work)."""
    name = plugin_class.__name__
    assert getattr(hushboard, name, None) is plugin_class
    assert name in hushboard.__all__


# -- latency --------------------------------------------------------------------------------
@pytest.mark.parametrize("frame_size", [64, 512, 1024])
def test_impulse_comes_out_where_it_went_in(frame_size):
    plugin = _Delay(frame_size=frame_size)
    assert plugin.latency_samples == frame_size - 1
    x = np.zeros(8000, np.float32)
    x[3000] = 1.0
    out = plugin(x, SR)
    assert out.shape == x.shape and int(np.argmax(np.abs(out))) == 3000
    assert abs(out[3000] - 1.0) < 1e-6


def test_streaming_returns_short_first_blocks_then_full_blocks():
    plugin = _Delay(frame_size=512)
    sizes = [plugin.process(noise(200, seed=i), SR, reset=False).shape[0] for i in range(6)]
    # 511 samples of latency are held back: 0, 0, 89 (=600-511), then full 200-sample blocks
    assert sizes == [0, 0, 89, 200, 200, 200]


# -- parameters -----------------------------------------------------------------------------
def test_parameter_errors_name_the_parameter_and_range():
    plugin = hushboard.HumRemover()
    with pytest.raises(ValueError, match=r"HumRemover reduction_db must be between 0 dB and 60 dB \(got 70\)"):
        plugin.reduction_db = 70
    with pytest.raises(ValueError, match=r"HumRemover mains_hz must be one of 'auto', '50', '60' \(got '55'\)"):
        plugin.mains_hz = "55"
    with pytest.raises(ValueError, match=r"harmonics must be between 1 and 16 in steps of 1 \(got 2.5\)"):
        plugin.harmonics = 2.5
    with pytest.raises(ValueError, match="must be a number"):
        plugin.highpass_hz = "loud"
    with pytest.raises(ValueError, match="got nan"):
        plugin.highpass_hz = float("nan")
    with pytest.raises(ValueError, match="reduction_db"):
        hushboard.HumRemover(reduction_db=-1)
    with pytest.raises(AttributeError, match="no parameter 'reduction_Db'"):
        plugin.reduction_Db = 3
    with pytest.raises(TypeError, match="unexpected parameter"):
        hushboard.HumRemover(gain_db=3)
    assert plugin.reduction_db == 40.0  # nothing changed by the failed sets


@pytest.mark.parametrize("name", [spec.name for spec in hushboard.HumRemover.PARAMETERS])
def test_raw_value_round_trips(name):
    plugin = hushboard.HumRemover()
    parameter = plugin.parameters[name]
    for raw in np.linspace(0, 1, 11):
        parameter.raw_value = raw
        value = parameter.value
        parameter.raw_value = parameter.raw_value
        if parameter.is_discrete:
            assert parameter.value == value  # a fixed point
        else:
            assert parameter.value == pytest.approx(value, rel=1e-12)  # to rounding
        if not parameter.is_discrete:
            assert abs(parameter.raw_value - raw) < 1e-9
    assert parameter.default_raw_value == parameter.spec.to_raw(parameter.default_value)


def test_log_parameters_give_equal_travel_per_octave():
    parameter = hushboard.HumRemover().parameters["highpass_hz"]
    parameter.value = 10.0
    r10 = parameter.raw_value
    parameter.value = 20.0
    r20 = parameter.raw_value
    parameter.value = 40.0
    assert abs((parameter.raw_value - r20) - (r20 - r10)) < 1e-12


def test_parameter_views_match_pedalboards_vocabulary():
    p = hushboard.HumRemover().parameters
    assert list(p) == [spec.name for spec in hushboard.HumRemover.PARAMETERS]
    assert p["reduction_db"].string_value == "40 dB" and p["reduction_db"].units == "dB"
    assert p["reduction_db"].range == (0.0, 60.0, None)
    assert p["mains_hz"].valid_values == ["auto", "50", "60"] and p["mains_hz"].num_steps == 3
    assert p["harmonics"].valid_values == list(range(1, 17))
    assert "reduction_db=40.0" in repr(hushboard.HumRemover())


def test_parameters_are_plain_properties_like_pedalboard():
    import inspect
    props = {n for n, v in inspect.getmembers(hushboard.HumRemover) if isinstance(v, property)}
    assert {spec.name for spec in hushboard.HumRemover.PARAMETERS} <= props


def test_constructors_name_every_parameter_like_pedalboard(plugin_class):
    """``inspect.signature`` (what help(), IPython and IDEs show) lists each parameter as a
    keyword with its default and type, from the one parameter model."""
    import inspect
    import typing

    signature = inspect.signature(plugin_class)
    assert list(signature.parameters) == [spec.name for spec in plugin_class.PARAMETERS]
    for spec in plugin_class.PARAMETERS:
        given = signature.parameters[spec.name]
        assert given.kind is inspect.Parameter.KEYWORD_ONLY and given.default == spec.default
        if spec.is_choice:
            assert typing.get_args(given.annotation) == spec.choices
        else:
            assert given.annotation is type(spec.default) or (given.annotation, type(spec.default)) == (float, int)
    bound = signature.bind(**{spec.name: spec.default for spec in plugin_class.PARAMETERS})
    assert plugin_class(**bound.kwargs).parameters.keys() == signature.parameters.keys()
    with pytest.raises(TypeError):
        signature.bind(1.0)  # keywords only, as the constructor itself


def test_setting_parameters_from_another_thread_never_corrupts():
    plugin = hushboard.HumRemover()
    stop = threading.Event()
    errors = []

    def twiddle():
        rng = np.random.default_rng(1)
        while not stop.is_set():
            try:
                plugin.reduction_db = float(rng.uniform(0, 60))
                plugin.harmonics = int(rng.integers(1, 17))
                plugin.mains_hz = str(rng.choice(["auto", "50", "60"]))
            except Exception as error:  # pragma: no cover - the assertion reports it
                errors.append(error)

    worker = threading.Thread(target=twiddle)
    worker.start()
    try:
        x = noise((2, 48000))
        for i in range(0, 48000, 480):
            out = plugin.process(x[:, i:i + 480], SR, reset=False)
            assert np.isfinite(out).all() and np.abs(out).max() < 2.0
    finally:
        stop.set()
        worker.join()
    assert not errors
