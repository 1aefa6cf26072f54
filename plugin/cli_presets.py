"""``hushboard presets``: list the factory presets, show one, or check a preset file.

    hushboard presets                 # every factory preset with its description
    hushboard presets show NAME|FILE  # the preset's JSON (a factory name or a file)
    hushboard presets check FILE...   # load each file; report the first error with its key path
"""
from __future__ import annotations

import argparse
import json
import shutil
import textwrap


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``presets`` on the ``hushboard`` command line."""
    parser = subparsers.add_parser(
        "presets", help="list, show or check presets",
        description="Factory presets (load one with --preset NAME or hushboard.load_preset(NAME)).")
    actions = parser.add_subparsers(dest="presets_action", metavar="ACTION")
    show = actions.add_parser("show", help="print a preset's JSON")
    show.add_argument("name", help="factory preset name or preset file")
    check = actions.add_parser("check", help="load preset files and report errors")
    check.add_argument("files", nargs="+", help="preset files (or factory names)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "presets_action", None)
    if action == "show":
        return show(args.name)
    if action == "check":
        return check(args.files)
    return list_presets()


def list_presets() -> int:
    from .. import presets

    width = min(shutil.get_terminal_size((100, 20)).columns, 120)
    descriptions = presets.descriptions()
    pad = max((len(n) for n in descriptions), default=0) + 2
    for name, description in descriptions.items():
        lines = textwrap.wrap(description, max(width - pad, 30)) or [""]
        print(name.ljust(pad) + lines[0])
        for line in lines[1:]:
            print(" " * pad + line)
    return 0


def show(name: str) -> int:
    from .presets import from_document, read_document

    document, source = read_document(name)
    from_document(document, source)  # an invalid preset is an error, not a listing
    print(json.dumps(document, indent=2))
    return 0


def check(files: list[str]) -> int:
    from .presets import load_preset

    failed = 0
    for file in files:
        try:
            load_preset(file)
        except (ValueError, FileNotFoundError) as error:
            print(f"FAIL {error}")
            failed += 1
        else:
            print(f"ok   {file}")
    return 1 if failed else 0
