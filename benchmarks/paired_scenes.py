"""Scene-paired differences between one method and others in a ``hushboard eval`` run (a table to read).

A harness table gives means over a handful of scenes; whether a 0.4 dB lead is more than
scene-to-scene spread is a question about the per-scene differences, which the run keeps in
``results.json`` (``per_scene``). Every method ran on the same seeded scenes, so the differences
are paired: for each scenario and metric this prints both means, the mean difference with a 95 %
interval (mean +- 1.96 standard errors of the per-scene differences; a normal approximation,
rough below ~10 scenes), and on how many scenes the method is ahead.

    python benchmarks/paired_scenes.py out/eval/results.json [more results.json ...]
        [--method NeuralDenoiser] [--against logmmse noisereduce ...] [--metrics si_sdr pesq_wb]

Several files are merged (e.g. a run of the peers and a later run of one plugin on the same
scenes; the scene counts must match). ``--against`` defaults to every other method but ``noisy``.
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

DEFAULT_METRICS = ("pesq_wb", "si_sdr", "si_sdr_i", "visqol", "music_si_sdr", "atten_db", "atten_scene_db")


def load_per_scene(paths: list[Path]) -> dict[tuple[str, str], list[dict[str, float]]]:
    """``{(scenario, method): [per-scene metric dicts]}`` merged over ``paths`` (later files win)."""
    merged: dict[tuple[str, str], list[dict[str, float]]] = {}
    for path in paths:
        for key, rows in json.loads(path.read_text())["per_scene"].items():
            scenario, method = key.split("|", 1)
            merged[(scenario, method)] = rows
    return merged


def paired_difference(ours: list[dict[str, float]], theirs: list[dict[str, float]],
                      metric: str) -> tuple[float, float, float, float, int, int] | None:
    """``(our mean, their mean, mean difference, 1.96 x its standard error, scenes we lead)`` and
    the scene count, over the scenes where both have ``metric``; ``None`` if there are none."""
    if len(ours) != len(theirs):
        raise ValueError(f"scene counts differ ({len(ours)} vs {len(theirs)}): not the same scenes")
    pairs = np.array([(a[metric], b[metric]) for a, b in zip(ours, theirs)
                      if metric in a and metric in b and math.isfinite(a[metric])
                      and math.isfinite(b[metric])])
    if pairs.size == 0:
        return None
    diff = pairs[:, 0] - pairs[:, 1]
    spread = 1.96 * diff.std(ddof=1) / math.sqrt(diff.size) if diff.size > 1 else float("nan")
    return (float(pairs[:, 0].mean()), float(pairs[:, 1].mean()), float(diff.mean()), spread,
            int(np.sum(diff > 0)), int(diff.size))


def table(per_scene: dict[tuple[str, str], list[dict[str, float]]], method: str,
          against: list[str], metrics: list[str]) -> str:
    """Markdown: one section per scenario, one row per (metric, other method)."""
    scenarios = list(dict.fromkeys(s for s, _ in per_scene))
    lines = []
    for scenario in scenarios:
        if (scenario, method) not in per_scene:
            continue
        ours = per_scene[(scenario, method)]
        lines += [f"\n### {scenario} ({len(ours)} scenes): {method} minus each method", "",
                  f"| metric | method | {method} | method's | difference (95 %) | {method} ahead |",
                  "|---|---|---|---|---|---|"]
        for metric in metrics:
            for other in against:
                if (scenario, other) not in per_scene:
                    continue
                result = paired_difference(ours, per_scene[(scenario, other)], metric)
                if result is None:
                    continue
                mine, theirs, diff, spread, ahead, n = result
                lines.append(f"| {metric} | {other} | {mine:.2f} | {theirs:.2f} | "
                             f"{diff:+.2f} +- {spread:.2f} | {ahead}/{n} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", type=Path, nargs="+", help="results.json of hushboard eval")
    parser.add_argument("--method", default="NeuralDenoiser")
    parser.add_argument("--against", nargs="+", default=None)
    parser.add_argument("--metrics", nargs="+", default=list(DEFAULT_METRICS))
    args = parser.parse_args()
    per_scene = load_per_scene(args.results)
    methods = list(dict.fromkeys(m for _, m in per_scene))
    if args.method not in methods:
        raise SystemExit(f"{args.method!r} is not in the results (methods: {', '.join(methods)})")
    against = args.against or [m for m in methods if m not in (args.method, "noisy")]
    print(table(per_scene, args.method, against, args.metrics))


if __name__ == "__main__":
    main()
