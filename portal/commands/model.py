"""`python -m portal model check [--db PATH] [--as PERSON]`: does the semantic model of portal.toml fit
the warehouse? Every expression bound (typos named with file, line and nearest column), declared
many-to-one joins checked for fan-out, and the person keys of experiments, revenue and people looked up
among the events' resolved persons. Exit 1 on any error, so a data team can run it after each build."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from portal.config import ROOT, load_settings
from portal.identity import SignInRefused
from portal.model_check import check
from portal.warehouse.connect import add_person_argument, command_session
from portal.warehouse.errors import QueryError, WarehouseUnavailable


def register(sub) -> None:
    p = sub.add_parser("model", help="check the semantic model of portal.toml against the warehouse")
    p.add_argument("action", choices=["check"], help="check: bind, fan-out and key-space checks (exit 1 on errors)")
    p.add_argument("--db", help="warehouse file (default: the one in portal.toml)")
    add_person_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    settings = load_settings()
    config = Path(os.environ.get("PORTAL_CONFIG") or ROOT / "portal.toml")
    try:
        wh, session = command_session(settings, args, "model check")
    except (FileNotFoundError, WarehouseUnavailable, SignInRefused) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        findings = check(session, settings.model, config)
    except QueryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        wh.close()
    for f in findings:
        print(f.line())
    errors = sum(f.level == "error" for f in findings)
    print(f"{errors} error(s)" if errors else "the model fits the warehouse", file=sys.stderr)
    return 1 if errors else 0
