"""Corpus recipe: manifest and split, FLAC round trip, bandwidth measurement, the .cat parser."""
from __future__ import annotations

import io
import struct
import wave
from collections import Counter

import numpy as np
import pytest

from hushboard.models import corpus, stems


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    cache = tmp_path_factory.mktemp("corpus")
    corpus.build_synthetic(cache, files_per_kind=10, seconds=1.0)
    return cache


def test_manifest_split_has_no_leakage(tiny):
    manifest = corpus.load_manifest(tiny)
    files = manifest["files"]
    sources = Counter((e["package"], e["file"]) for e in files)
    assert max(sources.values()) == 1  # a source file is listed once, so it has one split
    assert len({e["path"] for e in files}) == len(files)
    for split in corpus.SPLITS:
        source = corpus.CorpusSource(split, tiny)
        for kind in corpus.KINDS:
            assert source.files[kind], (split, kind)
            assert all(e["split"] == split and f"/{split}/" in e["path"] for e in source.files[kind])
    by_split = [{e["path"] for e in corpus.CorpusSource(s, tiny).files["speech"]} for s in corpus.SPLITS]
    assert not (by_split[0] & by_split[1]) and not (by_split[0] & by_split[2]) and not (by_split[1] & by_split[2])


def test_manifest_records_rate_duration_license_bandwidth(tiny):
    for entry in corpus.load_manifest(tiny)["files"]:
        audio = corpus.read_flac(tiny / entry["path"])
        assert entry["rate"] == 48000
        assert audio.shape == (entry["channels"], round(entry["seconds"] * 48000))
        assert entry["license"] and entry["package"] == "synthetic"
        assert 0 < entry["bandwidth_hz"] <= 24000
    music = [e for e in corpus.load_manifest(tiny)["files"] if e["kind"] == "music"]
    assert {e["channels"] for e in music} == {2}


def test_hash_split_is_stable_and_near_80_10_10():
    names = [f"pkg/file-{i}.ogg" for i in range(5000)]
    splits = [stems.split_of(n) for n in names]
    assert splits == [stems.split_of(n) for n in names]
    counts = Counter(splits)
    assert counts["train"] / 5000 == pytest.approx(0.8, abs=0.03)
    assert counts["test"] / 5000 == pytest.approx(0.1, abs=0.02)


def test_flac_round_trip_keeps_24_bit_stereo(tmp_path):
    rng = np.random.default_rng(0)
    audio = (0.3 * rng.standard_normal((2, 4800))).clip(-0.99, 0.99).astype(np.float32)
    corpus.write_flac(tmp_path / "x.flac", audio)
    back = corpus.read_flac(tmp_path / "x.flac")
    assert back.shape == audio.shape
    assert np.max(np.abs(back - audio)) < 2 ** -22  # 24-bit quantisation


def test_effective_bandwidth_finds_a_lowpass():
    rng = np.random.default_rng(1)
    white = rng.standard_normal(96000)
    spectrum = np.fft.rfft(white)
    spectrum[np.fft.rfftfreq(96000, 1 / 48000) > 8000] = 0
    lowpassed = np.fft.irfft(spectrum, 96000)
    assert corpus.effective_bandwidth_hz(lowpassed) == pytest.approx(8000, abs=300)
    assert corpus.effective_bandwidth_hz(white) > 23000


def _wav(samples: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(samples.astype("<i2").tobytes())
    return buffer.getvalue()


def test_opensfx_catalogue_parser():
    sounds = [('"Ship horn". Original by X. License: Creative Commons Zero 1.0.\x00', _wav(np.arange(4000) % 300)),
              ('"Unused/Nothing". Trivial empty sound file.\x00', b"RIFF" + bytes(40))]
    table_size = 8 * len(sounds)
    table, body = b"", b""
    for description, wav in sounds:
        entry = bytes([len(description)]) + description.encode() + wav
        table += struct.pack("<II", (table_size + len(body)) | (0x80000000 if not table else 0), len(entry))
        body += entry
    parsed = list(corpus.opensfx_sounds(table + body))
    assert len(parsed) == 1  # the placeholder is dropped
    title, license_text, wav = parsed[0]
    assert title == "Ship horn" and license_text.startswith("Creative Commons Zero 1.0")
    assert wav == sounds[0][1]


def test_take_joins_files_and_is_seeded(tiny):
    source = corpus.CorpusSource("train", tiny)
    longest = max(e["seconds"] for e in source.files["transient"]) * 48000
    a = source.take("transient", np.random.default_rng(3), int(3 * longest))
    b = source.take("transient", np.random.default_rng(3), int(3 * longest))
    assert a.shape == (int(3 * longest),) and np.array_equal(a, b)
    assert np.mean(np.abs(a[-int(longest):])) > 0  # the end comes from a later file, not padding
    with pytest.raises(ValueError, match="unknown split"):
        corpus.CorpusSource("dev", tiny)


def test_measure_restores_bandwidths_and_handles_short_effects(tiny):
    manifest = corpus.load_manifest(tiny)
    truth = [e["bandwidth_hz"] for e in manifest["files"]]
    for entry in manifest["files"]:
        entry["bandwidth_hz"] = -1.0
    corpus.write_manifest(tiny, manifest["files"])
    assert [e["bandwidth_hz"] for e in corpus.measure(tiny)["files"]] == truth
    short = np.random.default_rng(2).standard_normal(1500)  # a 31 ms click, shorter than 4096 points
    assert 20000 < corpus.effective_bandwidth_hz(short) <= 24000
