"""`python -m portal COMMAND`: each module in portal/commands adds one subcommand.

A command module defines `register(subparsers)` that adds its parser and sets `func(args) -> int`.
Discovery keeps this file untouched when a feature adds a command.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import portal.commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m portal", description="Self-serve analytics portal tools.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(portal.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"portal.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
