"""``hushboard eval``: every hushboard denoiser and every installed peer over the benchmark scenarios.

    hushboard eval [--scenarios stationary low-snr ...] [--methods hushboard peers noisy preset:NAME ...]
                   [--scenes 4] [--seconds 5] [--out out/eval] [--corpus DIR] [--split test]

Prints one markdown table per scenario (metrics and real-time factor measured in this run) and
writes, under ``--out``: ``report.md`` (tables + spectrogram figures), ``tables.md``,
``results.json`` and ``figures/<scenario>.png``. The corpus is built once with
``python -m hushboard.models.corpus build``; ``--corpus synthetic`` generates a tiny stand-in
(for smoke tests: its numbers mean nothing). Real-time factors are single-thread when
``OMP_NUM_THREADS=1`` is set, as for the committed ``benchmarks/RESULTS.md``.
"""
from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``eval`` on the ``hushboard`` command line."""
    from ..models.evaluate import ALL_METRICS
    from ..models.scenarios import SCENARIOS

    parser = subparsers.add_parser(
        "eval", help="benchmark denoisers and peers on the article's scenarios",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", nargs="+", choices=list(SCENARIOS), default=list(SCENARIOS))
    parser.add_argument("--methods", nargs="+", default=None, metavar="NAME",
                        help="plugin or peer names, 'hushboard', 'peers', 'noisy' (default: all three), or "
                             "preset:NAME (a factory preset or a preset .json: its plugin at its settings)")
    parser.add_argument("--metrics", nargs="+", choices=list(ALL_METRICS), default=list(ALL_METRICS))
    parser.add_argument("--scenes", type=int, default=4, help="scenes per scenario (default 4)")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per scene (default 5)")
    parser.add_argument("--split", choices=["test", "validation"], default="test")
    parser.add_argument("--corpus", default=None,
                        help="corpus folder (default $HUSHBOARD_CACHE/corpus) or 'synthetic'")
    parser.add_argument("--out", type=Path, default=Path("out/eval"))
    parser.add_argument("--no-figures", action="store_true", help="skip the spectrogram PNGs")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from ..models import corpus, report
    from ..models.evaluate import evaluate, markdown_tables, resolve_methods, stderr_log
    from ..models.scenarios import scenes

    if args.scenes < 1 or args.seconds < 1.0:
        raise ValueError("--scenes must be >= 1 and --seconds >= 1")
    if args.corpus == "synthetic":
        cache = Path(tempfile.mkdtemp(prefix="hushboard-synthetic-corpus-"))
        corpus.build_synthetic(cache)
    else:
        cache = Path(args.corpus) if args.corpus else corpus.default_cache()
    source = corpus.CorpusSource(args.split, cache)
    methods, skipped = resolve_methods(args.methods)
    for reason in skipped.values():
        stderr_log(f"skipped {reason}")
    scene_sets = {name: scenes(name, source, args.scenes, args.seconds) for name in args.scenarios}
    stderr_log(f"{sum(map(len, scene_sets.values()))} scenes, {len(methods)} methods")
    results = evaluate(methods, scene_sets, args.metrics, log=stderr_log)
    results.skipped.update(skipped)
    tables = markdown_tables(results, scene_sets)
    command = "hushboard eval " + " ".join(shlex.quote(a) for a in sys.argv[2:]) if sys.argv[1:2] == ["eval"] \
        else "hushboard eval (API call)"
    header = (f"Corpus version {source.version} ({args.split} split{', synthetic' if args.corpus == 'synthetic' else ''}); "
              f"{len(methods)} methods; RTF = processing seconds per audio second in this run.\n\n")
    print(header + tables)
    figure_paths, compact_paths = {}, {}
    if not args.no_figures:
        ok, reason = report.matplotlib_available()
        if ok:
            figure_paths = report.figures(results, scene_sets, args.out / "figures")
            compact_paths = report.compact_figures(results, scene_sets, args.out / "figures")
        else:
            stderr_log(f"no figures: {reason}")
    path = report.write_report(args.out, results, scene_sets, header + tables, command, source.version,
                               figure_paths, compact_paths)
    stderr_log(f"wrote {path}")
    return 0
