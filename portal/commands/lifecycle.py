"""`python -m portal lifecycle [--grain day|week|month] [--from D] [--to D] [--format csv]`: per period,
the people who are new, returning, resurrecting and dormant (negative), the same computation as
`portal.product.lifecycle`; `--stickiness` prints how many people were active on 1, 2, … days of
each week or month instead."""

from __future__ import annotations

import sys
from datetime import date

from portal.product.lifecycle import GRAINS, LifecycleError, lifecycle, stickiness
from portal.warehouse.connect import add_person_argument, open_for
from portal.warehouse.errors import QueryError


def register(sub) -> None:
    p = sub.add_parser("lifecycle", help="new, returning, resurrecting and dormant people per period (CSV)")
    p.add_argument("--grain", default="week", choices=GRAINS)
    p.add_argument("--from", dest="start", help="first day (default: data start; earlier activity still counts)")
    p.add_argument("--to", dest="end", help="last day (default: data end)")
    p.add_argument("--format", default="csv", choices=["csv"])
    p.add_argument("--stickiness", action="store_true", help="active days per week or month instead")
    p.add_argument("--db", help="warehouse file (default: the public twin from portal.toml)")
    add_person_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if (opened := open_for(args, "lifecycle")) is None:
        return 2
    _, wh, session = opened
    try:
        start = date.fromisoformat(args.start) if args.start else None
        end = date.fromisoformat(args.end) if args.end else None
        frame = (stickiness if args.stickiness else lifecycle)(session, args.grain, start, end)
    except (LifecycleError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except QueryError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        wh.close()
    from portal.csv_out import frame_csv

    sys.stdout.write(frame_csv(frame))
    return 0
