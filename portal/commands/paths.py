"""`python -m portal paths --start EVENT [--end EVENT] [--depth N] [--window 30m] [--from D] [--to D]
[--without EVENT] [--top K] [--format csv]`: where people went after an event (or, with --end only,
came from before one) within the same visit, as `depth,step,previous,people`; the rows of each depth
include `dropped off` and `other` and add up to the people who did the start event."""

from __future__ import annotations

import re
import sys
from datetime import date

from portal.warehouse.connect import add_person_argument, open_for
from portal.warehouse.errors import QueryError


def register(sub) -> None:
    p = sub.add_parser("paths", help="where people go after an event, or came from before one (CSV)")
    p.add_argument("--start", help="paths after this event")
    p.add_argument("--end", help="paths up to this event (alone: the paths that led to it)")
    p.add_argument("--depth", type=int, default=4, help="steps shown (1 to 10, default 4)")
    p.add_argument("--window", default="30m", help="a gap longer than this ends the visit (30m, 2h; default 30m)")
    p.add_argument("--from", dest="start_day", help="first day of start events (default: data start)")
    p.add_argument("--to", dest="end_day", help="last day of start events (default: data end)")
    p.add_argument("--without", help="only people who did not do this event in the visit")
    p.add_argument("--top", type=int, default=6, help="steps kept by name at each depth; the rest are other")
    p.add_argument("--format", default="csv", choices=["csv"])
    p.add_argument("--db", help="warehouse file (default: the public twin from portal.toml)")
    add_person_argument(p)
    p.set_defaults(func=run)


def minutes(text: str) -> int:
    """30m, 2h, 45 -> minutes."""
    m = re.fullmatch(r"\s*(\d+)\s*([mh]?)\s*", text or "")
    if not m:
        raise ValueError(f"--window {text!r}: write minutes or hours, e.g. 30m or 2h")
    return int(m.group(1)) * (60 if m.group(2) == "h" else 1)


def run(args) -> int:
    from portal.csv_out import frame_csv
    from portal.product.paths import PathsError, PathSpec, paths

    try:
        spec = PathSpec(
            args.start,
            args.end,
            args.depth,
            minutes(args.window),
            date.fromisoformat(args.start_day) if args.start_day else None,
            date.fromisoformat(args.end_day) if args.end_day else None,
            args.top,
            args.without,
        )
        spec.check()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if (opened := open_for(args, "paths")) is None:
        return 2
    _, wh, session = opened
    try:
        frame = paths(session, spec)
    except PathsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except QueryError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        wh.close()
    sys.stdout.write(frame_csv(frame))
    return 0
