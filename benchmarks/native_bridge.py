"""What the native bridge costs: a hushboard plugin as a VST3 in a native pedalboard.Pedalboard
versus the same plugin called from Python, per block, streamed (reset=False).

    .venv/bin/python benchmarks/native_bridge.py            # builds into out/native_bridge_bench
    .venv/bin/python benchmarks/native_bridge.py --seconds 4 --blocks 64,512,4096

Rows:
- ``python``: ``NoiseSuppressor.process(block, sr, reset=False)``, the pure-Python plugin.
- ``bridge``: ``Pedalboard([vst3]).process(block, sr, reset=False)``: pedalboard's call, the
  VST3 wrapper, the GIL taken by the plugin, copies into the bridge's numpy arrays and the same
  Python plugin inside. ``ratio`` is bridge / python.
- ``call``: the bridge's own cost, measured with an exported chain holding only a native Gain
  (the Python round trip per chunk: GIL, ``Bridge.process``, ``Chain.process``, copies), minus
  the same native Gain run directly. This is what the audio thread pays for Python per chunk.

Each figure is the median of ``--repeats`` runs over ``--seconds`` of stereo noise at 48 kHz,
in microseconds per block, and as a share of the block's real-time duration.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pedalboard

import hushboard
from hushboard.plugin.native_export import CHUNK_FRAMES, export_plugin

SR = 48000


def per_block(process, audio: np.ndarray, block: int, repeats: int) -> float:
    """Median seconds per block of ``process(block_audio)`` over the whole of ``audio``."""
    timings = []
    for _ in range(repeats):
        blocks = [audio[:, i:i + block] for i in range(0, audio.shape[1] - block + 1, block)]
        started = time.perf_counter()
        for piece in blocks:
            process(piece)
        timings.append((time.perf_counter() - started) / len(blocks))
    return statistics.median(timings)


def build(out: Path) -> tuple[Path, Path]:
    vst3 = out / "NoiseSuppressor.vst3"
    passthrough = out / "GainOnly.vst3"
    if not vst3.exists():
        export_plugin("NoiseSuppressor", out, formats=("vst3",), log=print)
    if not passthrough.exists():
        with tempfile.TemporaryDirectory() as folder:
            preset = hushboard.save_preset(hushboard.Chain([pedalboard.Gain(0.0)]),
                                           Path(folder) / "gain-only.json")
            export_plugin("GainOnly", out, formats=("vst3",), preset=preset, log=print)
    return vst3, passthrough


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="out/native_bridge_bench", help="where the bundles are built")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--blocks", default="64,256,512,2048,8192")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    vst3, passthrough = build(Path(args.out))
    audio = np.random.default_rng(0).normal(0, 0.1, (2, int(args.seconds * SR))).astype(np.float32)

    print(f"NoiseSuppressor, stereo, {SR} Hz, chunk >= {CHUNK_FRAMES} frames; us per block "
          "(share of the block's real time)")
    print(f"{'block':>6} {'python':>16} {'bridge':>16} {'ratio':>6} {'call':>16}")
    for block in (int(b) for b in args.blocks.split(",")):
        plugin = hushboard.NoiseSuppressor()
        plugin.process(audio[:, :block], SR, buffer_size=block, reset=True)
        python = per_block(lambda a: plugin.process(a, SR, buffer_size=block, reset=False),
                           audio, block, args.repeats)
        board = pedalboard.Pedalboard([pedalboard.load_plugin(str(vst3))])
        board.process(audio[:, :block], SR, buffer_size=block, reset=True)
        bridge = per_block(lambda a: board.process(a, SR, buffer_size=block, reset=False),
                           audio, block, args.repeats)
        gain_bridge = pedalboard.Pedalboard([pedalboard.load_plugin(str(passthrough))])
        gain_bridge.process(audio[:, :block], SR, buffer_size=block, reset=True)
        through = per_block(lambda a: gain_bridge.process(a, SR, buffer_size=block, reset=False),
                            audio, block, args.repeats)
        gain = pedalboard.Pedalboard([pedalboard.Gain(0.0)])
        gain.process(audio[:, :block], SR, buffer_size=block, reset=True)
        native = per_block(lambda a: gain.process(a, SR, buffer_size=block, reset=False),
                           audio, block, args.repeats)
        call = max(through - native, 0.0)
        real = block / SR

        def cell(seconds: float) -> str:
            return f"{seconds * 1e6:9.0f} ({seconds / real:4.0%})"

        print(f"{block:>6} {cell(python):>16} {cell(bridge):>16} {bridge / python:6.2f} {cell(call):>16}")


if __name__ == "__main__":
    main()
