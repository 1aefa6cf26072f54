"""Score a candidate hushnet graph through ``NeuralDenoiser`` on a corpus split (the harness's scenes).

    python benchmarks/neural_search/score.py NAME runs/search/A/best.pt [--split validation]
        [--count 8] [--seconds 4] [--reduction 12 15 18] [--music-protection 0]
        [--log runs/search/scores.jsonl]

A ``.pt`` package (``Denoiser.save``) is exported next to itself as ``.onnx`` first (parity checked);
an ``.onnx`` graph is used as is. The plugin runs at its defaults except ``reduction_db`` and
``music_protection`` (0 unless given: the flat limit every search row was scored with, also
after the default began to follow the music detector), with the candidate graph in place of
the shipped one, through ``models.evaluate.score_method``: the same
seeded scenes as ``hushboard eval`` on that split (``--split test --count 4 --seconds 4`` reproduces
the 12 dB NeuralDenoiser rows of ``benchmarks/RESULTS.md``). One JSON line per reduction goes to ``--log``.
Search table and notes: ``models/neural_denoiser.md``.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from hushboard.models.evaluate import score_method
from hushboard.plugin.neural_denoiser import NeuralDenoiser, ShippedGraph

# atten_scene_db: the noise removed while the target plays (phase inversion), which the noise-alone
# atten_db cannot show once the limit follows the music detector (models/neural_denoiser.md)
METRICS = ("pesq_wb", "stoi", "visqol", "si_sdr", "si_sdr_i", "music_si_sdr", "atten_db", "atten_scene_db",
           "lsd_db")


def candidate_graph(path: Path) -> ShippedGraph:
    if path.suffix == ".pt":
        from hushboard.models.denoiser import Denoiser
        from hushboard.models.export import check_parity, export_onnx

        model = Denoiser.load(path)
        path = export_onnx(model, path.with_suffix(".onnx"))
        check_parity(model, path)
    return ShippedGraph.load(str(path.resolve()))  # an absolute path loads from anywhere


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name")
    parser.add_argument("model", type=Path, help="Denoiser package (.pt) or exported graph (.onnx)")
    parser.add_argument("--split", default="validation")
    parser.add_argument("--count", type=int, default=8, help="scenes per scenario")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--reduction", type=float, nargs="+", default=[12.0], help="reduction_db values")
    parser.add_argument("--music-protection", type=float, default=0.0,
                        help="music_protection (0: the flat limit of the search table)")
    parser.add_argument("--log", type=Path, default=Path("runs/search/scores.jsonl"))
    args = parser.parse_args()
    graph = candidate_graph(args.model)
    args.log.parent.mkdir(parents=True, exist_ok=True)
    for reduction in args.reduction:
        plugin = NeuralDenoiser(reduction_db=reduction, music_protection=args.music_protection)
        plugin._graphs[plugin.model] = graph  # the candidate in place of the shipped graph
        began = time.time()
        scores = score_method(plugin, split=args.split, count=args.count, seconds=args.seconds,
                              metric_keys=METRICS)
        record = {"name": args.name, "model": str(args.model), "split": args.split, "count": args.count,
                  "reduction_db": reduction, "music_protection": args.music_protection, "scores": scores,
                  "wall_s": round(time.time() - began)}
        with open(args.log, "a") as log:
            log.write(json.dumps(record) + "\n")
        print(json.dumps(record))


if __name__ == "__main__":
    main()
