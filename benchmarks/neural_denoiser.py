"""Scores and real-time factor of NeuralDenoiser vs the classic denoisers (numbers to read).

Held-out synthetic mixtures (``models/synthetic_data.py`` with a seed used by no training run;
speech-like, music-like and both, SNR -5..20 dB), every plugin at the same flat ``reduction_db``
(the NeuralDenoiser with ``music_protection`` 0); SI-SDR (dB) against the clean target, per
kind. Then the RTF of NeuralDenoiser: 48 kHz mono, ``reset=False`` blocks of 512 samples, one
thread, best of ``--repeats``, at its defaults (the music detector running) and with
``music_protection`` 0 (the network alone).

    OMP_NUM_THREADS=1 python benchmarks/neural_denoiser.py [--mixes 60] [--json out.json]

The model's real scores come from the evaluation harness (``hushboard eval``, real corpus,
``benchmarks/RESULTS.md``); this script is the quick synthetic-data check and the RTF probe.
"""
from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from hushboard.models import synthetic_data  # noqa: E402  (numpy only)
from hushboard.models.metrics import si_sdr as si_sdr_db  # noqa: E402
from hushboard.plugin.neural_denoiser import NeuralDenoiser  # noqa: E402
from hushboard.plugin.noise_suppressor import NoiseSuppressor  # noqa: E402
from hushboard.plugin.spectral_subtraction import SpectralSubtraction  # noqa: E402
from hushboard.plugin.wiener import WienerDenoiser  # noqa: E402

SR = 48000
TEST_SEED = 424242  # never used for training or validation pools




def test_set(mixes: int, seconds: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
    pool = synthetic_data.make_pool(TEST_SEED, max(4, mixes // 2), seconds + 0.5)
    rng = np.random.default_rng([TEST_SEED, 1])
    return synthetic_data.mix_from_pool(rng, pool, mixes, int(seconds * SR), synthetic_data.SyntheticConfig())


def score(plugins: dict, clean: np.ndarray, noisy: np.ndarray, kinds: list[str]) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for name, plugin in plugins.items():
        values = [si_sdr_db(noisy[i] if plugin is None else plugin(noisy[i], SR), clean[i])
                  for i in range(len(kinds))]
        row = {kind: float(np.mean([v for v, k in zip(values, kinds) if k == kind])) for kind in sorted(set(kinds))}
        row["all"] = float(np.mean(values))
        table[name] = row
    return table


def rtf(plugin, seconds: float, repeats: int) -> float:
    audio = np.random.default_rng(0).normal(0, 0.05, int(SR * seconds)).astype(np.float32)
    best = np.inf
    for _ in range(repeats):
        plugin.reset()
        start = time.perf_counter()
        for pos in range(0, audio.shape[0], 512):
            plugin.process(audio[pos:pos + 512], SR, reset=False)
        best = min(best, time.perf_counter() - start)
    return best / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mixes", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--reduction-db", type=float, nargs="+", default=[12.0, 30.0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    clean, noisy, kinds = test_set(args.mixes, args.seconds)
    results: dict = {"mixes": args.mixes, "kinds": {k: kinds.count(k) for k in sorted(set(kinds))}}
    for limit in args.reduction_db:
        flat = {"reduction_db": limit, "music_protection": 0.0}
        plugins = {"noisy": None, "NeuralDenoiser": NeuralDenoiser(**flat),
                   "NeuralDenoiser+post_filter": NeuralDenoiser(**flat, post_filter=True),
                   "WienerDenoiser": WienerDenoiser(reduction_db=limit),
                   "NoiseSuppressor": NoiseSuppressor(reduction_db=limit),
                   "SpectralSubtraction": SpectralSubtraction(reduction_db=limit)}
        table = score(plugins, clean, noisy, kinds)
        results[f"si_sdr_db@reduction_db={limit:g}"] = table
        print(f"\nSI-SDR (dB), reduction_db = {limit:g}")
        columns = list(next(iter(table.values())))
        print("| method | " + " | ".join(columns) + " |")
        print("|---|" + "---|" * len(columns))
        for name, row in table.items():
            print(f"| {name} | " + " | ".join(f"{row[c]:.2f}" for c in columns) + " |")
    results["rtf_512_mono_1thread"] = rtf(NeuralDenoiser(), 10.0, args.repeats)
    results["rtf_512_mono_1thread_no_detector"] = rtf(NeuralDenoiser(music_protection=0.0), 10.0, args.repeats)
    print(f"\nRTF (512-sample blocks, mono, 1 thread): {results['rtf_512_mono_1thread']:.4f} at the defaults, "
          f"{results['rtf_512_mono_1thread_no_detector']:.4f} with music_protection 0")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
