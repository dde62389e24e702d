"""`python -m portal ready [--build-demo]`: is the configured warehouse there, readable, and its
PII-free twin current? With --build-demo (what ./start.sh runs), the shipped demo configuration
builds its demo warehouse when missing; any other configuration is only checked, never built."""

from __future__ import annotations

import sys

from portal.config import load_settings
from portal.warehouse.bootstrap import ensure_warehouse, missing_message


def register(sub) -> None:
    p = sub.add_parser("ready", help="check the configured warehouse and its twin (build the demo's if asked)")
    p.add_argument("--build-demo", action="store_true", help="build the demo warehouse (demo configuration only)")
    p.set_defaults(func=run)


def run(args) -> int:
    settings = load_settings()
    if args.build_demo and settings.builds_demo and missing_message(settings):
        print("Building the demo warehouse (about a minute, first start only)…", file=sys.stderr)
        ensure_warehouse(settings)
    problem = missing_message(settings)
    if problem:
        print(f"not ready: {problem}", file=sys.stderr)
        return 1
    print(f"ready: {settings.warehouse_path}")
    if settings.engine == "duckdb":
        from portal.model_check import findings_on_file

        for finding in findings_on_file(settings, settings.public_warehouse_path):  # what pages would show
            print(finding.line(), file=sys.stderr)
    return 0
