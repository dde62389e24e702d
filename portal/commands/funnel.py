"""`python -m portal funnel --steps a,b,c [--window 7d] [--breakdown COL] [--from D] [--to D]`: CSV of
(segment, step, users), the same computation as the Funnels page."""

from __future__ import annotations

import sys
from datetime import date

from portal.product.funnels import FunnelError, FunnelSpec, Step, counts_csv_rows, parse_window, user_levels
from portal.product.vocabulary import data_range, event_names
from portal.warehouse.connect import add_person_argument, open_for
from portal.warehouse.errors import QueryError


def register(sub) -> None:
    p = sub.add_parser("funnel", help="funnel counts as CSV (segment, step, users)")
    p.add_argument("--steps", required=True, help="comma-separated event names, 2 to 10")
    p.add_argument("--window", default="14d", help="conversion window from the first step (7d, 36h, 90m)")
    p.add_argument("--breakdown", help="an event property of [model.events], or variant:<experiment>")
    p.add_argument("--from", dest="start", help="first day (default: data start)")
    p.add_argument("--to", dest="end", help="last day (default: data end)")
    p.add_argument("--mode", default="sequential", choices=["sequential", "strict"])
    p.add_argument("--db", help="warehouse file (default: the public twin from portal.toml)")
    add_person_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if (opened := open_for(args, "funnel")) is None:
        return 2
    settings, wh, session = opened
    try:
        span = data_range(session)  # defaults come from the data, never from a demo's calendar
        if span is None and not (args.start and args.end):
            raise FunnelError("No events to count: configure [model.events] in portal.toml, or the table is empty.")
        steps = tuple(Step(s.strip()) for s in args.steps.split(",") if s.strip())
        known = set(event_names(session, limit=100_000))
        unknown = [s.event for s in steps if s.event not in known]
        if unknown:
            raise FunnelError(f"No event named {unknown[0]!r} in the data (python -m portal query lists them).")
        spec = FunnelSpec(
            steps,
            date.fromisoformat(args.start) if args.start else span[0],
            date.fromisoformat(args.end) if args.end else span[1],
            parse_window(args.window),
            args.mode,
            args.breakdown,
        )
        levels = user_levels(session, spec)
    except (FunnelError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except QueryError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        wh.close()
    from portal.csv_out import rows_csv

    sys.stdout.write(rows_csv(["segment", "step", "users"], counts_csv_rows(levels, spec)))
    return 0
