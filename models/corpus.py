"""Evaluation corpus: real recordings from Debian packages as 48 kHz FLAC, split by source file.

    python -m hushboard.models.corpus build [--cache ~/.cache/hushboard/corpus]

The recipe reuses ``models.stems`` (package list for speech/music/noise, which files of a package
count, copyright parsing, the hash split) and adds sound effects for transients. Every source file
becomes one 24-bit FLAC at 48 kHz (music keeps its stereo, everything else is mono), cut to
``stems.MAX_SECONDS_PER_FILE``, with DC and infrasound removed like the stems. ``manifest.json``
lists, per file: kind, source package and file, license note, split, seconds, source rate and
channels, stored rate, and the measured effective bandwidth. Nothing of the audio is committed.

| kind | package | what |
|---|---|---|
| speech | klettres-data | letters, syllables and words, ~20 languages (44.1 kHz) |
| music | warzone2100-music, wesnoth-1.16-music | soundtracks, 48/44.1 kHz stereo |
| noise | ufoai-sound | recorded ambiences: machinery, ventilation, rain, wind, crowds |
| transient | openttd-opensfx | horns, whistles, planes, trains, crashes, jackhammer (inside its .cat) |
| transient | bucklespring-data | real keyboard key presses and releases |
| transient | sound-theme-freedesktop | bell, alarm clock, phone rings, camera shutter |

Split: ``stems.split_of(package/file)`` (80 % train, 10 % validation, 10 % test by a hash of the
file's package path), so a file is in exactly one split, the same one as in the stems.

``CorpusSource(split)`` reads a built corpus back: ``take(kind, rng, n)`` returns an ``n``-sample
excerpt (files of the kind are joined when one is too short) and ``events(kind)`` the whole files
(transients are placed as events). ``build_synthetic(cache)`` writes a tiny generated corpus with
the same layout and manifest, for tests and CI (no downloads).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from . import stems

#: Bumped whenever the recipe changes what a rebuilt corpus contains (RESULTS.md quotes it).
#: 1: first recipe. 2: ufoai ambiences holding music or speech (``stems.NOT_NOISE``) left out of
#: the noise kind (train and validation only lose files; the test split is unchanged).
CORPUS_VERSION = "2"
SR = stems.SR
KINDS = ("speech", "music", "noise", "transient")
SPLITS = stems.SPLITS
PACKAGES: dict[str, tuple[str, ...]] = {
    **stems.PACKAGES,
    "transient": ("openttd-opensfx", "bucklespring-data", "sound-theme-freedesktop"),
}
STEREO_KINDS = ("music",)
#: freedesktop theme sounds that are recordings of real things (the rest are synthetic chimes).
FREEDESKTOP_REAL = ("bell", "alarm-clock-elapsed", "phone-incoming-call", "phone-outgoing-calling",
                    "phone-outgoing-busy", "camera-shutter", "trash-empty", "complete", "message")
BANDWIDTH_FLOOR_DB = 60.0  # content ends where the smoothed spectrum falls this far below its peak
BANDWIDTH_SMOOTHING_HZ = 300.0


def default_cache() -> Path:
    return Path(os.environ.get("HUSHBOARD_CACHE", Path.home() / ".cache" / "hushboard")) / "corpus"


# -- measuring --------------------------------------------------------------------------------
def effective_bandwidth_hz(audio: np.ndarray, sample_rate: float = SR,
                           floor_db: float = BANDWIDTH_FLOOR_DB) -> float:
    """Highest frequency where the long-term spectrum is within ``floor_db`` of its peak, in Hz.

    Welch power spectrum (4096-point Hann, fewer points for shorter clips; channels averaged;
    ``nan`` under 512 samples), smoothed over
    ``BANDWIDTH_SMOOTHING_HZ`` so single harmonics or resampler images do not count. A file
    upsampled from 22.05 kHz reads ~11 kHz, a full-band recording ~20-24 kHz.

    Shape: ``(samples,)`` or ``(channels, samples)``.
    """
    from scipy import signal

    x = np.atleast_2d(np.asarray(audio, np.float64))
    if x.shape[-1] < 512:
        return float("nan")
    size = int(min(4096, 2 ** np.floor(np.log2(x.shape[-1]))))  # short effects: coarser bins
    freqs, psd = signal.welch(x, fs=sample_rate, nperseg=size, axis=-1)
    psd = psd.mean(axis=0)
    width = max(1, int(round(BANDWIDTH_SMOOTHING_HZ / (freqs[1] - freqs[0]))))
    smooth = np.convolve(psd, np.ones(width) / width, mode="same")
    level = 10 * np.log10(smooth + 1e-30)
    above = np.nonzero(level > level.max() - floor_db)[0]
    return float(freqs[above[-1]]) if above.size else 0.0


# -- reading packages -------------------------------------------------------------------------
def fetch(package: str, workdir: Path) -> Path:
    """``apt-get download`` + ``dpkg -x`` of ``package`` into ``workdir/package``; returns that root."""
    subprocess.run(["apt-get", "download", package], cwd=workdir, check=True, capture_output=True)
    deb = next(Path(workdir).glob(f"{package}_*.deb"))
    root = Path(workdir) / package
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    deb.unlink()
    return root


def opensfx_sounds(cat: bytes) -> Iterator[tuple[str, str, bytes]]:
    """``(title, license, wav bytes)`` of every sound in OpenTTD's ``opensfx.cat``.

    The file starts with a table of ``(offset, size)`` little-endian uint32 pairs (the first
    offset, high bit masked, is the table's size, so count = offset / 8). Each entry is a
    length-prefixed, NUL-terminated description ("Title". Original ... License: ...) followed
    by a RIFF/WAVE file.
    """
    count = (struct.unpack_from("<I", cat, 0)[0] & 0x7FFFFFFF) // 8
    for i in range(count):
        offset, size = struct.unpack_from("<II", cat, 8 * i)
        offset &= 0x7FFFFFFF
        name_length = cat[offset]
        description = cat[offset + 1: offset + name_length].decode("utf-8", "replace")
        wav = cat[offset + 1 + name_length: offset + size]
        if not wav.startswith(b"RIFF") or len(wav) < 1024:  # "Unused/Nothing" placeholders
            continue
        title = description.split('"')[1] if description.count('"') >= 2 else f"sound {i}"
        found = re.search(r"License: ([^.]+(?:\.\d[^.]*)?)", description)
        yield title, found.group(1).strip() if found else "see opensfx license.txt", wav


def package_sounds(root: Path, package: str, default_license: str) -> Iterator[tuple[str, str, bytes]]:
    """``(file name, license, bytes)`` of every audio file of an unpacked package that we use."""
    if package in PACKAGES["transient"]:
        if package == "openttd-opensfx":
            for cat in sorted(root.rglob("*.cat")):
                for title, license_text, wav in opensfx_sounds(cat.read_bytes()):
                    yield f"{cat.name}:{title}", license_text, wav
        elif package == "bucklespring-data":
            for path in sorted(root.rglob("*.wav")):
                yield str(path.relative_to(root)), default_license, path.read_bytes()
        else:
            for path in sorted(root.rglob("*.oga")):
                if path.stem in FREEDESKTOP_REAL:
                    yield str(path.relative_to(root)), default_license, path.read_bytes()
        return
    stanzas = stems.copyright_stanzas(root, package)  # per-file licenses where the package lists them
    for name, data in stems.package_files(root, package):
        yield name, stems.license_of_file(stanzas, name, default_license), data


# -- decoding ---------------------------------------------------------------------------------
def source_format(data: bytes, ffmpeg: str) -> tuple[int, int]:
    """``(sample rate, channels)`` of an encoded file, from ffmpeg's stream description."""
    probe = subprocess.run([ffmpeg, "-hide_banner", "-i", "pipe:0", "-t", "0", "-f", "null", "-"],
                           input=data, capture_output=True)
    found = re.search(r"Audio: .*?(\d+) Hz, ([^,]+)", probe.stderr.decode(errors="replace"))
    if not found:
        return 0, 0
    layout = found.group(2).strip()
    channels = {"mono": 1, "stereo": 2}.get(layout, int(re.match(r"\d*", layout).group() or 2))
    return int(found.group(1)), channels


def decode(data: bytes, ffmpeg: str, channels: int) -> np.ndarray:
    """Encoded bytes -> float32 ``(channels, samples)`` at 48 kHz without DC and infrasound.

    Mono goes through ``stems.decode`` itself; stereo asks ffmpeg for two channels and applies
    the same DC removal and zero-phase ``stems.HIGHPASS_HZ`` high-pass to each.
    """
    if channels == 1:
        return stems.decode(data, ffmpeg)[None]
    from scipy import signal

    # long tracks: decode only what is kept (plus 1 s, so the zero-phase filter's end is clean)
    keep = str(stems.MAX_SECONDS_PER_FILE + 1.0)
    result = subprocess.run([ffmpeg, "-v", "error", "-i", "pipe:0", "-t", keep, "-f", "f32le", "-ac", "2",
                             "-ar", str(SR), "pipe:1"], input=data, capture_output=True, check=True)
    audio = np.frombuffer(result.stdout, np.float32).astype(np.float64).reshape(-1, 2).T.copy()
    if audio.shape[1] < 64:
        return audio.astype(np.float32)
    audio -= audio.mean(axis=1, keepdims=True)
    sos = signal.butter(2, stems.HIGHPASS_HZ, "highpass", fs=SR, output="sos")
    return signal.sosfiltfilt(sos, audio, axis=1).astype(np.float32)


def write_flac(path: Path, audio: np.ndarray) -> None:
    """Write float ``(channels, samples)`` audio as 24-bit FLAC at 48 kHz (pedalboard.io)."""
    from pedalboard.io import AudioFile

    path.parent.mkdir(parents=True, exist_ok=True)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > 0.999:  # a few packaged files clip after resampling; keep the shape, lose 0.1 dB
        audio = audio * (0.999 / peak)
    with AudioFile(str(path), "w", samplerate=SR, num_channels=audio.shape[0], bit_depth=24) as f:
        f.write(np.ascontiguousarray(audio, np.float32))


def read_flac(path: Path) -> np.ndarray:
    """float32 ``(channels, samples)`` of a corpus file."""
    from pedalboard.io import AudioFile

    with AudioFile(str(path)) as f:
        if f.samplerate != SR:
            raise ValueError(f"{path} is at {f.samplerate} Hz; the corpus is {SR} Hz only")
        return f.read(f.frames)


def flac_name(kind: str, split: str, package: str, name: str) -> str:
    """Relative path of a source file's FLAC: readable, and unique by a hash of the full name."""
    readable = re.sub(r"[^A-Za-z0-9]+", "_", Path(name.split(":")[-1]).stem).strip("_")[:40]
    digest = hashlib.sha256(f"{package}/{name}".encode()).hexdigest()[:10]
    return f"{kind}/{split}/{package}/{readable}-{digest}.flac"


# -- building ---------------------------------------------------------------------------------
def build(cache: Path, kinds: Sequence[str] = KINDS, log=print) -> dict:
    """Download, decode, measure and split every package of ``kinds``; write FLACs + manifest.

    Kinds not rebuilt keep their manifest entries, so ``--kinds transient`` adds effects to an
    existing corpus; the manifest is rewritten after each package.
    """
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    cache.mkdir(parents=True, exist_ok=True)
    previous = load_manifest(cache)["files"] if (cache / "manifest.json").exists() else []
    entries = [e for e in previous if e["kind"] not in kinds]
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            for package in PACKAGES[kind]:
                root = fetch(package, Path(tmp))
                default_license = stems.license_of(root, package)
                count = 0
                for name, license_text, data in package_sounds(root, package, default_license):
                    source_rate, source_channels = source_format(data, ffmpeg)
                    channels = 2 if kind in STEREO_KINDS and source_channels >= 2 else 1
                    audio = decode(data, ffmpeg, channels)[:, : int(stems.MAX_SECONDS_PER_FILE * SR)]
                    if audio.shape[1] < SR // 20 or not np.isfinite(audio).all() or not np.any(audio):
                        continue
                    split = stems.split_of(f"{package}/{name}")
                    relative = flac_name(kind, split, package, name)
                    write_flac(cache / relative, audio)
                    entries.append({
                        "kind": kind, "package": package, "file": name, "split": split,
                        "path": relative, "license": license_text,
                        "seconds": round(audio.shape[1] / SR, 3), "rate": SR,
                        "source_rate": source_rate, "channels": channels,
                        "bandwidth_hz": _bandwidth_entry(audio, source_rate)})
                    count += 1
                log(f"{kind}: {package}: {count} files")
                shutil.rmtree(root, ignore_errors=True)
                write_manifest(cache, entries)  # after every package: an interrupted build keeps it
    return write_manifest(cache, entries)


def _bandwidth_entry(audio: np.ndarray, source_rate: int) -> float | None:
    """Manifest value: measured bandwidth capped at the source's Nyquist (ffmpeg's resampler leaks
    ~-65 dB above it), ``None`` when the clip is too short to measure."""
    measured = effective_bandwidth_hz(audio)
    if not np.isfinite(measured):
        return None
    return round(min(measured, source_rate / 2 if source_rate else SR / 2), 1)


def measure(cache: Path) -> dict:
    """Re-measure every file's effective bandwidth from its FLAC (capped at the source Nyquist)."""
    entries = load_manifest(cache)["files"]
    for entry in entries:
        entry["bandwidth_hz"] = _bandwidth_entry(read_flac(cache / entry["path"]), entry.get("source_rate", 0))
    return write_manifest(cache, entries)


def write_manifest(cache: Path, entries: list[dict]) -> dict:
    summary = {"corpus_version": CORPUS_VERSION, "sample_rate": SR, "files": entries,
               "minutes": {f"{k}-{s}": round(sum(e["seconds"] for e in entries
                                                 if e["kind"] == k and e["split"] == s) / 60, 1)
                           for k in KINDS for s in SPLITS}}
    (cache / "manifest.json").write_text(json.dumps(summary, indent=1))
    return summary


def load_manifest(cache: Path | None = None) -> dict:
    cache = cache or default_cache()
    path = cache / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: build the corpus first with "
                                "`python -m hushboard.models.corpus build`")
    return json.loads(path.read_text())


# -- a tiny generated corpus (tests, CI, smoke runs) ------------------------------------------
def _synthetic_audio(kind: str, index: int, seconds: float) -> np.ndarray:
    """Deterministic stand-ins: voiced syllables, stereo chords, filtered noise, decaying bells."""
    from scipy import signal

    rng = np.random.default_rng([KINDS.index(kind), index])
    n = int(seconds * SR)
    t = np.arange(n) / SR
    if kind == "speech":
        f0 = rng.uniform(100, 220) * (1 + 0.2 * np.sin(2 * np.pi * rng.uniform(0.3, 1.0) * t))
        phase = 2 * np.pi * np.cumsum(f0) / SR
        voice = sum(np.sin(k * phase) / k for k in range(1, 40) if k * f0.max() < 0.45 * SR)
        syllables = np.clip(np.sin(2 * np.pi * rng.uniform(2.5, 4.0) * t + rng.uniform(0, 6)), 0, None) ** 2
        return (0.1 * voice * syllables)[None]
    if kind == "music":
        root = rng.uniform(110, 220)
        notes = [root * 2 ** (s / 12) for s in (0, 4, 7, 12)]
        left = sum(np.sin(2 * np.pi * f * k * t + rng.uniform(0, 6)) / k ** 1.5
                   for f in notes for k in range(1, 8))
        right = np.roll(left, 240) * 0.9
        beat = 0.6 + 0.4 * (np.sin(2 * np.pi * 2.0 * t) > 0)
        return 0.02 * np.stack([left, right]) * beat
    if kind == "noise":
        sos = signal.butter(2, [rng.uniform(100, 400), rng.uniform(2000, 8000)], "bandpass", fs=SR, output="sos")
        wobble = 1 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.2, 2.0) * t)
        return (0.05 * signal.sosfilt(sos, rng.standard_normal(n)) * wobble)[None]
    # transient: a struck bell (inharmonic partials, exponential decay) or a click
    decay = np.exp(-t / rng.uniform(0.05, 0.4))
    partials = rng.uniform(400, 3000) * np.array([1.0, 2.76, 5.40, 8.93])
    bell = sum(np.sin(2 * np.pi * f * t) / (k + 1) for k, f in enumerate(partials))
    return (0.3 * bell * decay)[None]


def build_synthetic(cache: Path, files_per_kind: int = 10, seconds: float = 2.0) -> dict:
    """A generated corpus with the real corpus's layout and manifest; no downloads.

    Splits cycle train x8, validation, test over each kind's files (the hash split leaves a split
    of ten files empty too often), still one split per file.
    """
    entries = []
    order = ("train",) * 8 + ("validation", "test")
    for kind in KINDS:
        for i in range(files_per_kind):
            split = order[i % len(order)]
            name = f"{kind}-{i:03d}.flac"
            length = seconds if kind != "transient" else 0.6
            audio = _synthetic_audio(kind, i, length).astype(np.float32)
            relative = flac_name(kind, split, "synthetic", name)
            write_flac(cache / relative, audio)
            entries.append({"kind": kind, "package": "synthetic", "file": name, "split": split,
                            "path": relative, "license": "generated (public domain)",
                            "seconds": round(audio.shape[1] / SR, 3), "rate": SR, "source_rate": SR,
                            "channels": audio.shape[0],
                            "bandwidth_hz": _bandwidth_entry(audio, SR)})
    return write_manifest(cache, entries)


# -- reading a built corpus -------------------------------------------------------------------
@dataclass
class CorpusSource:
    """Audio of one split of a built corpus, mono float64 at 48 kHz.

    ``take(kind, rng, n)``: an ``n``-sample excerpt of ``kind``; a random file, starting at a
    random point, followed by further random files of the kind when it runs out (so short
    words join into a phrase). ``events(kind)``: every file of the kind in this split, whole.
    """

    split: str
    cache: Path | None = None

    def __post_init__(self) -> None:
        if self.split not in SPLITS:
            raise ValueError(f"unknown split {self.split!r}; splits are {SPLITS}")
        self.cache = Path(self.cache) if self.cache is not None else default_cache()
        manifest = load_manifest(self.cache)
        self.version = manifest.get("corpus_version", "?")
        self.files: dict[str, list[dict]] = {k: [] for k in KINDS}
        for entry in manifest["files"]:
            if entry["split"] == self.split:
                self.files[entry["kind"]].append(entry)
        self._loaded: dict[str, np.ndarray] = {}

    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k in KINDS if self.files[k])

    def load(self, entry: dict) -> np.ndarray:
        """One file as mono float64 (stereo files are averaged)."""
        path = entry["path"]
        if path not in self._loaded:
            self._loaded[path] = read_flac(self.cache / path).astype(np.float64).mean(axis=0)
        return self._loaded[path]

    def _entries(self, kind: str) -> list[dict]:
        entries = self.files.get(kind) or []
        if not entries:
            raise FileNotFoundError(f"the corpus at {self.cache} has no {kind!r} files in the "
                                    f"{self.split} split")
        return entries

    def take(self, kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
        entries = self._entries(kind)
        pieces, have, first = [], 0, True
        while have < n:
            audio = self.load(entries[int(rng.integers(len(entries)))])
            start = int(rng.integers(0, max(audio.size - (n - have), 1))) if first else 0
            piece = audio[start: start + n - have]
            first = False
            pieces.append(piece)
            have += piece.size
        return np.concatenate(pieces)[:n].copy()

    def events(self, kind: str) -> list[np.ndarray]:
        return [self.load(entry) for entry in self._entries(kind)]

    def event_names(self, kind: str) -> list[str]:
        return [f"{e['package']}:{e['file']}" for e in self._entries(kind)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["build", "measure", "synthetic", "summary"],
                        help="build: download and decode; measure: re-measure bandwidths; "
                             "synthetic: a tiny generated corpus; summary: print the minutes")
    parser.add_argument("--cache", type=Path, default=None, help="default: $HUSHBOARD_CACHE/corpus")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    args = parser.parse_args(argv)
    cache = args.cache or default_cache()
    if args.command == "build":
        summary = build(cache, args.kinds)
    elif args.command == "measure":
        summary = measure(cache)
    elif args.command == "synthetic":
        summary = build_synthetic(cache)
    else:
        summary = load_manifest(cache)
    print(json.dumps({"corpus_version": summary["corpus_version"], "minutes": summary["minutes"]}, indent=1))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
