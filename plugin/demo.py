"""``hushboard demo``: denoise the bundled clip through a mixed chain; write audio and a report.

The clip (``presets/demo/``, sources in its LICENSE.md) is speech AND music as the target plus a
recorded fan-and-hum ambience as the noise, mixed here at ``--snr-db``. The chain is what a
podcast or stream engineer would build::

    pedalboard.Gain -> hushboard <best denoiser>
        -> pedalboard.Compressor -> pedalboard.Limiter

It is streamed in 512-sample blocks with ``reset=False`` (as a live host would) and the report
states the chain, its latency, the real-time factor, SI-SDR of noisy and denoised audio against
the clean target, and how much quieter the noise comes out of the denoising stages: alone, and
while the target plays (phase inversion: ``models.metrics.in_scene_attenuation_db``).
"""
from __future__ import annotations

import argparse
import time
from importlib import resources
from pathlib import Path

import numpy as np
import pedalboard
from pedalboard.io import AudioFile

from .chain import Chain
from .registry import PLUGINS

SR = 48000
BLOCK = 512
#: Denoisers in order of preference: the demo uses the first one that is registered, the neural
#: denoiser (speech AND music as its target), else the music-aware classic one. On the clip at
#: 5 dB SNR (2026-12-04): NeuralDenoiser SI-SDR 4.99 -> 9.91 dB, 14.3 dB of the noise removed
#: while the target plays; MusicAwareDenoiser 6.38 dB, 2.6 dB.
PREFERRED_DENOISERS = ("NeuralDenoiser", "MusicAwareDenoiser", "NoiseSuppressor", "WienerDenoiser")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="denoise the bundled clip and write a report",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("out/demo"), help="output folder (default: out/demo)")
    parser.add_argument("--snr-db", type=float, default=5.0, help="speech+music to noise ratio of the mix, dB")
    parser.set_defaults(func=run)


def load_clip(name: str) -> np.ndarray:
    """A bundled demo file as float32 ``(2, n)`` at 48 kHz."""
    with resources.as_file(resources.files("hushboard.presets") / "demo" / f"{name}.flac") as path:
        with AudioFile(str(path)) as f:
            return f.read(f.frames)


def denoising_stages() -> list:
    """The best registered broadband denoiser at its defaults (the clip's hum is not mains hum:
    no HumRemover)."""
    for name in PREFERRED_DENOISERS:
        if name in PLUGINS:
            return [PLUGINS.get(name)()]
    return []


def build_chain(stages: list) -> Chain:
    return Chain([pedalboard.Gain(gain_db=0.0), *stages,
                  pedalboard.Compressor(threshold_db=-24.0, ratio=3.0, attack_ms=5.0, release_ms=120.0),
                  pedalboard.Limiter(threshold_db=-1.0)])


def stream(chain: Chain, audio: np.ndarray) -> tuple[np.ndarray, float]:
    """Stream ``audio`` through ``chain`` in BLOCK-sample blocks; return output and seconds taken."""
    chain.reset()
    started = time.perf_counter()
    pieces = [chain.process(audio[:, i:i + BLOCK], SR, buffer_size=BLOCK, reset=False)
              for i in range(0, audio.shape[1], BLOCK)]
    pieces.append(chain.process(np.zeros((audio.shape[0], chain.latency_samples + BLOCK), np.float32),
                                SR, buffer_size=BLOCK, reset=False))
    elapsed = time.perf_counter() - started
    return np.concatenate(pieces, axis=1)[:, : audio.shape[1]], elapsed


def si_sdr_db(estimate: np.ndarray, reference: np.ndarray) -> float:
    """Scale-invariant SDR in dB (Le Roux et al., ICASSP 2019), channels concatenated."""
    from ..models.metrics import si_sdr

    return float(si_sdr(estimate.reshape(-1), reference.reshape(-1)))


def level_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-20))


def run(args: argparse.Namespace) -> int:
    from ..models.metrics import in_scene_attenuation_db

    target, noise = load_clip("target"), load_clip("noise")
    noise = noise * 10 ** ((level_db(target) - level_db(noise) - args.snr_db) / 20)
    noisy = (target + noise).astype(np.float32)
    stages = denoising_stages()
    chain = build_chain(stages)
    out, seconds = stream(chain, noisy)
    denoise_only = Chain(denoising_stages())
    cleaned = denoise_only(noisy, SR)
    noise_out = denoise_only(noise.astype(np.float32), SR)
    inverted_out = denoise_only((target - noise).astype(np.float32), SR)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, audio in (("noisy", noisy), ("denoised", out), ("target", target)):
        with AudioFile(str(args.out / f"{name}.wav"), "w", SR, audio.shape[0], bit_depth=24) as f:
            f.write(audio)
    duration = noisy.shape[1] / SR
    lines = [
        "# hushboard demo report", "",
        f"Clip: {duration:.1f} s, 48 kHz stereo; target = speech + music, noise = fan + hum "
        f"ambience, mixed at {args.snr_db:g} dB SNR.", "",
        "Chain (streamed in 512-sample blocks, reset=False):", "",
        *[f"- `{member!r}`" for member in chain], "",
        "| measure | value |", "|---|---|",
        f"| chain latency | {chain.latency_samples} samples ({chain.latency_samples / SR * 1e3:.1f} ms) |",
        f"| real-time factor (whole chain, this machine) | {seconds / duration:.4f} |",
        f"| SI-SDR noisy vs target | {si_sdr_db(noisy, target):.2f} dB |",
        f"| SI-SDR after denoising stages vs target | {si_sdr_db(cleaned, target):.2f} dB |",
        f"| noise alone through denoising stages | {level_db(noise) - level_db(noise_out):.1f} dB quieter |",
        f"| noise while the target plays (phase inversion) | "
        f"{in_scene_attenuation_db(noise, cleaned, inverted_out, SR):.1f} dB quieter |",
        "", "Files: `noisy.wav`, `denoised.wav` (full chain), `target.wav`.",
    ]
    report = "\n".join(lines) + "\n"
    (args.out / "report.md").write_text(report)
    print(report)
    print(f"wrote {args.out}/denoised.wav and {args.out}/report.md")
    return 0
