"""Rebuild the bundled demo clip (presets/demo/) from Debian packages. Not needed to run anything.

Recipe (all sources GPL-2+, compatible with hushboard's GPL-3.0-or-later; see presets/demo/LICENSE.md):
    apt-get download klettres-data warzone2100-music ufoai-sound
    for f in *.deb; do dpkg -x "$f" x; done
    pip install imageio-ffmpeg   # decodes Opus/Ogg
    python benchmarks/make_demo_clip.py x presets/demo

- target.flac: the letters H-U-S-H-B-O-A-R-D spoken (klettres-data, en/alpha) over 6 s of
  Warzone 2100's "menu" music at -14 dB, zero-phase high-passed at 40 Hz, 48 kHz stereo, 16-bit.
  Speech AND music are the target.
- noise.flac: UFO:AI's "alien-ventilation" ambience (a fan) plus its "hum" loop, 48 kHz stereo.
"""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
from pedalboard.io import AudioFile

SR = 48000
SECONDS = 6.0


def decode(path: Path | bytes, channels: int, tmp: Path) -> np.ndarray:
    """Any file ffmpeg reads -> float32 (channels, n) at 48 kHz."""
    import imageio_ffmpeg

    if isinstance(path, bytes):
        (tmp / "in.bin").write_bytes(path)
        path = tmp / "in.bin"
    raw = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "f32le",
                          "-ac", str(channels), "-ar", str(SR), "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.float32).reshape(-1, channels).T.copy()


def trim_silence(x: np.ndarray, threshold_db: float = -45.0) -> np.ndarray:
    level = 20 * np.log10(np.abs(x).max(axis=0) + 1e-9)
    loud = np.nonzero(level > threshold_db)[0]
    return x[:, loud[0]:loud[-1] + 1]


def highpass(x: np.ndarray, cutoff_hz: float = 40.0) -> np.ndarray:
    """Zero-phase 4th-order high-pass: the clean reference carries no infrasonic rumble, which no
    engineer keeps and whose phase any causal high-pass would rotate (SI-SDR would punish that)."""
    from scipy import signal

    sos = signal.butter(2, cutoff_hz, "highpass", fs=SR, output="sos")
    return signal.sosfiltfilt(sos, x, axis=-1)


def main(root: Path, out: Path) -> None:
    tmp = out / ".tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    n = int(SECONDS * SR)
    letters = [trim_silence(decode(root / f"usr/share/klettres/en/alpha/{c}.ogg", 1, tmp)) for c in "HUSHBOARD"]
    gap = np.zeros((1, int(0.12 * SR)), np.float32)
    speech = np.concatenate([np.zeros((1, int(0.4 * SR)), np.float32)] + [p for l in letters for p in (l, gap)], axis=1)
    speech = np.pad(speech, ((0, 0), (0, max(0, n - speech.shape[1]))))[:, :n]
    speech *= 0.5 / np.abs(speech).max()
    music = decode(root / "usr/share/games/warzone2100/music/menu.opus", 2, tmp)[:, 20 * SR: 20 * SR + n]
    music *= 10 ** (-14 / 20) * 0.5 / np.abs(music).max()
    target = highpass(speech + music).astype(np.float32)
    pk3 = zipfile.ZipFile(root / "usr/share/games/ufoai/base/0snd.pk3")
    fan = decode(pk3.read("sound/ambience/alien-ventilation.ogg"), 2, tmp)
    hum = decode(pk3.read("sound/ambience/hum.ogg"), 2, tmp)
    fan, hum = (np.tile(s, (1, n // s.shape[1] + 1))[:, :n] for s in (fan, hum))
    noise = fan / np.sqrt(np.mean(fan ** 2)) + 0.5 * hum / np.sqrt(np.mean(hum ** 2))
    noise = (0.05 * noise / np.sqrt(np.mean(noise ** 2))).astype(np.float32)
    for name, audio in (("target", target), ("noise", noise)):
        with AudioFile(str(out / f"{name}.flac"), "w", SR, 2, bit_depth=16) as f:
            f.write(audio)
    for p in tmp.iterdir():
        p.unlink()
    tmp.rmdir()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
