"""`python -m portal index [--db PATH]`: (re)build the funnels' compact event index after a warehouse
build (the demo build does it itself). Until it is rebuilt, a changed warehouse file's old index is
ignored and funnels query the events instead."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from portal.config import load_settings, public_twin
from portal.model import ModelError
from portal.warehouse.event_index import IndexUnsupported, index_dir, rebuild


def register(sub) -> None:
    p = sub.add_parser("index", help="build the funnels' event index of the warehouse and its public twin")
    p.add_argument("--db", help="warehouse file (default: the one in portal.toml); its public twin too if present")
    p.set_defaults(func=run)


def run(args) -> int:
    settings = load_settings()
    main = Path(args.db) if args.db else settings.warehouse_path
    try:
        settings.model.require("events")
    except ModelError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    paths = [p for p in (main, public_twin(main)) if p.exists()]
    if not paths:
        print(f"error: no warehouse file at {main}", file=sys.stderr)
        return 2
    for path in paths:
        t0 = time.perf_counter()
        try:
            meta = rebuild(path, settings.model.events)
        except IndexUnsupported as why:
            print(f"{path}: no index: {why}", file=sys.stderr)
            continue
        except Exception as exc:  # a warehouse without analytics.events, a locked file…
            print(f"error: {path}: {exc}", file=sys.stderr)
            return 1
        print(f"{index_dir(path)}: {meta['rows']:,} events in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0
