"""``hushboard process``: the streamed file pipeline equals the in-memory chain, writes atomically,
refuses to lose data, keeps memory flat, and converts ``--set`` through the Param specs."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pytest
from pedalboard.io import AudioFile

import hushboard
from hushboard.plugin import audio_stats
from hushboard.plugin.base import Plugin
from hushboard.plugin.cli import main
from hushboard.plugin.cli_process import (TEMP_MARKER, AudioFileError, OutputOptions, ProcessorSpec,
                                          process_file)
from hushboard.plugin.parameter import Param, Value
from tests.conftest import speech_like

SR = 48000


class Delay(Plugin, register=False):
    """Test-only latent plugin: a pure delay of ``delay_samples`` times ``gain``."""

    PARAMETERS = (Param("delay_samples", 257, 0, 4096, step=1, doc="Delay in samples."),
                  Param("gain", 0.5, 0.0, 1.0, doc="Linear gain."))

    def _latency_for(self, sample_rate: float) -> int:
        return int(self.delay_samples)

    def _create_state(self, sample_rate: float, num_channels: int, values: Mapping[str, Value]) -> Any:
        return {"line": np.zeros((num_channels, int(values["delay_samples"])))}

    def _process_block(self, state: Any, block: np.ndarray, values: Mapping[str, Value]) -> np.ndarray:
        joined = np.concatenate([state["line"], block], axis=1)
        state["line"] = joined[:, block.shape[1]:]
        return joined[:, : block.shape[1]] * float(values["gain"])


class FailAfter(Plugin, register=False):
    """Test-only plugin that raises after ``blocks`` blocks (a failure injected mid-write)."""

    PARAMETERS = (Param("blocks", 3, 0, 100, step=1, doc="Blocks processed before failing."),)

    def _create_state(self, sample_rate: float, num_channels: int, values: Mapping[str, Value]) -> Any:
        return {"left": int(values["blocks"])}

    def _process_block(self, state: Any, block: np.ndarray, values: Mapping[str, Value]) -> np.ndarray:
        if state["left"] == 0:
            raise RuntimeError("injected failure")
        state["left"] -= 1
        return block


def write(path: Path, audio: np.ndarray, sr: int = SR, bit_depth: int = 32) -> Path:
    with AudioFile(str(path), "w", sr, audio.shape[0], bit_depth=bit_depth) as f:
        f.write(audio.astype(np.float32))
    return path


def read(path: Path) -> tuple[np.ndarray, float, str]:
    with AudioFile(str(path)) as f:
        return f.read(f.frames), f.samplerate, f.file_dtype


def noisy_stereo(seconds: float, seed: int = 0) -> np.ndarray:
    n = int(seconds * SR)
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    hum = 0.05 * np.sin(2 * np.pi * 60 * t)
    return np.stack([speech_like(n, SR, seed) + hum, speech_like(n, SR, seed + 1) + hum]) \
        + rng.normal(0, 0.01, (2, n))


def spectral_denoiser() -> Plugin | None:
    """A registered spectral denoiser (latency ~1023 samples), or None while none is."""
    plugins = hushboard.available_plugins()
    for name in ("NoiseSuppressor", "WienerDenoiser", "SpectralSubtraction"):
        if name in plugins:
            return plugins[name]()
    return None


def latent_chain(first: str = "HumRemover") -> hushboard.Chain:
    """A latent chain; the adaptive plugin also sits after a latent one, where it must see the
    same aligned signal streamed as in the whole-buffer call."""
    head = hushboard.HumRemover() if first == "HumRemover" else spectral_denoiser()
    tail = spectral_denoiser() if first == "HumRemover" else hushboard.HumRemover()
    return hushboard.Chain([head, Delay(), tail])


@pytest.mark.parametrize("first", ["HumRemover", "spectral"])
@pytest.mark.parametrize("bit_depth, atol", [("float", 1e-6), ("24", 2 ** -23 + 1e-6)])
def test_streamed_file_equals_in_memory_chain(tmp_path: Path, bit_depth: str, atol: float,
                                              first: str) -> None:
    if first == "spectral" and spectral_denoiser() is None:
        pytest.skip("no spectral denoiser registered yet")
    audio = noisy_stereo(1.3).astype(np.float32)
    src = write(tmp_path / "in.wav", audio)
    chain = latent_chain(first)
    assert chain.get_latency_samples(SR) >= 257
    stats = process_file(src, tmp_path / "out.wav", chain, OutputOptions(bit_depth=bit_depth))
    out, rate, dtype = read(tmp_path / "out.wav")
    expected = latent_chain(first)(audio, SR)
    assert rate == SR and out.shape == audio.shape
    assert dtype == ("float32" if bit_depth == "float" else "int24")
    np.testing.assert_allclose(out, expected, atol=atol, rtol=0)
    assert stats.duration_s == pytest.approx(1.3) and stats.channels == 2


def test_mono_sample_rate_conversion_and_flac(tmp_path: Path) -> None:
    src = write(tmp_path / "in.wav", noisy_stereo(1.0)[:1], bit_depth=16)
    code = main(["process", str(src), str(tmp_path / "out.flac"), "--plugin", "HumRemover",
                 "--sample-rate", "44100", "--bit-depth", "16"])
    out, rate, dtype = read(tmp_path / "out.flac")
    assert code == 0 and rate == 44100 and out.shape[0] == 1 and dtype == "int16"
    assert abs(out.shape[1] - 44100) <= 2


def test_set_goes_through_param_specs() -> None:
    spec = ProcessorSpec(plugin="HumRemover", settings=(("reduction_db", "12"), ("mains_hz", "50"),
                                                        ("harmonics", "3")))
    plugin = spec.build()[0]
    assert (plugin.reduction_db, plugin.mains_hz, plugin.harmonics) == (12.0, "50", 3)
    with pytest.raises(ValueError, match="valid keys: harmonics, highpass_hz, mains_hz"):
        ProcessorSpec(plugin="HumRemover", settings=(("reduction", "1"),)).build()
    with pytest.raises(ValueError, match="reduction_db must be a number between 0 dB and 60 dB"):
        ProcessorSpec(plugin="HumRemover", settings=(("reduction_db", "loud"),)).build()
    with pytest.raises(ValueError, match="between 0 dB and 60 dB"):
        ProcessorSpec(plugin="HumRemover", settings=(("reduction_db", "70"),)).build()
    with pytest.raises(ValueError, match="unknown plugin 'Nope'"):
        ProcessorSpec(plugin="Nope").build()


def test_cli_refuses_own_input_and_needs_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    src = write(tmp_path / "in.wav", noisy_stereo(0.3))
    before = src.read_bytes()
    assert main(["process", str(src), str(src), "--plugin", "HumRemover"]) == 1
    assert "refusing to write the output onto its own input" in capsys.readouterr().err
    assert src.read_bytes() == before
    out = tmp_path / "out.wav"
    assert main(["process", str(src), str(out), "--plugin", "HumRemover"]) == 0
    assert main(["process", str(src), str(out), "--plugin", "HumRemover"]) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert main(["process", str(src), str(out), "--plugin", "HumRemover", "--overwrite",
                 "--set", "reduction_db=10"]) == 0
    assert main(["process", str(src), str(out), "--plugin", "HumRemover", "--set", "bogus=1"]) == 2
    assert "valid keys" in capsys.readouterr().err


def test_failure_mid_write_leaves_no_partial_file(tmp_path: Path) -> None:
    src = write(tmp_path / "in.wav", noisy_stereo(3.0))
    out = tmp_path / "out.wav"
    with pytest.raises(RuntimeError, match="injected failure"):
        process_file(src, out, hushboard.Chain([FailAfter(blocks=4)]))
    assert not out.exists()
    old = write(out, np.zeros((2, 100)))
    old_bytes = old.read_bytes()
    with pytest.raises(RuntimeError, match="injected failure"):
        process_file(src, out, hushboard.Chain([FailAfter(blocks=4)]), overwrite=True)
    assert out.read_bytes() == old_bytes  # the old output survives a failed replacement
    assert not [p for p in tmp_path.iterdir() if TEMP_MARKER in p.name]


def test_bad_inputs_name_file_and_reason(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio at all" * 100)
    for path, reason in ((empty, "empty file"), (junk, "cannot read as audio")):
        with pytest.raises(AudioFileError, match=reason) as info:
            process_file(path, tmp_path / "out.wav", latent_chain())
        assert str(path) in str(info.value)
    with pytest.raises(AudioFileError, match="cannot store float"):
        process_file(write(tmp_path / "ok.wav", noisy_stereo(0.2)), tmp_path / "out.flac",
                     latent_chain(), OutputOptions(bit_depth="float"))
    assert not (tmp_path / "out.wav").exists() and not (tmp_path / "out.flac").exists()


def test_streamed_loudness_equals_pyloudnorm() -> None:
    pyloudnorm = pytest.importorskip("pyloudnorm")
    audio = noisy_stereo(4.0)
    meter = audio_stats.init_meter(SR, 2)
    for start in range(0, audio.shape[1], 3001):
        audio_stats.update(meter, audio[:, start:start + 3001])
    expected = pyloudnorm.Meter(SR).integrated_loudness(audio.T)
    assert audio_stats.summary(meter).loudness == pytest.approx(expected, abs=0.1)


MEASURE = """
import resource, sys
from pathlib import Path
import hushboard
from hushboard.plugin.cli_process import process_file
process_file(Path(sys.argv[1]), Path(sys.argv[2]), hushboard.Chain([hushboard.HumRemover()]))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_rss_kb(src: Path, out: Path) -> int:
    done = subprocess.run([sys.executable, "-c", MEASURE, str(src), str(out)], capture_output=True,
                          text=True, check=True, cwd=Path(hushboard.__file__).parent.parent)
    return int(done.stdout.strip().splitlines()[-1])


def _write_noise(path: Path, seconds: int) -> None:
    rng = np.random.default_rng(1)
    with AudioFile(str(path), "w", SR, 2, bit_depth=16) as f:
        for _ in range(seconds // 10):
            f.write(rng.normal(0, 0.05, (2, 10 * SR)).astype(np.float32))


def test_memory_flat_in_file_length(tmp_path: Path) -> None:
    """Peak RSS for a 10-minute 48 kHz stereo file stays within a few MB of a 1-minute one."""
    _write_noise(tmp_path / "short.wav", 60)
    _write_noise(tmp_path / "long.wav", 600)
    short = _peak_rss_kb(tmp_path / "short.wav", tmp_path / "short_out.wav")
    long = _peak_rss_kb(tmp_path / "long.wav", tmp_path / "long_out.wav")
    assert long - short < 6 * 1024, f"peak RSS grew by {(long - short) / 1024:.1f} MB"


@pytest.mark.parametrize("name", ["podcast-voice", "mastering-hiss"])
def test_process_with_a_factory_preset_equals_the_loaded_chain(tmp_path: Path, name: str,
                                                               capsys: pytest.CaptureFixture) -> None:
    audio = noisy_stereo(1.0).astype(np.float32)
    src = write(tmp_path / "in.wav", audio)
    key = "NoiseSuppressor.reduction_db" if name == "podcast-voice" else "reduction_db"
    if name == "podcast-voice":  # two members have reduction_db: a bare key is refused
        assert main(["process", str(src), str(tmp_path / "x.wav"), "--preset", name,
                     "--set", "reduction_db=9"]) == 2
        assert "reduction_db" in capsys.readouterr().err and not (tmp_path / "x.wav").exists()
    assert main(["process", str(src), str(tmp_path / "out.wav"), "--preset", name,
                 "--bit-depth", "float", "--set", f"{key}=9"]) == 0
    out, rate, _ = read(tmp_path / "out.wav")
    chain = hushboard.load_preset(name)
    spec = ProcessorSpec(name, None, ((key, "9"),))
    expected = spec.build()(audio, SR)
    assert rate == SR and out.shape == audio.shape
    np.testing.assert_allclose(out, expected, atol=1e-6, rtol=0)
    assert not np.allclose(expected, chain(audio, SR), atol=1e-4)  # --set changed the preset


def test_process_with_a_preset_file(tmp_path: Path) -> None:
    preset = tmp_path / "mine.json"
    hushboard.save_preset(hushboard.Chain([hushboard.HumRemover(mains_hz="50")]), preset)
    audio = noisy_stereo(0.5).astype(np.float32)
    src = write(tmp_path / "in.wav", audio)
    assert main(["process", str(src), str(tmp_path / "out.wav"), "--preset", str(preset),
                 "--bit-depth", "float"]) == 0
    out, _, _ = read(tmp_path / "out.wav")
    np.testing.assert_allclose(out, hushboard.HumRemover(mains_hz="50")(audio, SR), atol=1e-6, rtol=0)
