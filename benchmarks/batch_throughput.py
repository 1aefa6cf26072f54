"""Batch throughput with ``--jobs 1`` vs ``--jobs 2`` on the same files (a table; not a test).

Writes ``--files`` synthetic 48 kHz stereo 24-bit WAV files of ``--seconds`` each (speech-like
noise with hum) to a temp folder, runs the local batch engine over them with 1 and then 2
worker processes (fresh output folder each time, so nothing is skipped) and prints audio-hours
processed per wall-hour and the ratio. Wall time includes everything a user waits for: process
start-up (spawn), hashing, decoding, the chain, encoding, manifest and report.

    python benchmarks/batch_throughput.py [--files 6] [--seconds 60] [--plugin HumRemover]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core per worker: the pool is the parallelism

import numpy as np  # noqa: E402
from pedalboard.io import AudioFile  # noqa: E402

from hushboard.plugin.batch import BatchConfig, run_batch  # noqa: E402
from hushboard.plugin.cli_process import ProcessorSpec  # noqa: E402

SR = 48000


def make_files(folder: Path, files: int, seconds: float) -> None:
    rng = np.random.default_rng(0)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    for i in range(files):
        audio = rng.normal(0, 0.02, (2, n)) + 0.05 * np.sin(2 * np.pi * 50 * t)
        with AudioFile(str(folder / f"take{i:02d}.wav"), "w", SR, 2, bit_depth=24) as f:
            f.write(audio.astype(np.float32))


def throughput(indir: Path, outdir: Path, spec: ProcessorSpec, jobs: int) -> tuple[float, float]:
    """(audio seconds, wall seconds) of one batch run."""
    started = time.perf_counter()
    report = run_batch(BatchConfig(indir, outdir, spec, jobs=jobs))
    wall = time.perf_counter() - started
    assert report.ok, [r.reason for r in report.results if r.reason]
    return report.audio_s, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--plugin", default="HumRemover")
    args = parser.parse_args()
    spec = ProcessorSpec(plugin=args.plugin)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        make_files(root / "in", args.files, args.seconds)
        rows = []
        for jobs in (1, 2):
            audio_s, wall_s = throughput(root / "in", root / f"out{jobs}", spec, jobs)
            rows.append((jobs, audio_s, wall_s, (audio_s / 3600) / (wall_s / 3600)))
    print(f"{args.files} files x {args.seconds:g} s, 48 kHz stereo 24-bit WAV, plugin {args.plugin}, "
          f"{os.cpu_count()} CPUs\n")
    print("| jobs | audio s | wall s | audio-hours per wall-hour |")
    print("|---:|---:|---:|---:|")
    for jobs, audio_s, wall_s, rate in rows:
        print(f"| {jobs} | {audio_s:.0f} | {wall_s:.2f} | {rate:.0f} |")
    print(f"\njobs=2 / jobs=1 throughput ratio: {rows[1][3] / rows[0][3]:.2f}x")


if __name__ == "__main__":
    main()
