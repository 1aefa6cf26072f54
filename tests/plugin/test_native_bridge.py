"""The native bridge (issue 9): hushboard plugins as real VST3/LV2/CLAP binaries.

The first tests need no compiler: the parameter table, host value mapping and the Python
``Bridge`` the binary drives. The rest build real bundles once per session (NoiseSuppressor as
VST3 + LV2 + CLAP through the CLI, and the ``live-music-stream`` factory preset, a chain with the
music-aware denoiser, as VST3) and run them in pedalboard (a native ``Pedalboard``) and in
``lv2file`` (a Debian LV2 file host). They need DPF's sources (``dpf-source``); as root with
apt-get they install it (and lv2file), otherwise they are skipped saying why.
"""
from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sysconfig
import time
from pathlib import Path

import numpy as np
import pedalboard
import pytest
from pedalboard.io import AudioFile

import hushboard
from hushboard.plugin import native_host
from hushboard.plugin.native_host import (Bridge, from_host, parameter_table,
                                          pedalboard_parameter_name, table_digest, to_host)

SR = 48000
DEMO = Path(hushboard.__file__).parent / "presets" / "demo"
CHUNK = 64  # native_export.CHUNK_FRAMES: the binary adds CHUNK - 1 samples of latency


def demo_clip(seconds: float) -> np.ndarray:
    """The bundled demo clip: the clean target plus its recorded noise, stereo float32."""
    with AudioFile(str(DEMO / "target.flac")) as f:
        target = f.read(int(seconds * f.samplerate))
        assert f.samplerate == SR
    with AudioFile(str(DEMO / "noise.flac")) as f:
        noise = f.read(target.shape[1])
    return (target + noise).astype(np.float32)


# ---------------------------------------------------------------------------------------------
# Without a compiler: parameter table, value mapping, the Python bridge
# ---------------------------------------------------------------------------------------------
def test_parameter_table_gives_pedalboard_the_hushboard_names(plugin_class):
    # pedalboard's own rule where it has one (a private helper), else ours
    normalize = getattr(pedalboard._pedalboard, "normalize_python_parameter_name",
                        lambda text: pedalboard_parameter_name(text, ""))
    plugin = plugin_class()
    table = parameter_table(plugin)
    by_name = {row["symbol"]: row for row in table}
    for spec in plugin_class.PARAMETERS:
        if spec.is_choice and len(spec.choices) < 2:
            assert spec.name not in by_name  # nothing for a host to change
            continue
        row = by_name[spec.name]
        shown = f"{row['name']} {row['unit']}" if row["unit"] else row["name"]
        assert normalize(shown) == spec.name
        assert pedalboard_parameter_name(row["name"], row["unit"]) == spec.name
        if spec.is_numeric:
            assert (row["minimum"], row["maximum"]) == (spec.minimum, spec.maximum)
            assert row["unit"] in ("", spec.unit)
        if spec.is_choice:
            assert row["choices"] == list(spec.choices)
        assert from_host(spec, row["default"]) == spec.default


def test_chain_table_names_members_and_refuses_clashes():
    chain = hushboard.load_preset("live-music-stream")
    symbols = [row["symbol"] for row in parameter_table(chain)]
    assert "hum_reduction_db" in symbols and "denoiser_music_protection" in symbols
    assert len(symbols) == len(set(symbols))
    clash = hushboard.Chain([hushboard.HumRemover(), hushboard.Chain([hushboard.HumRemover()])])
    clash.names["hum_remover"] = clash[1][0]  # two members answering to one label
    with pytest.raises(ValueError):
        parameter_table(clash)


def test_host_values_map_to_valid_values(plugin_class):
    rng = np.random.default_rng(3)
    for spec in plugin_class.PARAMETERS:
        values = spec.valid_values or [spec.from_raw(float(r)) for r in rng.uniform(size=20)]
        for value in values:
            back = from_host(spec, np.float32(to_host(spec, value)))
            if isinstance(value, float):
                assert back == pytest.approx(value, rel=1e-6, abs=1e-6)
            else:
                assert back == value
        if spec.is_numeric:  # out of range clamps, never raises
            assert from_host(spec, spec.maximum + 1e6) == spec.validate(spec.maximum)
    assert from_host(hushboard.NoiseSuppressor._specs["mix"], np.float32(0.8)) == 0.8


def _config(obj, channels=2) -> dict:
    from hushboard.plugin.native_export import bridge_config

    return bridge_config("Test", obj, channels)


def test_bridge_streams_chunks_like_the_plugin():
    x = demo_clip(1.0)
    expected = hushboard.NoiseSuppressor(reduction_db=20)(x, SR)
    config = _config(hushboard.NoiseSuppressor(reduction_db=20))
    bridge = Bridge(config, "test", table_digest(config["parameters"]), 2)
    latency = bridge.activate(SR, 1500)
    assert latency == hushboard.NoiseSuppressor().get_latency_samples(SR)
    out, position = [], 0
    for frames in [64, 1500, 65, 700, 1499] * 20:
        chunk = x[:, position:position + frames]
        if chunk.shape[1] < frames:
            break
        bridge.input[:, :frames] = chunk
        produced = bridge.process(frames)
        assert produced == max(0, min(frames, position + frames - latency))
        out.append(bridge.output[:, frames - produced:frames].copy())
        position += frames
    out = np.concatenate(out, axis=1)
    np.testing.assert_array_equal(out, expected[:, :out.shape[1]])


def test_bridge_parameters_state_and_failures(capsys):
    plugin = hushboard.NoiseSuppressor()
    config = _config(plugin)
    digest = table_digest(config["parameters"])
    bridge = Bridge(config, "test", digest, 2)
    index = {row["symbol"]: i for i, row in enumerate(config["parameters"])}
    bridge.set_parameter(index["reduction_db"], 30.0)
    bridge.set_parameter(index["link"], 0.0)
    values = bridge.values()
    assert values[index["reduction_db"]] == 30.0 and values[index["link"]] == 0.0
    state = json.loads(bridge.get_state())
    assert state["plugin"]["parameters"]["reduction_db"] == 30.0
    assert state["plugin"]["parameters"]["link"] == "off"
    other = Bridge(config, "test", digest, 2)
    assert other.set_state(json.dumps(state)) == values
    # a preset of another plugin is refused (the C++ side keeps the old one)
    from hushboard.plugin.presets import to_document

    with pytest.raises(ValueError):
        other.set_state(json.dumps(to_document(hushboard.HumRemover())))
    with pytest.raises(ValueError):
        Bridge(config, "test", "0" * 16, 2)  # a config that does not match the binary
    # a Python error inside process never raises: -1, reported on stderr
    bridge.activate(SR, 256)
    bridge.input[:] = np.nan
    assert bridge.process(256) == -1
    assert "ValueError" in capsys.readouterr().err
    bridge.input[:] = demo_clip(256 / SR)
    assert bridge.process(256) == 0  # a fresh stream again: the latency is still to fill


def test_export_refuses_bad_requests_before_building(tmp_path, capsys):
    from hushboard.plugin.cli import main

    assert main(["export-plugin", "NoSuchPlugin", "--out", str(tmp_path)]) == 2
    assert "unknown hushboard plugin 'NoSuchPlugin'" in capsys.readouterr().err
    assert main(["export-plugin", "NoiseSuppressor", "--format", "vst2", "--out", str(tmp_path)]) == 2
    assert "formats must be among" in capsys.readouterr().err
    assert main(["export-plugin", "bad name", "--out", str(tmp_path)]) == 2
    assert not any(tmp_path.iterdir())


# ---------------------------------------------------------------------------------------------
# Real binaries: toolchain and the session's builds
# ---------------------------------------------------------------------------------------------
def _apt_install(packages: list[str]) -> str:
    """Install Debian packages when possible (root with apt-get); the output on failure."""
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        return "not root with apt-get"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    for attempt in range(2):
        result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                text=True, timeout=600)
        if result.returncode == 0:
            return ""
        if attempt == 0:  # a fresh machine may have no package lists yet
            subprocess.run(["apt-get", "update", "-q"], env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=600)
    return result.stdout[-500:] + result.stderr[-500:]


@pytest.fixture(scope="session")
def toolchain() -> None:
    from hushboard.plugin.native_export import NativeBuildError, find_dpf

    if not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        pytest.skip("this Python has no shared libpython (built without --enable-shared)")
    if shutil.which(os.environ.get("CXX", "g++")) is None:
        pytest.skip("no C++ compiler (g++) to build the native bridge")
    try:
        find_dpf()
    except NativeBuildError:
        problem = _apt_install(["dpf-source", "lv2file"])
        try:
            find_dpf()
        except NativeBuildError as error:
            pytest.skip(f"{error} (automatic install failed: {problem.strip()})")


@pytest.fixture(scope="session")
def bundles(toolchain, tmp_path_factory) -> dict[str, Path]:
    """NoiseSuppressor as VST3 + LV2 + CLAP (through the CLI) and the live-music-stream preset
    as VST3, built once per session."""
    from hushboard.plugin.cli import main
    from hushboard.plugin.native_export import export_plugin

    out = tmp_path_factory.mktemp("native")
    started = time.perf_counter()
    assert main(["export-plugin", "NoiseSuppressor", "--format", "vst3,lv2,clap",
                 "--out", str(out / "ns")]) == 0
    live = export_plugin("LiveMusic", out / "live", preset="live-music-stream", formats=("vst3",))
    print(f"native bridge builds: {time.perf_counter() - started:.1f} s")
    return {"vst3": out / "ns" / "NoiseSuppressor.vst3", "lv2": out / "ns" / "NoiseSuppressor.lv2",
            "clap": out / "ns" / "NoiseSuppressor.clap", "live": live["vst3"]}


def board_members(*members) -> list:
    """The test chain around ``members``: Gain(-3 dB), members, Compressor(-20 dB, 3:1)."""
    return [pedalboard.Gain(-3), *members, pedalboard.Compressor(threshold_db=-20, ratio=3)]


def python_board(*members) -> hushboard.Chain:
    return hushboard.Chain(board_members(*members))


def native_board(*members) -> pedalboard.Pedalboard:
    return pedalboard.Pedalboard(board_members(*members))


def test_vst3_shows_hushboard_parameters_and_latency(bundles):
    plugin = pedalboard.load_plugin(str(bundles["vst3"]))
    assert plugin.name == "NoiseSuppressor"
    assert plugin.reported_latency_samples == hushboard.NoiseSuppressor().get_latency_samples(SR) + CHUNK - 1
    parameters = plugin.parameters
    for spec in hushboard.NoiseSuppressor.PARAMETERS:
        parameter = parameters[spec.name]
        if spec.is_choice:
            assert list(parameter.valid_values) == list(spec.choices)
            assert getattr(plugin, spec.name) == spec.default
        else:
            assert parameter.range[:2] == pytest.approx((spec.minimum, spec.maximum))
            assert (parameter.label or "") == spec.unit
            assert getattr(plugin, spec.name) == pytest.approx(spec.default)
    assert parameters["bridge_errors"].min_value == 0.0  # read-only error counter


def test_native_pedalboard_output_equals_python(bundles):
    x = demo_clip(3.0)
    bridge = pedalboard.load_plugin(str(bundles["vst3"]))
    board = native_board(bridge)
    out = board(x, SR)
    expected = python_board(hushboard.NoiseSuppressor())(x, SR)
    assert out.shape == x.shape
    assert np.abs(out - expected).max() <= 1e-5
    dry = native_board()(x, SR)
    assert np.abs(out - dry).max() > 1e-2  # the bridge really denoised


def test_sample_rate_change_reports_the_new_latency(bundles):
    x = demo_clip(1.0)
    bridge = pedalboard.load_plugin(str(bundles["vst3"]))
    for rate in (96000, 44100):  # the demo clip's samples, read at other rates
        out = pedalboard.Pedalboard([bridge])(x, rate)
        latency = hushboard.NoiseSuppressor().get_latency_samples(rate)
        assert bridge.reported_latency_samples == latency + CHUNK - 1
        assert np.abs(out - hushboard.NoiseSuppressor()(x, rate)).max() <= 1e-5


def test_parameters_set_through_pedalboard_reach_the_plugin(bundles):
    x = demo_clip(2.0)
    bridge = pedalboard.load_plugin(str(bundles["vst3"]))
    board = native_board(bridge)
    before = board(x, SR)
    bridge.reduction_db = 30
    bridge.output = "removed"
    bridge.link = "off"
    assert (bridge.reduction_db, bridge.output, bridge.link) == (30, "removed", "off")
    after = board(x, SR)
    expected = python_board(hushboard.NoiseSuppressor(reduction_db=30, output="removed",
                                                      link="off"))(x, SR)
    assert np.abs(after - expected).max() <= 1e-5
    assert np.abs(after - before).max() > 1e-2


def _dpf_state(raw_state: bytes) -> bytes:
    """The DPF component state inside pedalboard's VST3 ``raw_state`` (JUCE's XML wrapper,
    JUCE's base64 variant: ``SIZE.`` then 6 bits per character, least significant first)."""
    text = raw_state[raw_state.index(b"<IComponent>") + 12:raw_state.index(b"</IComponent>")].decode()
    size, data = text.split(".", 1)
    alphabet = ".ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+"
    bits = [(alphabet.index(c) >> k) & 1 for c in data for k in range(6)][:8 * int(size)]
    return bytes(sum(bits[8 * i + k] << k for k in range(8)) for i in range(int(size)))


def test_raw_state_round_trips(bundles):
    x = demo_clip(2.0)
    first = pedalboard.load_plugin(str(bundles["vst3"]))
    first.reduction_db = 25
    first.mode = "frozen"
    # VST3 hands parameter changes to the processor with the next block: process before saving
    # (a DAW saves a playing or prepared plugin).
    pedalboard.Pedalboard([first])(x[:, :512], SR)
    state = first.raw_state
    preset = _dpf_state(state).split(b"\x00")
    document = json.loads(preset[preset.index(b"preset") + 1])  # the hushboard preset JSON
    assert document["format"] == "hushboard.preset"
    assert document["plugin"]["parameters"]["reduction_db"] == 25.0
    assert document["plugin"]["parameters"]["mode"] == "frozen"
    second = pedalboard.load_plugin(str(bundles["vst3"]))
    assert second.reduction_db == 12
    second.raw_state = state
    assert (second.reduction_db, second.mode) == (25, "frozen")
    out = pedalboard.Pedalboard([second])(x, SR)
    expected = hushboard.NoiseSuppressor(reduction_db=25, mode="frozen")(x, SR)
    assert np.abs(out - expected).max() <= 1e-5
    assert np.abs(out - pedalboard.Pedalboard([first])(x, SR)).max() <= 1e-5


def test_music_aware_chain_preset_in_a_native_pedalboard(bundles):
    x = demo_clip(3.0)
    bridge = pedalboard.load_plugin(str(bundles["live"]))
    names = set(bridge.parameters)
    assert {"hum_reduction_db", "denoiser_reduction_db", "denoiser_music_protection"} <= names
    board = native_board(bridge)
    out = board(x, SR)
    expected = python_board(hushboard.load_preset("live-music-stream"))(x, SR)
    assert np.abs(out - expected).max() <= 1e-5
    bridge.denoiser_music_protection = 0.2
    chain = hushboard.load_preset("live-music-stream")
    chain.names["denoiser"].music_protection = 0.2
    changed = board(x, SR)
    assert np.abs(changed - python_board(chain)(x, SR)).max() <= 1e-5
    assert np.abs(changed - out).max() > 1e-4


def test_python_failure_passes_audio_through(bundles, capfd):
    x = demo_clip(3.0)
    x[:, 40000:40010] = np.nan  # the hushboard plugin refuses NaN: a Python exception
    bridge = pedalboard.load_plugin(str(bundles["vst3"]))
    out = pedalboard.Pedalboard([bridge])(x, SR)
    assert "hushboard bridge (NoiseSuppressor)" in capfd.readouterr().err
    np.testing.assert_array_equal(np.isnan(out), np.isnan(x))  # no NaN spread into the state
    same = np.all((out == x) | np.isnan(x), axis=0)
    dry = np.nonzero(same)[0]
    # the failed block and the restart's latency pass through dry, aligned with the input
    assert dry[0] < 40000 and np.all(np.diff(dry[(dry > 30000) & (dry < 41000)]) == 1)
    assert same[40000 - 1023:40000 + 100].all()
    assert np.abs(out[:, -SR:] - x[:, -SR:]).max() > 1e-2  # denoising again afterwards


def test_bundle_without_config_passes_through(bundles, tmp_path, capfd):
    broken = tmp_path / "NoiseSuppressor.vst3"
    shutil.copytree(bundles["vst3"], broken)
    (broken / "Contents" / "Resources" / "NoiseSuppressor.hushboard.json").unlink()
    plugin = pedalboard.load_plugin(str(broken))
    x = demo_clip(0.5)
    out = pedalboard.Pedalboard([plugin])(x, SR)
    np.testing.assert_array_equal(out, x)
    assert "no NoiseSuppressor.hushboard.json" in capfd.readouterr().err


def test_lv2_runs_in_lv2file_with_the_same_output(bundles, tmp_path):
    if shutil.which("lv2file") is None:
        problem = _apt_install(["lv2file"])
        if shutil.which("lv2file") is None:
            pytest.skip(f"lv2file (Debian LV2 file host) not installed: {problem.strip()}")
    x = demo_clip(1.0)
    source, result = tmp_path / "in.wav", tmp_path / "out.wav"
    with AudioFile(str(source), "w", SR, 2, bit_depth=32) as f:
        f.write(x)
    plugins = tmp_path / "lv2"
    shutil.copytree(bundles["lv2"], plugins / "NoiseSuppressor.lv2")
    run = subprocess.run(["lv2file", "-i", str(source), "-o", str(result), "-p", "reduction_db:25",
                          "urn:hushboard:NoiseSuppressor"], env=dict(os.environ, LV2_PATH=str(plugins)),
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    with AudioFile(str(result)) as f:
        out = f.read(f.frames)
    delay = hushboard.NoiseSuppressor().get_latency_samples(SR) + CHUNK - 1  # lv2file does not compensate
    expected = hushboard.NoiseSuppressor(reduction_db=25)(x, SR)
    assert out.shape == x.shape
    assert np.abs(out[:, :delay]).max() == 0.0
    assert np.abs(out[:, delay:] - expected[:, :-delay]).max() <= 1e-5
    assert np.abs(out[:, delay:] - x[:, :-delay]).max() > 1e-2


def test_lv2_host_without_python_passes_through_when_hushboard_is_missing(bundles, tmp_path):
    if shutil.which("lv2file") is None:
        pytest.skip("lv2file (Debian LV2 file host) not installed")
    bundle = tmp_path / "lv2" / "NoiseSuppressor.lv2"
    shutil.copytree(bundles["lv2"], bundle)
    config_file = bundle / "NoiseSuppressor.hushboard.json"
    config = json.loads(config_file.read_text())
    config["python"].update(site_dirs=[], package_dir=str(tmp_path / "nowhere"))
    config_file.write_text(json.dumps(config))
    x = demo_clip(0.5)
    source, result = tmp_path / "in.wav", tmp_path / "out.wav"
    with AudioFile(str(source), "w", SR, 2, bit_depth=32) as f:
        f.write(x)
    run = subprocess.run(["lv2file", "-i", str(source), "-o", str(result), "urn:hushboard:NoiseSuppressor"],
                         env=dict(os.environ, LV2_PATH=str(bundle.parent)), stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "could not create the hushboard plugin" in run.stderr
    with AudioFile(str(result)) as f:
        out = f.read(f.frames)
    delay = hushboard.NoiseSuppressor().get_latency_samples(SR) + CHUNK - 1
    np.testing.assert_array_equal(out[:, delay:], x[:, :-delay])  # dry, latency kept


def test_bridges_process_concurrently_from_python_threads(bundles):
    import concurrent.futures

    x = demo_clip(2.0)
    settings = [{"reduction_db": 12.0}, {"reduction_db": 30.0, "link": "off"}]
    bridges = [pedalboard.load_plugin(str(bundles["vst3"])) for _ in settings]
    for bridge, values in zip(bridges, settings):
        for name, value in values.items():
            setattr(bridge, name, value)

    def run(bridge):  # pedalboard releases the GIL; each bridge takes it for its Python call
        return [pedalboard.Pedalboard([bridge])(x, SR) for _ in range(2)]

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, bridges))
    for outs, values in zip(results, settings):
        expected = hushboard.NoiseSuppressor(**values)(x, SR)
        for out in outs:
            assert np.abs(out - expected).max() <= 1e-5


class _ClapVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32), ("revision", ctypes.c_uint32)]


class _ClapDescriptor(ctypes.Structure):
    _fields_ = [("version", _ClapVersion), *[(name, ctypes.c_char_p) for name in (
        "id", "name", "vendor", "url", "manual_url", "support_url", "version_text", "description")],
        ("features", ctypes.POINTER(ctypes.c_char_p))]


def test_clap_binary_describes_the_plugin(bundles):
    # The CLAP ABI (clap/entry.h, clap/plugin-factory.h): no CLAP host ships in Debian, so read
    # the entry point and the factory's descriptor directly.
    library = ctypes.CDLL(str(bundles["clap"]))
    entry_type = type("Entry", (ctypes.Structure,), {"_fields_": [
        ("version", _ClapVersion), ("init", ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.c_char_p)),
        ("deinit", ctypes.CFUNCTYPE(None)),
        ("get_factory", ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_char_p))]})
    entry = entry_type.in_dll(library, "clap_entry")
    assert entry.version.major == 1
    assert entry.init(str(bundles["clap"]).encode())
    factory_type = type("Factory", (ctypes.Structure,), {"_fields_": [
        ("get_plugin_count", ctypes.CFUNCTYPE(ctypes.c_uint32, ctypes.c_void_p)),
        ("get_plugin_descriptor", ctypes.CFUNCTYPE(ctypes.POINTER(_ClapDescriptor), ctypes.c_void_p, ctypes.c_uint32))]})
    pointer = entry.get_factory(b"clap.plugin-factory")
    factory = factory_type.from_address(pointer)
    assert factory.get_plugin_count(pointer) == 1
    descriptor = factory.get_plugin_descriptor(pointer, 0).contents
    assert descriptor.id == b"org.hushboard.NoiseSuppressor" and descriptor.name == b"NoiseSuppressor"
    assert (bundles["clap"].parent / "NoiseSuppressor.hushboard.json").is_file()
