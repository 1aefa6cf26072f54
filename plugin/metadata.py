"""Carry a file's metadata (tags, broadcast chunks, markers, artwork) from input to output.

``pedalboard.io`` reads and writes samples only, so ``hushboard process``/``batch`` copy the
rest here, onto the finished temporary output before it is renamed into place:

- WAV -> WAV: every RIFF chunk that is not audio or format (``LIST``/``INFO`` tags, ``bext``
  broadcast extension, ``iXML``, ``axml``, ``cue `` markers, ``smpl`` loop points, ``id3 ``
  tags, ...), byte for byte, appended after the audio (the RIFF size is updated).
- FLAC/MP3/OGG/AIFF -> the same format: the whole tag set with ``mutagen`` (Vorbis comments and
  pictures, ID3 frames including artwork).
- Across formats: the common text tags (title, artist, album, date, genre, track number,
  comment) through ``mutagen``'s format-neutral keys, with WAV ``INFO`` mapped onto them.

Markers and references counted in samples (``cue ``, ``smpl``, ``bext``'s time reference) stay
valid because the output has the input's length and alignment; when the sample rate is
converted they would point to the wrong place, so they are left out and reported as skipped.
Nothing here can fail a render: an unreadable tag is reported in ``MetadataReport.skipped``.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

#: RIFF chunks written by the encoder itself (never copied).
AUDIO_CHUNKS = frozenset({b"fmt ", b"data", b"fact", b"JUNK", b"junk", b"PAD ", b"ds64", b"FLLR"})
#: RIFF chunks whose content counts samples: dropped when the sample rate is converted.
SAMPLE_POSITION_CHUNKS = frozenset({b"cue ", b"smpl", b"bext", b"plst"})
#: WAV ``LIST/INFO`` ids <-> format-neutral tag names (EBU/Microsoft RIFF INFO).
INFO_TAGS = {b"INAM": "title", b"IART": "artist", b"IPRD": "album", b"ICRD": "date",
             b"IGNR": "genre", b"ITRK": "tracknumber", b"ICMT": "comment"}
COMMON_TAGS = tuple(INFO_TAGS.values())


@dataclass
class MetadataReport:
    """What was carried over (``copied``: chunk ids or tag names) and what was not, and why."""

    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def copy_metadata(source: Path, target: Path, rate_changed: bool = False) -> MetadataReport:
    """Copy ``source``'s metadata onto ``target`` (same audio, written by ``pedalboard.io``).

    Args:
        source: the input file (only read).
        target: the finished output (modified in place; it is still the temporary file).
        rate_changed: the output was resampled: sample-position chunks are not copied.
    """
    report = MetadataReport()
    same = _container(source) == _container(target)
    try:
        if same and _container(source) == "wav":
            _copy_riff_chunks(source, target, rate_changed, report)
        elif same:
            _copy_tags_whole(source, target, report)
        else:
            _copy_common_tags(source, target, report)
    except Exception as error:  # a tag library error must never lose the audio
        report.skipped.append(f"metadata ({type(error).__name__}: {str(error)[:200]})")
    return report


def _container(path: Path) -> str:
    suffix = path.suffix.lower()
    return {".wave": "wav", ".aif": "aiff", ".aifc": "aiff"}.get(suffix, suffix.lstrip("."))


# -- WAV: RIFF chunks ------------------------------------------------------------------------
def riff_chunks(path: Path, audio: bool = False) -> list[tuple[bytes, bytes]]:
    """``(id, payload)`` of the top-level chunks of a RIFF/WAVE file, in file order.

    Chunk headers are read with seeks, so a long file costs no memory; the payload of ``data``
    (the audio) is read only when ``audio`` is true, else it is returned empty.
    """
    chunks = []
    with open(path, "rb") as f:
        header = f.read(12)
        if len(header) < 12 or header[:4] not in (b"RIFF", b"RF64") or header[8:12] != b"WAVE":
            raise ValueError(f"{path.name} is not a RIFF/WAVE file")
        end = f.seek(0, 2)
        position = 12
        while position + 8 <= end:
            f.seek(position)
            chunk_id, size = struct.unpack("<4sI", f.read(8))
            if chunk_id == b"data" and size == 0xFFFFFFFF:  # RF64: the real size is in ds64
                size = end - position - 8
            payload = f.read(size) if chunk_id != b"data" or audio else b""
            chunks.append((chunk_id, payload))
            position += 8 + size + (size & 1)  # chunks are padded to even length
    return chunks


def append_riff_chunks(path: Path, chunks: list[tuple[bytes, bytes]]) -> None:
    """Append ``chunks`` to a RIFF/WAVE file in place and update its RIFF size."""
    with open(path, "r+b") as f:
        end = f.seek(0, 2)
        if end & 1:
            f.write(b"\0")
        for chunk_id, payload in chunks:
            f.write(chunk_id + struct.pack("<I", len(payload)) + payload)
            if len(payload) & 1:
                f.write(b"\0")
        size = f.tell() - 8
        if size > 0xFFFFFFFF:
            raise ValueError(f"{path.name}: over 4 GiB with its metadata")
        f.seek(4)
        f.write(struct.pack("<I", size))


def _is_plain_riff(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"RIFF"


def _copy_riff_chunks(source: Path, target: Path, rate_changed: bool, report: MetadataReport) -> None:
    have = {chunk_id for chunk_id, _ in riff_chunks(target)}
    extra = []
    for chunk_id, payload in riff_chunks(source):
        name = chunk_id.decode("latin-1").strip()
        if chunk_id in AUDIO_CHUNKS or chunk_id in have:
            continue
        if rate_changed and chunk_id in SAMPLE_POSITION_CHUNKS:
            report.skipped.append(f"{name} (counts samples; the sample rate was converted)")
            continue
        extra.append((chunk_id, payload))
    if not extra:
        return
    if not _is_plain_riff(target):
        report.skipped.extend(f"{c.decode('latin-1').strip()} (output is RF64)" for c, _ in extra)
        return
    append_riff_chunks(target, extra)
    report.copied.extend(c.decode("latin-1").strip() for c, _ in extra)


def wav_info_tags(path: Path) -> dict[str, str]:
    """The ``LIST/INFO`` text tags of a WAV file as format-neutral names (``INFO_TAGS``)."""
    tags = {}
    for chunk_id, payload in riff_chunks(path):
        if chunk_id != b"LIST" or payload[:4] != b"INFO":
            continue
        position = 4
        while position + 8 <= len(payload):
            key, size = payload[position:position + 4], struct.unpack("<I", payload[position + 4:position + 8])[0]
            text = payload[position + 8:position + 8 + size].split(b"\0", 1)[0].decode("utf-8", "replace")
            if key in INFO_TAGS and text:
                tags[INFO_TAGS[key]] = text
            position += 8 + size + (size & 1)
    return tags


def info_chunk(tags: dict[str, str]) -> bytes:
    """A ``LIST/INFO`` payload holding ``tags`` (format-neutral names)."""
    body = b"INFO"
    for chunk_id, name in INFO_TAGS.items():
        if name in tags:
            text = tags[name].encode("utf-8") + b"\0"
            body += chunk_id + struct.pack("<I", len(text)) + text + (b"\0" if len(text) & 1 else b"")
    return body


# -- tagged formats: mutagen -----------------------------------------------------------------
def _copy_tags_whole(source: Path, target: Path, report: MetadataReport) -> None:
    import mutagen

    src = mutagen.File(str(source))
    if src is None or src.tags is None:
        return
    dst = mutagen.File(str(target))
    if dst is None:
        report.skipped.append(f"tags ({target.suffix} is not taggable)")
        return
    if dst.tags is None:
        dst.add_tags()
    if hasattr(src.tags, "getall"):  # ID3 (MP3, AIFF): frame by frame, artwork included
        for frame in src.tags.values():
            dst.tags.add(frame)
            report.copied.append(frame.HashKey)
    else:  # Vorbis comments (FLAC, OGG)
        for key, value in src.tags.items():
            dst.tags[key] = value
            report.copied.append(key)
    for picture in getattr(src, "pictures", []):  # FLAC artwork blocks
        dst.add_picture(picture)
        report.copied.append("picture")
    dst.save()


def _copy_common_tags(source: Path, target: Path, report: MetadataReport) -> None:
    import mutagen

    if _container(source) == "wav":
        tags = wav_info_tags(source)
    else:
        src = mutagen.File(str(source), easy=True)
        tags = {k: str(src.tags[k][0]) for k in COMMON_TAGS
                if src is not None and src.tags is not None and k in src.tags}
    if not tags:
        return
    if _container(target) == "wav":
        append_riff_chunks(target, [(b"LIST", info_chunk(tags))])
        report.copied.extend(sorted(tags))
        return
    dst = mutagen.File(str(target), easy=True)
    if dst is None:
        report.skipped.append(f"tags ({target.suffix} is not taggable)")
        return
    if dst.tags is None:
        dst.add_tags()
    for key, value in tags.items():
        dst.tags[key] = value
        report.copied.append(key)
    dst.save()
