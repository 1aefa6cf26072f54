"""Solution 1 check: does the music detector keep music that NoiseSuppressor takes for noise?

Scenes from the TEST split of the stems (``python -m hushboard.models.stems build``): music +
noise, speech + music + noise (speech and music are the target) and speech + noise, 8 s each,
SNR drawn in [5, 15] dB, seeded. Both plugins run with the same settings; the table prints mean
SI-SDR of the output against the clean target, SI-SDR improvement, and noise attenuation (the
noise alone through the same settings), per scene kind.

    python benchmarks/music_scene.py [--scenes 6]
"""
from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import hushboard  # noqa: E402
from hushboard.models.metrics import si_sdr  # noqa: E402
from hushboard.models.stems import stem_source  # noqa: E402

SR = 48000
SECONDS = 8.0


def scene(take, kind: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n = int(SECONDS * SR)
    music = take("music", rng, n) if "music" in kind else np.zeros(n)
    speech = take("speech", rng, n) if "speech" in kind else np.zeros(n)
    if kind == "speech+music":
        music *= 10 ** (-6 / 20) * np.std(speech) / max(np.std(music), 1e-9)
    target = speech + music
    noise = take("noise", rng, n)
    snr = rng.uniform(5, 15)
    noise *= np.std(target) * 10 ** (-snr / 20) / max(np.std(noise), 1e-9)
    scale = 0.1 / max(np.std(target + noise), 1e-9)
    return (target * scale).astype(np.float32), (noise * scale).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenes", type=int, default=6)
    args = parser.parse_args()
    take = stem_source("test")
    rng = np.random.default_rng(7)
    plugins = {"NoiseSuppressor": lambda: hushboard.NoiseSuppressor(),
               "MusicAwareDenoiser": lambda: hushboard.MusicAwareDenoiser()}
    print(f"{args.scenes} scenes per kind, {SECONDS:g} s, SNR 5-15 dB, test split\n")
    print("| scene | plugin | SI-SDR out (dB) | SI-SDR improvement (dB) | noise attenuation (dB) |")
    print("|---|---|---|---|---|")
    for kind in ("music", "speech+music", "speech"):
        scenes = [scene(take, kind, rng) for _ in range(args.scenes)]
        for name, make in plugins.items():
            out_sdr, gain, atten = [], [], []
            for target, noise in scenes:
                noisy = target + noise
                out = make()(noisy, SR)
                noise_out = make()(noise, SR)
                out_sdr.append(si_sdr(out, target))
                gain.append(out_sdr[-1] - si_sdr(noisy, target))
                atten.append(10 * np.log10(np.mean(noise ** 2) / max(np.mean(noise_out ** 2), 1e-20)))
            print(f"| {kind} | {name} | {np.mean(out_sdr):.2f} | {np.mean(gain):+.2f} | {np.mean(atten):.1f} |")


if __name__ == "__main__":
    main()
