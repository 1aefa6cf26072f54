"""MIDI: CC values through each Parameter's normalized mapping, .mid files with tempo changes to
the right sample positions, MIDI learn, and live messages while streaming."""
from __future__ import annotations

import math

import mido
import numpy as np
import pedalboard
import pytest

import hushboard
from hushboard.plugin.midi import MidiMap, midi_file_to_automation, read_events, tempo_map
from tests.plugin.test_automation import _Probe

SR = 48000


def cc(control: int, value: int, channel: int = 0) -> mido.Message:
    return mido.Message("control_change", channel=channel, control=control, value=value)


def test_cc_values_follow_each_parameters_raw_mapping():
    hum = hushboard.HumRemover()
    midi = MidiMap({74: "highpass_hz", 75: "harmonics", 76: "mains_hz", (3, 77): "reduction_db"}, hum)
    midi.handle(cc(74, 127))
    assert hum.highpass_hz == 300.0
    midi.handle(cc(74, 0))
    assert hum.highpass_hz == 5.0
    midi.handle(cc(74, 64))  # log scale: the middle of the travel is the geometric middle
    assert hum.highpass_hz == pytest.approx(5.0 * 60 ** (64 / 127))
    midi.handle(cc(75, 64))
    assert hum.harmonics == 1 + round(15 * 64 / 127)  # integer steps snap
    midi.handle(cc(76, 127))
    assert hum.mains_hz == "60"
    assert not midi.handle(cc(77, 0, channel=2))  # bound to channel 3 only
    assert hum.reduction_db == 40.0
    assert midi.handle(cc(77, 0, channel=3)) and hum.reduction_db == 0.0
    assert not midi.handle(mido.Message("note_on", note=60))


def test_chain_targets_by_label_index_and_native_range():
    comp = pedalboard.Compressor()
    chain = hushboard.Chain([hushboard.HumRemover(), comp])
    chain.names["denoiser"] = chain[0]
    midi = MidiMap({74: ("denoiser", "reduction_db"), 7: (1, "threshold_db", -40.0, 0.0)}, chain)
    midi.handle(cc(74, 127))
    midi.handle(cc(7, 0))
    assert chain[0].reduction_db == 60.0 and comp.threshold_db == -40.0
    with pytest.raises(ValueError, match="no normalized range"):
        MidiMap({1: ("compressor", "ratio")}, chain)
    with pytest.raises(ValueError, match="HumRemover has no parameter 'reduce'"):
        MidiMap({1: ("denoiser", "reduce")}, chain)
    with pytest.raises(ValueError, match="no member labelled 'gate'"):
        MidiMap({1: ("gate", "threshold_db", -80, 0)}, chain)
    with pytest.raises(ValueError, match="0..127"):
        MidiMap({128: ("denoiser", "mix")}, chain)


def test_midi_learn_binds_the_first_cc_seen():
    chain = hushboard.Chain([hushboard.HumRemover()])
    midi = MidiMap({}, chain)
    learned = []
    midi.learn(("hum_remover", "mix"), on_learned=learned.append)
    assert midi.learning
    midi.handle(mido.Message("note_on", note=60))  # not a CC: still learning
    assert midi.learning
    assert midi.handle(cc(21, 0, channel=5))
    assert not midi.learning and chain[0].mix == 0.0
    assert (learned[0].cc, learned[0].channel, learned[0].parameter) == (21, 5, "mix")
    midi.handle(cc(21, 127, channel=5))
    assert chain[0].mix == 1.0
    midi.handle(cc(22, 0, channel=5))  # the next CC is not learned
    assert chain[0].mix == 1.0 and len(midi) == 1


def test_live_messages_apply_from_the_next_block_while_streaming():
    probe = _Probe()
    midi = MidiMap({1: "level"}, probe)
    outs = [probe.process(np.zeros((2, 100), np.float32), SR, reset=False)]
    midi.callback(cc(1, 127))  # e.g. from a port's callback thread
    outs.append(probe.process(np.zeros((2, 100), np.float32), SR, reset=False))
    assert np.all(outs[0][0] == 0.0) and np.all(outs[1][0] == 10.0)


def write_tempo_file(path) -> None:
    """480 ticks per beat; 120 BPM, then 60 BPM from beat 2, then 240 BPM from beat 4.

    CC 74 events at ticks 480 (1 beat at 120 BPM = 0.5 s), 1440 (1.0 s + 1 beat at 60 BPM =
    2.0 s), 2160 (1.0 s + 2.5 beats at 60 BPM = 3.5 s) and 2880 (4.0 s at the change at tick 2400,
    + 1 beat at 240 BPM = 4.25 s).
    """
    midi = mido.MidiFile(type=1, ticks_per_beat=480)
    tempo, ccs = mido.MidiTrack(), mido.MidiTrack()
    tempo += [mido.MetaMessage("set_tempo", tempo=500000, time=0),
              mido.MetaMessage("set_tempo", tempo=1000000, time=960),
              mido.MetaMessage("set_tempo", tempo=250000, time=1440)]
    ccs += [cc(74, 0, 0).copy(time=480), cc(74, 127).copy(time=960), cc(74, 64).copy(time=720),
            cc(74, 32).copy(time=720), cc(75, 100).copy(time=0)]
    midi.tracks += [tempo, ccs]
    midi.save(path)


def test_midi_file_tempo_map_maps_events_to_the_right_samples(tmp_path):
    path = tmp_path / "moves.mid"
    write_tempo_file(path)
    assert tempo_map(path) == [(0, 500000), (0, 500000), (960, 1000000), (2400, 250000)]
    times = [round(t, 9) for t, m in read_events(path) if m.type == "control_change" and m.control == 74]
    assert times == [0.5, 2.0, 3.5, 4.25]

    probe = _Probe(level=-5.0)
    chain = hushboard.Chain([probe])
    automation = midi_file_to_automation(path, {74: ("_probe", "level")}, chain)
    envelope = automation[("_probe", "level")]
    for rate in (44100, 48000):
        assert envelope.change_points(0, 10 * rate, rate) == [0, rate // 2, 2 * rate, 7 * rate // 2,
                                                              17 * rate // 4]
    chain.automation = automation
    out = chain(np.zeros((2, 5 * SR), np.float32), SR)[0]
    # before the first CC the parameter keeps its value; then each CC lands on its sample
    expected = np.full(5 * SR, -5.0)
    for start, value in [(24000, 0), (96000, 127), (168000, 64), (204000, 32)]:
        expected[start:] = -10.0 + 20.0 * value / 127
    assert np.allclose(out, expected, atol=1e-6)
    assert np.flatnonzero(np.diff(out))[:4].tolist() == [23999, 95999, 167999, 203999]


def test_bad_midi_file_names_it(tmp_path):
    path = tmp_path / "broken.mid"
    path.write_bytes(b"not midi")
    with pytest.raises(ValueError, match="broken.mid: not a readable MIDI file"):
        read_events(path)
