"""`python -m portal check [--db PATH] [DIR]`: which saved queries does the current schema break?"""

from __future__ import annotations

import sys
from pathlib import Path

from portal.config import load_settings
from portal.library import QueryStore, check_all
from portal.warehouse.engine import Warehouse


def register(sub) -> None:
    p = sub.add_parser("check", help="compile every saved query against the warehouse (exit 1 if any broke)")
    p.add_argument("dir", nargs="?", help="queries folder (default: queries/)")
    p.add_argument("--db", help="warehouse file (default: the public twin from portal.toml)")
    p.set_defaults(func=run)


def run(args) -> int:
    settings = load_settings()
    folder = Path(args.dir) if args.dir else settings.queries_dir
    if not folder.is_dir():
        print(f"error: no queries folder at {folder}", file=sys.stderr)
        return 2
    try:
        wh = Warehouse(args.db or settings.public_warehouse_path, settings.limits)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    session = wh.session()
    queries, errors = QueryStore(folder, settings.state_dir).load_all()
    results = check_all(session, queries, session.catalog(), errors)
    broken = [r for r in results if not r.ok]
    for r in results:
        if r.ok:
            print(f"ok      {r.id}")
        else:
            where = f" (line {r.line})" if r.line else ""
            deps = ", ".join(sorted(r.lineage.tables)) or "?"
            print(f"BROKEN  {r.id}{where}: {r.error.splitlines()[0]}  [uses {deps}]")
    print(f"{len(results) - len(broken)} ok, {len(broken)} broken")
    wh.close()
    return 1 if broken else 0
