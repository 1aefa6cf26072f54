"""``hushboard batch INDIR OUTDIR``: every matching file through the same preset, in parallel.

Outputs keep their path relative to INDIR under OUTDIR. A rerun of the same command resumes:
files finished before (same input sha256, same preset hash, output present) are skipped, the
rest are redone. Shows a progress bar per file and overall, prints a summary table and writes
``hushboard-report.json`` and ``.csv`` to OUTDIR (or ``--report``). Exit code 0 when every file
was processed or skipped, 1 when any failed (the table says which and why).

Details of the manifest, atomic outputs and engines: ``hushboard.plugin.batch``. What a file
keeps (rate, channels, length) and loses (tags): ``hushboard process --help``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .batch import BatchConfig, ProgressView, run_batch, summary_table
from .cli_process import WRITABLE_FORMATS, add_processor_arguments, options_from_args, spec_from_args


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("batch", help="process every file of a folder, resumably and in parallel",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("indir", type=Path, metavar="INDIR", help="folder of input files")
    parser.add_argument("outdir", type=Path, metavar="OUTDIR", help="output folder (created; must differ from INDIR)")
    add_processor_arguments(parser)
    parser.add_argument("--pattern", default="*.wav",
                        help="glob relative to INDIR (default '*.wav'; '**/*.flac' recurses)")
    parser.add_argument("--format", choices=[s.lstrip(".") for s in WRITABLE_FORMATS],
                        help="output format for every file (default: keep each input's, WAV when "
                             "pedalboard cannot write it)")
    parser.add_argument("--jobs", "-j", type=int, metavar="N",
                        help="parallel worker processes (default: CPU count; with Ray: files in flight)")
    parser.add_argument("--engine", choices=("local", "ray"), default="local",
                        help="local process pool (default) or a Ray cluster")
    parser.add_argument("--ray-address", metavar="ADDRESS",
                        help="ray.init(address=...), e.g. 'auto' or 'ray://head:10001' (default: "
                             "RAY_ADDRESS or a local Ray)")
    parser.add_argument("--report", type=Path, metavar="FILE.json|FILE.csv",
                        help="write the report here (default: OUTDIR/hushboard-report.json and .csv)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise ValueError(f"--jobs must be at least 1 (got {args.jobs})")
    config = BatchConfig(indir=args.indir, outdir=args.outdir, spec=spec_from_args(args),
                         options=options_from_args(args), pattern=args.pattern,
                         out_format=f".{args.format}" if args.format else None, jobs=args.jobs,
                         overwrite=args.overwrite, engine=args.engine, ray_address=args.ray_address,
                         report=args.report)
    report = run_batch(config, ProgressView(enabled=not args.no_progress))
    if not report.results:
        print(f"hushboard batch: no files match {args.pattern!r} in {args.indir}", file=sys.stderr)
        return 1
    print(summary_table(report))
    print("report: " + ", ".join(str(p) for p in report.report_paths))
    return 0 if report.ok else 1
