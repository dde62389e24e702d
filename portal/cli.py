"""`python -m portal COMMAND`: each module in portal/commands adds one subcommand.

A command module defines `register(subparsers)` that adds its parser and sets `func(args) -> int`.
Only the chosen command's module is imported (`--help` and a typo import none), so the command line
starts in a blink; `COMMANDS` lists them with their one-line help (a test keeps it equal to the
modules' own).
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {  # name: (module in portal/commands, one-line help)
    "alerts": ("alerts", "check metric alerts (alerts.toml) and mail the ones that fire"),
    "ask": ("ask", "answer a plain-English question (orders by country since 2026-08-01)"),
    "audit": ("audit", "print the audit trail as CSV (newest first)"),
    "catalog": ("catalog", "every column with its description, dbt tests and freshness (CSV)"),
    "check": ("check", "compile every saved query against the warehouse (exit 1 if any broke)"),
    "cluster": ("cluster", "start, stop or check the local Spark Connect cluster"),
    "config": ("config", "check the configuration files, or print their reference"),
    "dbt": ("dbt", "read a dbt project's artifacts; write the portal's exposures for dbt"),
    "demo": ("demo", "build the demo warehouse"),
    "digest": ("digest", "render a team's weekly digest e-mail (and send it with SMTP settings)"),
    "funnel": ("funnel", "funnel counts as CSV (segment, step, users)"),
    "impact": ("impact", "what a source change would break or silently falsify (exit 1 if anything breaks)"),
    "index": ("index", "build the funnels' event index of the warehouse and its public twin"),
    "lifecycle": ("lifecycle", "new, returning, resurrecting and dormant people per period (CSV)"),
    "lint": ("lint", "lint SQL files (exit 1 on any error-level finding)"),
    "model": ("model", "check the semantic model of portal.toml against the warehouse"),
    "paths": ("paths", "where people go after an event, or came from before one (CSV)"),
    "pii-scan": ("pii_scan", "list undeclared columns that look like personal data"),
    "query": ("query", "run one read-only SQL statement and print CSV"),
    "ready": ("ready", "check the configured warehouse and its twin (build the demo's if asked)"),
    "refresh": ("refresh", "compute dashboards' tiles and pages' first views into the result store (cron)"),
    "subscriptions": ("subscriptions", "mail the team-dashboard digests people subscribed to (cron)"),
    "token": ("token", "create, list or revoke personal API tokens (the CSV/JSON API)"),
    "twin": ("twin", "build the PII-free twin of the warehouse ([pii] columns blanked)"),
}

START_HERE = """start here:
  ./start.sh                                   the app on the demo warehouse (http://localhost:8501)
  python -m portal ready                       is the configured warehouse there, and does the model fit it?
  python -m portal ask "orders by country since 2026-08-01"
  python -m portal query "SELECT count(*) FROM analytics.orders"
  python -m portal funnel --steps product_view,add_to_cart,purchase --breakdown platform
  python -m portal model check                 on your own warehouse (PORTAL_CONFIG=…/portal.toml)
  python -m portal COMMAND --help              a command's options

Every command reads portal.toml (or the file PORTAL_CONFIG names). docs/ADOPTING.md: your own warehouse."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; `command`'s module is imported to add its arguments, the others are names only."""
    parser = argparse.ArgumentParser(
        prog="python -m portal",
        description="Self-serve analytics portal tools.",
        epilog=START_HERE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, text) in COMMANDS.items():
        if name == command:
            importlib.import_module(f"portal.commands.{module}").register(sub)
        else:
            sub.add_parser(name, help=text)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    chosen = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(chosen if chosen in COMMANDS else None).parse_args(argv)
    from portal.config import ConfigError

    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:  # a malformed portal.toml: what is wrong and where, never a traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `python -m portal funnel … | head`: the reader left; nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
