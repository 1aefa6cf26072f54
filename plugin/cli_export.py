"""``hushboard export-plugin NAME``: a native VST3/LV2/CLAP plugin that runs a hushboard plugin.

    hushboard export-plugin NoiseSuppressor --out ~/.vst3                 # VST3 (the default)
    hushboard export-plugin NoiseSuppressor --format vst3,lv2,clap --out plugins/
    hushboard export-plugin LiveMusic --preset live-music-stream --format lv2 --out ~/.lv2

NAME is a registered plugin class (``hushboard.available_plugins()``), or, with ``--preset``,
the name to give the exported preset (a plugin or a whole chain). Needs DPF's sources
(``apt-get install dpf-source``) and g++; see ``hushboard.plugin.native_export``.
"""
from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``export-plugin`` on the ``hushboard`` command line."""
    parser = subparsers.add_parser(
        "export-plugin", help="build a native VST3/LV2/CLAP plugin of a hushboard plugin",
        description="Generate and build a native plugin (DPF) that embeds Python and runs a "
                    "hushboard plugin or preset inside any host, pedalboard included.")
    parser.add_argument("name", metavar="NAME",
                        help="plugin class (e.g. NoiseSuppressor), or the bundle name with --preset")
    parser.add_argument("--format", default="vst3",
                        help="comma-separated formats among vst3, lv2, clap (default: vst3)")
    parser.add_argument("--preset", metavar="FILE", default=None,
                        help="preset file or factory preset name to export (a plugin or a chain)")
    parser.add_argument("--out", metavar="DIR", required=True, help="folder for the bundles")
    parser.add_argument("--channels", type=int, choices=(1, 2), default=2,
                        help="audio channels in and out (default: 2)")
    parser.add_argument("--jobs", type=int, default=2, help="compiler processes at once (default: 2)")
    parser.add_argument("--build-dir", metavar="DIR", default=None,
                        help="keep the generated sources and objects here")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from .native_export import NativeBuildError, export_plugin

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    try:
        bundles = export_plugin(args.name, args.out, formats=formats, preset=args.preset,
                                channels=args.channels, jobs=args.jobs, build_dir=args.build_dir,
                                log=lambda line: print(line, file=sys.stderr))
    except NativeBuildError as error:
        print(f"hushboard export-plugin: error: {error}", file=sys.stderr)
        return 1
    for fmt, path in bundles.items():
        print(f"{fmt}\t{path}")
    return 0
