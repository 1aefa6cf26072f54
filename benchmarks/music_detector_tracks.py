"""Where a music detector misses: its test-split scores per music track (a number to read).

The detector recipe's test scenes (``models.train_music_detector``: 200 seeded scenes, seed
``--seed`` + 1000) draw each music excerpt at a random offset into the concatenated test stem.
This script replays those draws (the generator state is peeked, so the scenes are the recipe's
own), maps each offset to its source file through the stems manifest, runs the ONNX detector on
the scenes' features, and prints frame-level F1 at SNR >= 5 dB overall, without one track, per
scene kind, and the recall of every scene per track.

    python benchmarks/music_detector_tracks.py models/music_detector.onnx [--cache DIR]
        [--without track23]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from hushboard.models import train_music_detector as recipe
from hushboard.models.stems import default_cache, stem_source


def music_offsets(seed: int, count: int) -> list[int]:
    """Start sample of each test scene's music excerpt in the concatenated test stem (-1: none)."""
    take = stem_source("test")
    length = np.load(default_cache() / "music-test.npy", mmap_mode="r").shape[0]
    offsets: list[int] = []

    def recording(kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
        if kind == "music":  # the same draw stem_source's take makes next
            state = rng.bit_generator.state
            offsets[-1] = int(rng.integers(0, max(length - n, 1)))
            rng.bit_generator.state = state
        return take(kind, rng, n)

    for chunk in range((count + recipe.CHUNK - 1) // recipe.CHUNK):
        rng = np.random.default_rng([seed, chunk])
        for _ in range(min(recipe.CHUNK, count - chunk * recipe.CHUNK)):
            offsets.append(-1)
            recipe.make_example(recording, rng)
    return offsets


def track_names(offsets: list[int]) -> list[str]:
    """The music file (album folder / file name) of each offset, "" for scenes without music."""
    manifest = json.loads((default_cache() / "manifest.json").read_text())
    files = [f for f in manifest["files"] if f["kind"] == "music" and f["split"] == "test"]
    bounds = np.cumsum([0] + [int(round(f["seconds"] * recipe.SR)) for f in files])
    names = ["/".join(f["file"].split("/")[-2:]) for f in files]
    return [names[int(np.searchsorted(bounds, o, side="right")) - 1] if o >= 0 else "" for o in offsets]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path)
    parser.add_argument("--seed", type=int, default=1, help="the recipe's --seed")
    parser.add_argument("--count", type=int, default=200, help="the recipe's --test-examples")
    parser.add_argument("--cache", type=Path, default=None, help="the recipe's --cache (saves a rebuild)")
    parser.add_argument("--without", default="track23", help="leave the tracks whose name holds this out")
    args = parser.parse_args()
    seed = args.seed + 1000
    test = recipe.cached_examples(args.cache, f"test-s{args.seed}-n{args.count}",
                                  lambda: recipe.build_examples(stem_source("test"), args.count, seed))
    tracks = np.array(track_names(music_offsets(seed, args.count)))
    decided = recipe.onnx_probabilities(args.model, test.features)[..., 0] > 0.5
    truth = test.labels[..., 0] > 0.5
    loud = test.snr_db >= 5

    def scores(rows: np.ndarray) -> str:
        s = recipe.frame_scores(decided[rows], truth[rows])
        return f"precision {s['precision']:.3f} recall {s['recall']:.3f} F1 {s['f1']:.3f}"

    print(f">= 5 dB: {scores(loud)}")
    left_out = np.char.find(tracks, args.without) >= 0
    print(f">= 5 dB without '{args.without}' ({int(np.sum(left_out & loud))} scenes): {scores(loud & ~left_out)}")
    for kind in recipe.SCENES:
        rows = loud & (test.scenes == kind)
        text = scores(rows) if truth[rows].any() else f"frames taken for music {decided[rows].mean():.3f}"
        print(f"  {kind}: {text}")
    print("recall per scene (>= 5 dB), by track:")
    for name in sorted(set(tracks[loud]) - {""}):
        rows = np.where(loud & (tracks == name))[0]
        recall = [float(np.sum(decided[i] & truth[i]) / max(np.sum(truth[i]), 1)) for i in rows]
        print(f"  {name:45s} {len(rows):2d} scenes, mean {np.mean(recall):.2f}: "
              + " ".join(f"{r:.2f}" for r in recall))


if __name__ == "__main__":
    main()
