"""Per-block cost of the host bridge vs native pedalboard (a ratio table; not a test).

For 48 kHz stereo streamed with reset=False at block sizes 128, 512 and 8192 it times:
- the same native plugins as a ``pedalboard.Pedalboard`` and as a ``hushboard.Chain``;
- a hushboard plugin (HumRemover) alone, and inside a Chain between native plugins.
Ratios compare runs made in the same process, interleaved and repeated (median of runs), so a
noisy machine affects both sides alike. Target (issue 2): Chain of natives <= 1.1x at 512.

    python benchmarks/overhead.py [--seconds 10] [--repeats 7]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pedalboard  # noqa: E402

import hushboard  # noqa: E402

SR = 48000


def natives() -> list:
    return [pedalboard.HighpassFilter(60), pedalboard.Compressor(threshold_db=-20, ratio=3),
            pedalboard.Gain(2), pedalboard.Limiter(threshold_db=-1)]


def stream_seconds(processor, audio: np.ndarray, block: int) -> float:
    processor.reset()
    start = time.perf_counter()
    for i in range(0, audio.shape[1], block):
        processor.process(audio[:, i:i + block], SR, buffer_size=block, reset=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    audio = np.random.default_rng(0).normal(0, 0.1, (2, int(args.seconds * SR))).astype(np.float32)
    plugins = natives()
    candidates = {
        "pedalboard.Pedalboard(natives)": pedalboard.Pedalboard(plugins),
        "hushboard.Chain(natives)": hushboard.Chain(plugins),
        "HumRemover alone": hushboard.HumRemover(),
        "Chain(natives[:2] + HumRemover + natives[2:])": hushboard.Chain(
            plugins[:2] + [hushboard.HumRemover()] + plugins[2:]),
    }
    print(f"48 kHz stereo, {args.seconds:g} s streamed, median of {args.repeats} runs, "
          f"numpy {np.__version__}, pedalboard {pedalboard.__version__}\n")
    print("| block | " + " | ".join(candidates) + " | Chain / Pedalboard |")
    print("|---|" + "---|" * (len(candidates) + 1))
    for block in (128, 512, 8192):
        runs = {name: [] for name in candidates}
        for _ in range(args.repeats):
            for name, processor in candidates.items():  # interleaved: drift hits all alike
                runs[name].append(stream_seconds(processor, audio, block))
        med = {name: float(np.median(t)) for name, t in runs.items()}
        cells = [f"{med[n] / args.seconds * 1e3:.2f} ms/s (RTF {med[n] / args.seconds:.4f})" for n in candidates]
        ratio = med["hushboard.Chain(natives)"] / med["pedalboard.Pedalboard(natives)"]
        print(f"| {block} | " + " | ".join(cells) + f" | {ratio:.3f}x |")


if __name__ == "__main__":
    main()
