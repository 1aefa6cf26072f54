"""Presets: bit-identical round trips (every hushboard plugin, every pedalboard built-in, nested
chains with automation and MIDI maps), learned state, factory presets, and errors that name the
file and the JSON key, with nothing written on failure."""
from __future__ import annotations

import inspect
import json

import numpy as np
import pedalboard
import pedalboard.io
import pytest

import hushboard
from hushboard import presets as factory
from hushboard.plugin import cli_presets
from hushboard.plugin.automation import Automation, Envelope
from hushboard.plugin.midi import MidiMap
from hushboard.plugin.parameter import Param
from hushboard.plugin.presets import (PresetError, load_preset, save_preset, schema, to_document,
                                      validate_schema)
from tests.conftest import random_values
from tests.plugin.test_invariance import noisy_signal

SR = 48000
AUDIO = noisy_signal(2, SR // 2, SR, seed=4)


def round_trip(obj, tmp_path, plugins=None, **options):
    path = save_preset(obj, tmp_path / "preset.json", **options)
    return load_preset(path, plugins=plugins), json.loads(path.read_text())


# -- round trips ----------------------------------------------------------------------------
def test_every_registered_plugin_round_trips_bit_identically(plugin_class, tmp_path):
    rng = np.random.default_rng(7)
    plugin = plugin_class(**random_values(plugin_class, rng))
    if hasattr(plugin, "learn"):
        plugin.learn(np.random.default_rng(1).normal(0, 0.03, SR).astype(np.float32), SR)
    loaded, document = round_trip(plugin, tmp_path, include_state=True)
    assert type(loaded) is plugin_class and document["plugin"]["type"] == f"hushboard.{plugin_class.__name__}"
    assert loaded._values_snapshot() == plugin._values_snapshot()
    assert np.array_equal(loaded(AUDIO, SR), plugin(AUDIO, SR))


def builtin_effects(folder) -> list[pedalboard.Plugin]:
    """Every pedalboard built-in that constructs without arguments, with non-default values."""
    made = []
    for name, cls in inspect.getmembers(pedalboard, inspect.isclass):
        if not issubclass(cls, pedalboard.Plugin) or issubclass(cls, pedalboard.PluginContainer):
            continue
        try:
            made.append(cls())
        except (TypeError, RuntimeError):
            continue  # abstract bases, external plugins, Convolution (needs an impulse response)
    changes = {"Compressor": dict(threshold_db=-23.5, ratio=3.3, attack_ms=2.5, release_ms=77.0),
               "HighpassFilter": dict(cutoff_frequency_hz=123.4), "Gain": dict(gain_db=-3.7),
               "Reverb": dict(room_size=0.8, damping=0.3, wet_level=0.25, width=0.7),
               "LadderFilter": dict(mode=pedalboard.LadderFilter.Mode.HPF24, cutoff_hz=900.0),
               "Delay": dict(delay_seconds=0.01, feedback=0.3), "Limiter": dict(threshold_db=-6.5)}
    for plugin in made:
        for key, value in changes.get(type(plugin).__name__, {}).items():
            setattr(plugin, key, value)
    impulse = np.exp(-np.arange(64) / 8.0).astype(np.float32)[None, :] * 0.1
    with pedalboard.io.AudioFile(str(folder / "ir.wav"), "w", SR, 1) as file:
        file.write(impulse)
    made.append(pedalboard.Convolution(str(folder / "ir.wav"), mix=0.6))
    return made


def test_every_pedalboard_builtin_round_trips_bit_identically(tmp_path):
    effects = builtin_effects(tmp_path)
    names = {type(p).__name__ for p in effects}
    assert {"Compressor", "HighpassFilter", "Reverb", "Limiter", "NoiseGate", "Gain",
            "LadderFilter", "Convolution", "PitchShift"} <= names
    for effect in effects:
        loaded, document = round_trip(hushboard.Chain([effect]), tmp_path)
        node = document["plugin"]["plugins"][0]
        assert node["type"] == f"pedalboard.{type(effect).__name__}"
        twin = loaded[0]
        assert type(twin) is type(effect)
        before = pedalboard.Pedalboard([effect])(AUDIO, SR)
        after = pedalboard.Pedalboard([twin])(AUDIO, SR)
        assert np.array_equal(before, after), type(effect).__name__
    compressor = next(p for p in effects if isinstance(p, pedalboard.Compressor))
    assert to_document(compressor)["plugin"]["parameters"] == {
        "attack_ms": 2.5, "ratio": pytest.approx(3.3), "release_ms": 77.0, "threshold_db": -23.5}


def test_nested_chain_mix_names_automation_and_midi_map_round_trip(tmp_path):
    hum = hushboard.HumRemover(mains_hz="50", reduction_db=33.0)
    inner = hushboard.Chain([pedalboard.Gain(-2.0), hushboard.HumRemover(highpass_hz=40.0)],
                            compensate_latency=False)
    chain = hushboard.Chain([pedalboard.HighpassFilter(70.0), hum,
                             hushboard.Mix([pedalboard.Gain(-6.0), inner]),
                             pedalboard.Pedalboard([pedalboard.Compressor(threshold_db=-12.0)])])
    chain.names["hum"] = hum
    chain.automation = Automation({
        ("hum", "mix"): Envelope([(0, 1.0), (0.2, 0.3)]),
        ("compressor", "threshold_db"): Envelope([(0, -12.0), (0.1, -30.0)], curve="step"),
        (inner[1], "highpass_hz"): Envelope([(0, 40.0), (0.3, 160.0)], curve="exponential"),
    })
    hum.automation = {"reduction_db": Envelope([(0, 33.0), (1000, 10.0)], unit="samples", repeat="loop")}
    chain.midi_map = MidiMap({74: ("hum", "reduction_db"), (2, 7): ("gain", "gain_db", -24.0, 6.0)}, chain)
    expected = chain(AUDIO, SR)
    loaded, document = round_trip(chain, tmp_path)
    assert document["format"] == "hushboard.preset" and document["version"] == "1.0"
    assert document["plugin"]["plugins"][1]["name"] == "hum"
    assert document["plugin"]["plugins"][2]["branches"][1]["compensate_latency"] is False
    lanes = {(lane["member"], lane["parameter"]) for lane in document["plugin"]["automation"]}
    assert lanes == {("hum", "mix"), ("compressor", "threshold_db"), ("hum_remover_2", "highpass_hz")}
    assert document["midi_map"][1] == {"cc": 7, "channel": 2, "member": "gain", "parameter": "gain_db",
                                       "range": [-24.0, 6.0]}
    assert np.array_equal(loaded(AUDIO, SR), expected)
    loaded.midi_map.handle(__import__("mido").Message("control_change", control=74, value=0))
    assert loaded.names["hum"].reduction_db == 0.0


class _Learner(hushboard.Plugin, register=False):
    """Test-only plugin with learned state: a per-channel gain learned from a clip."""

    PARAMETERS = (Param("amount", 1.0, 0.0, 1.0, doc="How much of the learned gain applies."),)

    def __init__(self, **parameters):
        self._learned = None
        super().__init__(**parameters)

    def learn(self, audio, sample_rate):
        self._learned = [float(1.0 / (np.sqrt(np.mean(np.square(audio))) + 1e-9))]

    def get_state(self):
        return {"gain": self._learned}

    def set_state(self, state):
        self._learned = state["gain"]

    def _create_state(self, sample_rate, num_channels, values):
        return None

    def _process_block(self, state, block, values):
        gain = 1.0 if self._learned is None else self._learned[0]
        return block * (1.0 + values["amount"] * (gain - 1.0))


def test_learned_state_is_saved_only_when_asked(tmp_path):
    plugin = _Learner(amount=0.5)
    plugin.learn(AUDIO, SR)
    with_state, document = round_trip(plugin, tmp_path, include_state=True, plugins={"_Learner": _Learner})
    assert document["plugin"]["state"] == {"gain": plugin._learned}
    assert np.array_equal(with_state(AUDIO, SR), plugin(AUDIO, SR))
    without, document = round_trip(plugin, tmp_path, plugins={"_Learner": _Learner})
    assert "state" not in document["plugin"] and without._learned is None
    with pytest.raises(PresetError, match=r"plugin\.type: unknown hushboard plugin '_Learner'"):
        load_preset(tmp_path / "preset.json")


# -- factory presets and the CLI ------------------------------------------------------------
def test_factory_presets_exist_and_describe_themselves():
    names = factory.names()
    assert {"podcast-voice", "live-music-stream", "vocal-stem-gentle", "dialogue-cleanup-strong",
            "field-recording-transients", "mastering-hiss", "dialogue-neural-strong",
            "music-neural-gentle"} <= set(names)
    assert all(len(text) > 40 for text in factory.descriptions().values())


@pytest.mark.parametrize("name", factory.names())
def test_every_factory_preset_loads_validates_and_processes(name):
    document = json.loads(factory.read_text(name))
    validate_schema(document, name)
    chain = load_preset(name)
    for audio in (AUDIO, AUDIO[0]):
        out = chain(audio, SR)
        assert out.shape == audio.shape and np.isfinite(out).all()
        assert 0 < np.abs(out).max() < 1.0


def test_neural_presets_fix_the_limit_that_the_default_lets_music_lift():
    """The default follows the music detector (30 dB, 24.4 dB where music plays); the dialogue
    preset keeps a flat 30 dB and the music preset a flat 12 dB, neither running the detector.
    On steady noise alone (no music) the default removes what the dialogue preset does, and
    clearly more than the music preset's 12 dB."""
    strong, gentle = load_preset("dialogue-neural-strong"), load_preset("music-neural-gentle")
    for preset, limit in ((strong, 30.0), (gentle, 12.0)):
        assert isinstance(preset, hushboard.NeuralDenoiser)
        assert preset.reduction_db == limit and preset.music_protection == 0.0
    noise = np.random.default_rng(7).normal(0, 0.05, (1, 2 * SR)).astype(np.float32)

    def removed_db(plugin):
        out = plugin(noise, SR)[:, SR // 2:]  # after the start-up
        return 10 * np.log10(np.mean(noise[:, SR // 2:] ** 2) / np.mean(out ** 2))

    default_db, strong_db, gentle_db = (removed_db(p) for p in (hushboard.NeuralDenoiser(), strong, gentle))
    assert gentle_db <= 12.5 and strong_db > gentle_db + 6.0
    assert abs(default_db - strong_db) < 1.0


def test_cli_lists_and_shows_presets(capsys):
    assert cli_presets.list_presets() == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in factory.names()) and "Music-aware" in listing
    assert cli_presets.show("mastering-hiss") == 0
    assert json.loads(capsys.readouterr().out)["format"] == "hushboard.preset"


def test_schema_file_is_valid_json_schema_and_agrees():
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(schema())
    for name in factory.names():
        jsonschema.validate(json.loads(factory.read_text(name)), schema())
    bad = json.loads(factory.read_text("podcast-voice"))
    bad["plugin"]["plugins"][0]["colour"] = "red"
    assert not jsonschema.Draft202012Validator(schema()).is_valid(bad)
    with pytest.raises(PresetError, match=r"plugin\.plugins\[0\]\.colour: unknown key"):
        validate_schema(bad, "x.json")


# -- errors ---------------------------------------------------------------------------------
def write(tmp_path, document, name="bad.json"):
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def minimal(**plugin):
    node = {"type": "hushboard.HumRemover", "parameters": {"reduction_db": 30.0}}
    node.update(plugin)
    return {"format": "hushboard.preset", "version": "1.0", "plugin": {
        "type": "hushboard.Chain", "plugins": [{"type": "pedalboard.Gain"}, node]}}


@pytest.mark.parametrize("mutate, key, message", [
    (lambda d: d["plugin"]["plugins"][1].update(type="hushboard.Humm"),
     "plugin.plugins[1].type", "unknown hushboard plugin 'Humm'"),
    (lambda d: d["plugin"]["plugins"][1]["parameters"].update(reduction=3),
     "plugin.plugins[1].parameters.reduction", "has no parameter 'reduction'"),
    (lambda d: d["plugin"]["plugins"][1]["parameters"].update(reduction_db=70),
     "plugin.plugins[1].parameters.reduction_db", "must be between 0 dB and 60 dB"),
    (lambda d: d["plugin"]["plugins"][0].update(parameters={"gain": 1}),
     "plugin.plugins[0].parameters.gain", "pedalboard.Gain has no property 'gain'"),
    (lambda d: d["plugin"]["plugins"][0].update(type="pedalboard.Fuzz"),
     "plugin.plugins[0].type", "unknown pedalboard plugin 'Fuzz'"),
    (lambda d: d.update(version="2.0"), "version", "newer hushboard"),
    (lambda d: d.update(format="other"), "format", "not a hushboard preset"),
    (lambda d: d["plugin"]["plugins"][1].update(parameters=[1]),
     "plugin.plugins[1].parameters", "must be object"),
    (lambda d: d["plugin"].update(automation=[{"member": "hum_remover", "parameter": "mix",
                                               "points": [[0, 3.0]]}]),
     "plugin.automation", "mix must be between 0 and 1"),
    (lambda d: d.update(midi_map=[{"cc": 200, "parameter": "mix"}]), "midi_map[0].cc", "<= 127"),
])
def test_bad_presets_name_the_file_and_the_key(tmp_path, mutate, key, message):
    document = minimal()
    mutate(document)
    path = write(tmp_path, document)
    with pytest.raises(PresetError) as caught:
        load_preset(path)
    assert caught.value.key == key and caught.value.source == str(path)
    assert str(caught.value).startswith(f"{path}: {key}: ") and message in str(caught.value)


def test_malformed_json_and_missing_files(tmp_path):
    path = write(tmp_path, '{"format": "hushboard.preset",\n  "version": "1.0" "plugin": {}}')
    with pytest.raises(PresetError, match=r"bad\.json: invalid JSON at line 2 column 20: Expecting .,. delimiter"):
        load_preset(path)
    with pytest.raises(FileNotFoundError, match="factory presets are"):
        load_preset("podcast-vocie")
    minor = minimal()
    minor["version"] = "1.4"  # a newer minor version with known keys loads
    assert isinstance(load_preset(write(tmp_path, minor, "minor.json")), hushboard.Chain)


def test_saving_is_atomic_and_writes_nothing_on_failure(tmp_path):
    path = tmp_path / "keep.json"
    save_preset(hushboard.HumRemover(reduction_db=20.0), path, description="original")
    original = path.read_text()

    class _Broken(_Learner, register=False):
        def get_state(self):
            return {"gain": np.ones(3)}  # not JSON-able

    with pytest.raises(TypeError, match="JSON-able"):
        save_preset(hushboard.Chain([hushboard.HumRemover(), _Broken()]), path, include_state=True)
    with pytest.raises(TypeError, match="cannot save a str"):
        save_preset("not a plugin", path)
    assert path.read_text() == original  # the old preset is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.json"]  # no temporary files left
    assert load_preset(path).reduction_db == 20.0
