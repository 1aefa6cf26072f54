"""The ``hushboard`` command line: one argparse parser, one module per subcommand.

Each subcommand module exposes ``add_parser(subparsers)``, which registers its parser and sets
``func`` (called with the parsed namespace, returning the exit code). Parameters given on the
command line go through the same ``Param`` specs as everything else.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

#: Subcommand modules inside ``hushboard.plugin``, in the order ``--help`` lists them.
SUBCOMMAND_MODULES = ("demo", "cli_process", "cli_batch", "cli_presets", "cli_eval", "cli_export")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hushboard",
        description="Music-aware noise reduction for pedalboard chains.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(f"hushboard.plugin.{name}").add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hushboard`` console script; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, FileNotFoundError, KeyError) as error:
        print(f"hushboard {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
