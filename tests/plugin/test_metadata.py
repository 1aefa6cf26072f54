"""``hushboard process`` carries metadata over: WAV chunks byte for byte, FLAC/MP3 tags and
artwork, common tags across formats; sample-position chunks are dropped when resampling."""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from pedalboard.io import AudioFile

from hushboard.plugin.cli import main
from hushboard.plugin.metadata import info_chunk, riff_chunks, wav_info_tags
from tests.conftest import speech_like

mutagen = pytest.importorskip("mutagen")

SR = 48000
BEXT = b"hushboard test take 7".ljust(602, b"\0")  # a bext chunk's fixed part is 602 bytes
CUE = struct.pack("<I", 1) + struct.pack("<II4sIII", 1, 24000, b"data", 0, 0, 24000)
IXML = b"<?xml version='1.0'?><BWFXML><PROJECT>hush</PROJECT></BWFXML>"


def clip() -> np.ndarray:
    return np.stack([speech_like(SR, SR, s) for s in (0, 1)]).astype(np.float32)


def add_chunks(path: Path, chunks: list[tuple[bytes, bytes]]) -> None:
    data = bytearray(path.read_bytes())
    for chunk_id, payload in chunks:
        data += chunk_id + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) & 1 else b"")
    data[4:8] = struct.pack("<I", len(data) - 8)
    path.write_bytes(bytes(data))


def tagged_wav(path: Path) -> Path:
    with AudioFile(str(path), "w", SR, 2, bit_depth=24) as f:
        f.write(clip())
    add_chunks(path, [(b"bext", BEXT), (b"iXML", IXML), (b"cue ", CUE),
                      (b"LIST", info_chunk({"title": "Take 7", "artist": "Hush Band"}))])
    return path


def test_wav_chunks_survive_byte_for_byte_and_audio_still_reads(tmp_path):
    src = tagged_wav(tmp_path / "in.wav")
    out = tmp_path / "out.wav"
    assert main(["process", str(src), str(out), "--plugin", "HumRemover"]) == 0
    chunks = dict(riff_chunks(out))
    assert chunks[b"bext"] == BEXT and chunks[b"iXML"] == IXML and chunks[b"cue "] == CUE
    assert wav_info_tags(out) == {"title": "Take 7", "artist": "Hush Band"}
    with AudioFile(str(out)) as f:  # the file is still valid audio of the same length
        assert f.frames == SR and f.num_channels == 2
        audio = f.read(f.frames)
    assert np.abs(audio).max() > 0.01


def test_resampling_drops_sample_position_chunks_and_says_so(tmp_path, capsys):
    src = tagged_wav(tmp_path / "in.wav")
    out = tmp_path / "out.wav"
    assert main(["process", str(src), str(out), "--plugin", "HumRemover", "--sample-rate", "44100"]) == 0
    chunks = dict(riff_chunks(out))
    assert b"cue " not in chunks and b"bext" not in chunks
    assert chunks[b"iXML"] == IXML and wav_info_tags(out)["title"] == "Take 7"
    assert "cue" in capsys.readouterr().err


def test_flac_tags_and_artwork_survive(tmp_path):
    from mutagen.flac import FLAC, Picture

    src = tmp_path / "in.flac"
    with AudioFile(str(src), "w", SR, 2, bit_depth=24) as f:
        f.write(clip())
    tags = FLAC(str(src))
    tags["title"], tags["artist"], tags["isrc"] = "Song", "Band", "USRC17607839"
    art = Picture()
    art.type, art.mime, art.data = 3, "image/png", b"\x89PNG fake cover"
    tags.add_picture(art)
    tags.save()
    out = tmp_path / "out.flac"
    assert main(["process", str(src), str(out), "--plugin", "HumRemover"]) == 0
    result = FLAC(str(out))
    assert result["title"] == ["Song"] and result["isrc"] == ["USRC17607839"]
    assert [p.data for p in result.pictures] == [b"\x89PNG fake cover"]
    assert result.info.sample_rate == SR and result.info.channels == 2


def test_common_tags_cross_formats(tmp_path):
    from mutagen.flac import FLAC

    src = tagged_wav(tmp_path / "in.wav")
    out = tmp_path / "out.flac"
    assert main(["process", str(src), str(out), "--plugin", "HumRemover"]) == 0
    result = FLAC(str(out))
    assert result["title"] == ["Take 7"] and result["artist"] == ["Hush Band"]
    back = tmp_path / "back.wav"
    assert main(["process", str(out), str(back), "--plugin", "HumRemover"]) == 0
    assert wav_info_tags(back) == {"title": "Take 7", "artist": "Hush Band"}


def test_mp3_id3_frames_and_artwork_survive(tmp_path):
    from mutagen.id3 import APIC, ID3, TIT2, TPE1

    src = tmp_path / "in.mp3"
    with AudioFile(str(src), "w", SR, 2, quality=320) as f:
        f.write(clip())
    tags = ID3()
    tags.add(TIT2(encoding=3, text="Podcast 12"))
    tags.add(TPE1(encoding=3, text="Host"))
    tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="cover", data=b"\xff\xd8 fake jpeg"))
    tags.save(str(src))
    out = tmp_path / "out.mp3"
    assert main(["process", str(src), str(out), "--plugin", "HumRemover"]) == 0
    result = ID3(str(out))
    assert str(result["TIT2"]) == "Podcast 12" and str(result["TPE1"]) == "Host"
    assert result.getall("APIC")[0].data == b"\xff\xd8 fake jpeg"
