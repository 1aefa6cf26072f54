"""Stems for training: real speech, music and noise from Debian packages, split by source file.

A small, reproducible recipe (the audio is never committed):

    python -m hushboard.models.stems build [--cache ~/.cache/hushboard/stems]

downloads the packages below with ``apt-get download`` (no root install), unpacks them with
``dpkg -x``, decodes every file to 48 kHz mono float32 with the ffmpeg binary of PyPI's
``imageio-ffmpeg`` (Opus and Vorbis), removes DC and infrasound (zero-phase 20 Hz high-pass),
and stores one ``.npy`` per kind and split plus a
``manifest.json`` (package, file, license from the package's copyright file, seconds, split).
A file's split is fixed by a hash of its path (80 % train, 10 % validation, 10 % test), so no
source file is in two splits and rebuilding gives the same split.

| kind | package | what |
|---|---|---|
| speech | klettres-data | letters, syllables and words read by native speakers, ~20 languages |
| music | warzone2100-music, wesnoth-1.16-music | orchestral/electronic soundtracks, 48/44.1 kHz |
| noise | ufoai-sound | recorded ambiences: machinery, ventilation, rain, wind, crowds, fire |
| extra_music | ufoai-music | UFO:AI soundtrack: dark ambient, electronic, orchestral (GPL-2+, CC-BY(-SA)-3.0) |
| extra_noise | megaglest-data, 0ad-data | outdoor ambiences: day and night (birds, crickets), rain, wind, storms, rivers, waves (CC-BY-SA-3.0) |
| more_music | nexuiz-music, hedgewars-data, supertux-data, fretsonfire-songs-muldjord, -sectoid | other genres: electronic and metal (Nexuiz), light orchestral and world (Hedgewars), chiptune and pop (SuperTux), live rock band backing tracks (Frets on Fire) |

``extra_music`` and ``extra_noise`` are kept apart from ``music`` and ``noise`` so the recipes
trained on the three first kinds (the shipped neural denoiser's) read the same stems after they
are added; the music detector's recipe and the neural denoiser's trainer draw a share of their
music and noise from them through ``with_extra`` (``train_music_detector --extra-music``,
``--extra-noise``; the trainer's ``data.extra_music``, ``data.extra_noise``). ``extra_noise`` is
fetched only when asked for (``build --kinds extra_noise``; 0ad-data is a 1.4 GB download).

``stem_source(split)`` gives the training recipes a ``take(kind, rng, n)`` function that cuts a
random ``n``-sample excerpt of one kind from that split; ``make_stem_pool`` turns a split into the
clip pool the neural denoiser's trainer mixes from (``models.train``, ``data.source = "stems"``).
"""
from __future__ import annotations

import argparse
import hashlib
import fnmatch
import json
import os
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

SR = 48000
KINDS = ("speech", "music", "noise", "extra_music", "extra_noise", "more_music")
DEFAULT_KINDS = ("speech", "music", "noise", "extra_music")  # what ``build`` fetches unless told
SPLITS = ("train", "validation", "test")
PACKAGES = {"speech": ("klettres-data",), "music": ("warzone2100-music", "wesnoth-1.16-music"),
            "noise": ("ufoai-sound",), "extra_music": ("ufoai-music",),
            "extra_noise": ("megaglest-data", "0ad-data"),
            "more_music": ("nexuiz-music", "hedgewars-data", "supertux-data",
                           "fretsonfire-songs-muldjord", "fretsonfire-songs-sectoid")}
#: The music files of the ``more_music`` packages that are not music packages (sound effects and
#: voices beside them are left out), as globs under the unpacked package. Frets on Fire songs are
#: split into a backing track and a guitar track; only the backing track (``song.ogg``) is taken,
#: so one song is one file and cannot sit in two splits.
MUSIC_FILES = {"hedgewars-data": "usr/share/games/hedgewars/Data/Music/*.ogg",
               "supertux-data": "usr/share/games/supertux2/music/*/*.ogg",
               "fretsonfire-songs-muldjord": "usr/share/games/fretsonfire/data/songs/*/*/song.ogg",
               "fretsonfire-songs-sectoid": "usr/share/games/fretsonfire/data/songs/*/*/song.ogg"}
#: License of the files taken from packages whose copyright file cannot be matched to them by
#: machine, read from those files by hand: Nexuiz's (free text) says GPL-2+, Muldjord's songs
#: CC-BY-SA-3.0, Sectoid's songs carry the MIT (Expat) text; SuperTux's is DEP-5 but names its
#: music ``data/music/*`` (GPL-2+), which Debian installs as ``supertux2/music/``.
STATED_LICENSES = {"nexuiz-music": "GPL-2+", "fretsonfire-songs-muldjord": "CC-BY-SA-3.0",
                   "fretsonfire-songs-sectoid": "Expat", "supertux-data": "GPL-2+"}
#: Music inside game archives (``.pk3`` zips): package -> folder of the archive holding it.
ARCHIVED_MUSIC = {"ufoai-music": "music/", "nexuiz-music": "sound/cdtracks/"}
#: Ambience files of ufoai-sound that hold music or speech (a disco track, jingles, TV news, radio
#: and alien voice messages): as "noise" they would teach the denoiser to remove music and voices
#: and the detector that music is "not music". Matched against the file name's stem.
NOT_NOISE = ("disco", "jingle", "jingle2", "tv_newswav", "radiomessage", "aliencom")
#: Where the outdoor ambiences of ``extra_noise`` lie: megaglest's per-tileset loops (many are
#: symbolic links to another tileset's file, skipped so no recording counts twice) and 0ad's
#: ambient folders inside its ``public.zip`` (not ``building/``: farm, port and market loops hold
#: voices).
MEGAGLEST_AMBIENCE = "usr/share/games/megaglest/tilesets/*/sounds/*"
ZERO_AD_AMBIENCE = ("audio/ambient/dayscape/", "audio/ambient/water/", "audio/ambient/weather/")
HIGHPASS_HZ = 20.0  # zero-phase: below the audio band, so nothing audible changes
MAX_SECONDS_PER_FILE = 90.0  # long tracks are cut, so no single track dominates a kind


def default_cache() -> Path:
    return Path(os.environ.get("HUSHBOARD_CACHE", Path.home() / ".cache" / "hushboard")) / "stems"


def split_of(name: str) -> str:
    """Stable split of a source file by the hash of its package path."""
    bucket = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % 10
    return "test" if bucket == 0 else "validation" if bucket == 1 else "train"


def decode(data: bytes, ffmpeg: str) -> np.ndarray:
    """Any audio file's bytes -> float32 mono at 48 kHz (ffmpeg reads from stdin), without DC
    and infrasound (some packaged recordings carry a DC offset of 0.4 full scale)."""
    from scipy import signal

    result = subprocess.run([ffmpeg, "-v", "error", "-i", "pipe:0", "-f", "f32le", "-ac", "1",
                             "-ar", str(SR), "pipe:1"], input=data, capture_output=True, check=True)
    audio = np.frombuffer(result.stdout, np.float32).astype(np.float64)
    if audio.size < 64:
        return audio.astype(np.float32)
    audio -= audio.mean()
    sos = signal.butter(2, HIGHPASS_HZ, "highpass", fs=SR, output="sos")
    return signal.sosfiltfilt(sos, audio).astype(np.float32)


def package_files(root: Path, package: str) -> Iterator[tuple[str, bytes]]:
    """``(name, bytes)`` of every audio file of an unpacked package (zip/pk3 archives opened)."""
    if package in MUSIC_FILES:
        for path in sorted(root.glob(MUSIC_FILES[package])):
            yield str(path.relative_to(root)), path.read_bytes()
        return
    for path in sorted(root.rglob("*")):
        if path.suffix in (".ogg", ".opus", ".wav", ".flac"):
            if package == "klettres-data" or "music" in package:  # (megaglest-data: below)
                yield str(path.relative_to(root)), path.read_bytes()
        elif path.suffix == ".pk3" and package == "ufoai-sound":
            with zipfile.ZipFile(path) as archive:
                for name in sorted(archive.namelist()):
                    if name.startswith("sound/ambience/") and name.endswith(".ogg") \
                            and Path(name).stem not in NOT_NOISE:
                        yield f"{path.name}:{name}", archive.read(name)
        elif path.suffix == ".pk3" and package in ARCHIVED_MUSIC:
            with zipfile.ZipFile(path) as archive:
                for name in sorted(archive.namelist()):
                    if name.startswith(ARCHIVED_MUSIC[package]) and name.endswith(".ogg"):
                        yield f"{path.name}:{name}", archive.read(name)
        elif path.name == "public.zip" and package == "0ad-data":
            with zipfile.ZipFile(path) as archive:
                for name in sorted(archive.namelist()):
                    if name.startswith(ZERO_AD_AMBIENCE) and name.endswith((".ogg", ".wav")):
                        yield f"{path.name}:{name}", archive.read(name)
    if package == "megaglest-data":
        yield from megaglest_ambiences(root)


def megaglest_ambiences(root: Path) -> Iterator[tuple[str, bytes]]:
    """``(name, bytes)`` of megaglest's tileset ambience files, links to another file skipped."""
    for path in sorted(root.glob(MEGAGLEST_AMBIENCE)):
        if path.suffix in (".ogg", ".wav") and not path.is_symlink() and path.is_file():
            yield str(path.relative_to(root)), path.read_bytes()


def copyright_path(root: Path, package: str) -> Path:
    """The Debian copyright file of ``package`` unpacked under ``root``."""
    return root / "usr/share/doc" / package / "copyright"


def license_of(root: Path, package: str) -> str:
    """The package's default license: the first ``License:`` line of its copyright file."""
    if package in STATED_LICENSES:
        return STATED_LICENSES[package]
    copyright_file = copyright_path(root, package)
    lines = copyright_file.read_text(errors="replace").splitlines() if copyright_file.exists() else []
    found = [line.split(":", 1)[1].strip() for line in lines if line.startswith("License:")]
    return found[0] if found else "see the package's copyright file"


def copyright_stanzas(root: Path, package: str) -> list[tuple[tuple[str, ...], str]]:
    """``(file patterns, license)`` of each ``Files:`` stanza of a machine-readable Debian
    copyright file (DEP-5), in file order; empty when the file is missing or not DEP-5, or when
    ``STATED_LICENSES`` gives the package's license."""
    copyright_file = copyright_path(root, package)
    if not copyright_file.exists() or package in STATED_LICENSES:
        return []
    stanzas, patterns, field = [], [], ""
    for line in copyright_file.read_text(errors="replace").splitlines():
        if line and not line[0].isspace():
            field, _, value = line.partition(":")
            if field == "Files":
                patterns = value.split()
            elif field == "License" and patterns:
                stanzas.append((tuple(patterns), value.strip()))
                patterns = []
        elif field == "Files":
            patterns.extend(line.split())
    return stanzas


def license_of_file(stanzas: Sequence[tuple[tuple[str, ...], str]], name: str, default: str) -> str:
    """License of the file ``name`` (a package path, or ``archive:inner/path``): the LAST stanza
    with a pattern matching it (DEP-5's rule), patterns compared on their trailing path parts, as
    packages install or archive files below the copyright file's own paths."""
    inner = name.split(":", 1)[-1]
    found = default
    for patterns, license_text in stanzas:
        for pattern in patterns:
            tail = "/".join(pattern.split("/")[-inner.count("/") - 1:])
            if fnmatch.fnmatchcase(inner, pattern) or fnmatch.fnmatchcase(inner, tail):
                found = license_text
    return found


def build(cache: Path, kinds: Sequence[str] = DEFAULT_KINDS) -> dict:
    """Download, decode and split the packages of ``kinds``; write their ``.npy`` stems and the
    manifest (kinds not rebuilt keep their files and manifest entries)."""
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    cache.mkdir(parents=True, exist_ok=True)
    collected: dict[tuple[str, str], list[np.ndarray]] = {(k, s): [] for k in kinds for s in SPLITS}
    previous = cache / "manifest.json"
    old = json.loads(previous.read_text()) if previous.is_file() and set(kinds) != set(KINDS) else {}
    manifest = [f for f in old.get("files", []) if f["kind"] not in kinds]
    minutes = {k: v for k, v in old.get("minutes", {}).items() if k.split("-")[0] not in kinds}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            for package in PACKAGES[kind]:
                subprocess.run(["apt-get", "download", package], cwd=tmp, check=True,
                               capture_output=True)
                deb = next(Path(tmp).glob(f"{package}_*.deb"))
                root = Path(tmp) / package
                subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
                default_license, stanzas = license_of(root, package), copyright_stanzas(root, package)
                for name, data in package_files(root, package):
                    license_text = license_of_file(stanzas, name, default_license)
                    audio = decode(data, ffmpeg)[: int(MAX_SECONDS_PER_FILE * SR)]
                    if audio.size < SR // 10 or not np.isfinite(audio).all():
                        continue
                    split = split_of(f"{package}/{name}")
                    collected[(kind, split)].append(audio)
                    manifest.append({"kind": kind, "package": package, "file": name, "split": split,
                                     "seconds": round(audio.size / SR, 3), "license": license_text})
                deb.unlink()
    for (kind, split), pieces in collected.items():
        joined = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
        np.save(cache / f"{kind}-{split}.npy", joined)
    minutes.update({f"{k}-{s}": round(sum(p.size for p in collected[(k, s)]) / SR / 60, 1)
                    for k in kinds for s in SPLITS})
    summary = {"sample_rate": SR, "files": manifest, "minutes": minutes}
    (cache / "manifest.json").write_text(json.dumps(summary, indent=1))
    return summary


StemSource = Callable[[str, np.random.Generator, int], np.ndarray]  # take(kind, rng, n)


def stem_source(split: str, cache: Path | None = None) -> StemSource:
    """``take(kind, rng, n)``: a random ``n``-sample float64 excerpt of ``kind`` from ``split``.

    The speech, music and noise stems must exist (``FileNotFoundError`` naming the build command
    otherwise); ``extra_music``, ``extra_noise`` and ``more_music`` are opened on first use, so
    recipes that never ask for them run on a cache built before they existed.
    """
    cache = cache or default_cache()
    stems = {}

    def load(kind: str) -> np.ndarray:
        if kind not in stems:
            path = cache / f"{kind}-{split}.npy"
            if not path.exists():
                raise FileNotFoundError(f"{path} is missing: build the stems first with "
                                        f"`python -m hushboard.models.stems build --kinds {kind}`")
            stems[kind] = np.load(path, mmap_mode="r")
        return stems[kind]

    for kind in ("speech", "music", "noise"):
        load(kind)

    def take(kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
        audio = load(kind)
        start = int(rng.integers(0, max(audio.shape[0] - n, 1)))
        return np.array(audio[start:start + n], dtype=np.float64)

    return take


def with_extra(take: StemSource, kind: str, share: float, source: str | None = None) -> StemSource:
    """``take`` whose excerpts of ``kind`` come from the ``source`` stems (default
    ``extra_<kind>``; ``extra_music`` is the UFO:AI soundtrack, dark ambient among it,
    ``extra_noise`` the megaglest and 0ad outdoor ambiences, ``more_music`` other genres) with
    probability ``share``, else from ``kind`` itself.

    ``share = 0`` returns ``take`` itself (no extra draw: the recipe's scenes stay those of
    recipes without the extra stems). Wrappers for two kinds compose; each draws only for its own.
    """
    if share <= 0:
        return take
    source = source or f"extra_{kind}"

    def mixed(asked: str, rng: np.random.Generator, n: int) -> np.ndarray:
        if asked == kind and rng.uniform() < share:
            return take(source, rng, n)
        return take(asked, rng, n)

    return mixed


def make_stem_pool(take: StemSource, seed: int, count: int,
                   seconds: float, music_fraction: float = 0.4, both_fraction: float = 0.2,
                   synthetic_noise_fraction: float = 0.3, babble_fraction: float = 0.0
                   ) -> "synthetic_data.Pool":
    """``count`` real target clips and ``count`` noise clips of ``seconds`` each, unit RMS.

    Targets: speech, music, or both (speech with music 6-16 dB under it), drawn with the given
    fractions; what the network must keep. Noise: an excerpt of the recorded ambiences, or, with
    probability ``synthetic_noise_fraction``, ``synthetic_data.noise_like`` (hum, coloured noise,
    clicks, modulated noise: kinds the packaged ambiences lack), or both summed; with
    ``babble_fraction`` > 0 that share of the recorded ambiences is 3-5-talker babble of the
    split's speech instead (``noises.babble``, as the harness's non-stationary scenes have). Clip
    ``i`` comes from ``rng([seed, i])``, so a pool rebuilds bit for bit (and ``babble_fraction =
    0`` draws nothing more: the pools of recipes without it).
    """
    from . import noises, synthetic_data
    from .noises import unit_rms

    n = int(round(seconds * SR))
    clean, kinds, noise = [], [], []
    for i in range(count):
        rng = np.random.default_rng([seed, i])
        draw = rng.uniform()
        if draw < music_fraction:
            clip, kind = unit_rms(take("music", rng, n)), "music"
        elif draw < music_fraction + both_fraction:
            under = 10 ** (-rng.uniform(6.0, 16.0) / 20)
            clip, kind = unit_rms(take("speech", rng, n)) + under * unit_rms(take("music", rng, n)), "both"
        else:
            clip, kind = take("speech", rng, n), "speech"
        clean.append(unit_rms(clip).astype(np.float32))
        kinds.append(kind)
        pick = rng.uniform()
        if pick < synthetic_noise_fraction:
            hum = synthetic_data.noise_like(rng, n)
        else:
            if babble_fraction > 0 and rng.uniform() < babble_fraction:
                hum = noises.babble(take, rng, n)
            else:
                hum = unit_rms(take("noise", rng, n))
            if pick > 1 - synthetic_noise_fraction / 2:  # some recorded ambience with synthetic noise on top
                hum = hum + rng.uniform(0.3, 1.0) * synthetic_data.noise_like(rng, n)
        noise.append(unit_rms(hum).astype(np.float32))
    return synthetic_data.Pool(np.stack(clean), tuple(kinds), np.stack(noise))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["build"])
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(DEFAULT_KINDS),
                        help="rebuild only these kinds (the others are kept)")
    args = parser.parse_args(argv)
    summary = build(args.cache or default_cache(), args.kinds)
    print(json.dumps(summary["minutes"], indent=1))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
