"""Real-time factor of the classic denoisers (a number to read; not a test).

48 kHz stereo white noise streamed with reset=False in 512-sample blocks (and 8192), one thread;
best of ``--repeats`` runs. Also times a null estimator (gain 1) to show the spectral
framework's own share. Two clocks: wall time (``perf_counter``) and the thread's CPU time
(``thread_time``); on a shared machine the CPU time is the steadier of the two, the wall time is
what a host sees.

``--against REV`` measures the code at git revision ``REV`` too (extracted with ``git archive``
into a temporary directory and imported from there), alternating old and new runs
``--rounds`` times so that a busy machine weighs on both alike, and prints the best of each.

    OMP_NUM_THREADS=1 python benchmarks/classic_rtf.py [--seconds 10] [--repeats 3]
    OMP_NUM_THREADS=1 python benchmarks/classic_rtf.py --against HEAD~3 --seconds 2 --rounds 3
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

SR = 48000
BLOCKS = (512, 8192)
PLUGINS = ("framework only (unity gain)", "SpectralSubtraction", "WienerDenoiser wiener",
           "WienerDenoiser log-mmse", "NoiseSuppressor", "SubspaceDenoiser", "MusicAwareDenoiser")


def make_plugin(name: str):
    """A fresh plugin for one row of the table (imports hushboard from wherever it resolves)."""
    import hushboard
    from hushboard.plugin.spectral import SpectralDenoiser

    if name.startswith("framework"):
        class UnityEstimator:
            """Gain 1 everywhere: the framework's per-frame cost alone."""

            @staticmethod
            def init_state(num_channels, num_bins, sample_rate, hop_size, values):
                return None

            @staticmethod
            def process_frame(state, power, noise_override, update, noise_gain, values):
                return np.ones_like(power)

        class Framework(SpectralDenoiser, register=False):
            ESTIMATOR = UnityEstimator

        return Framework()
    cls_name, _, method = name.partition(" ")
    cls = hushboard.available_plugins()[cls_name]
    return cls(method=method) if method else cls()


def rtf(plugin, audio: np.ndarray, block: int, repeats: int) -> tuple[float, float]:
    """Best (wall, CPU) seconds per second of audio over ``repeats`` streamed runs."""
    best_wall = best_cpu = np.inf
    for _ in range(repeats):
        plugin.reset()
        wall, cpu = time.perf_counter(), time.thread_time()
        for i in range(0, audio.shape[1], block):
            plugin.process(audio[:, i:i + block], SR, buffer_size=block, reset=False)
        best_cpu = min(best_cpu, time.thread_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    seconds = audio.shape[1] / SR
    return best_wall / seconds, best_cpu / seconds


def measure(seconds: float, repeats: int) -> dict[str, list[float]]:
    """``{"block name": [wall RTF, CPU RTF]}`` for every block size and plugin."""
    audio = np.random.default_rng(0).normal(0, 0.1, (2, int(seconds * SR))).astype(np.float32)
    return {f"{block} {name}": list(rtf(make_plugin(name), audio, block, repeats))
            for block in BLOCKS for name in PLUGINS}


def extract(revision: str, into: Path) -> Path:
    """The package at ``revision`` as ``into/hushboard`` (for ``PYTHONPATH=into``)."""
    root = Path(__file__).resolve().parents[1]
    package = into / "hushboard"
    package.mkdir()
    archive = subprocess.run(["git", "-C", str(root), "archive", revision], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(package)], input=archive, check=True)
    return into


def worker(seconds: float, repeats: int, pythonpath: str | None) -> dict[str, list[float]]:
    """Run :func:`measure` in a fresh interpreter, importing hushboard from ``pythonpath``."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    out = subprocess.run([sys.executable, __file__, "--worker", "--seconds", str(seconds),
                          "--repeats", str(repeats)], env=env, check=True, capture_output=True,
                         text=True, cwd=tempfile.gettempdir()).stdout
    return json.loads(out.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--against", help="git revision to compare with (interleaved runs)")
    parser.add_argument("--rounds", type=int, default=3, help="old/new alternations (--against)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.seconds, args.repeats)))
        return
    if not args.against:
        for row, (wall, cpu) in measure(args.seconds, args.repeats).items():
            block, name = row.split(" ", 1)
            print(f"block {block:>5}  {name:28s} RTF {wall:.4f} (CPU {cpu:.4f})")
        return
    with tempfile.TemporaryDirectory() as tmp:
        old_path = str(extract(args.against, Path(tmp)))
        best: dict[str, dict[str, np.ndarray]] = {"old": {}, "new": {}}
        for _ in range(args.rounds):
            for label, path in (("old", old_path), ("new", None)):
                for row, values in worker(args.seconds, args.repeats, path).items():
                    previous = best[label].get(row, np.array([np.inf, np.inf]))
                    best[label][row] = np.minimum(previous, values)
    print(f"| block | plugin | RTF at {args.against} (wall / CPU) | RTF now (wall / CPU) | CPU change |")
    print("|---|---|---|---|---|")
    for row, new in best["new"].items():
        block, name = row.split(" ", 1)
        old = best["old"][row]
        print(f"| {block} | {name} | {old[0]:.4f} / {old[1]:.4f} | {new[0]:.4f} / {new[1]:.4f} | "
              f"{100 * (new[1] / old[1] - 1):+.0f} % |")


if __name__ == "__main__":
    main()
