"""`python -m portal audit [--user U] [--table T] [--kind K] [--since DATE] [--limit N]`: the audit
trail as CSV, newest first."""

from __future__ import annotations

import sys
from datetime import date, datetime

from portal.audit import KINDS, AuditFilter, AuditLog, export_rows
from portal.config import load_settings
from portal.csv_out import rows_csv


def register(sub) -> None:
    p = sub.add_parser("audit", help="print the audit trail as CSV (newest first)")
    p.add_argument("--user", default="")
    p.add_argument("--table", default="", help="rows whose SQL mentions this table, e.g. raw.users")
    p.add_argument("--kind", default="", choices=["", *KINDS])
    p.add_argument("--since", help="YYYY-MM-DD")
    p.add_argument("--limit", type=int, default=1000)
    p.set_defaults(func=run)


def run(args) -> int:
    try:
        since = (
            datetime.combine(date.fromisoformat(args.since), datetime.min.time()).timestamp() if args.since else None
        )
    except ValueError:
        print(f"error: --since must be a date like 2026-11-01, not {args.since!r}", file=sys.stderr)
        return 2
    rows = AuditLog(load_settings().state).query(
        AuditFilter(args.user.lower(), args.table, args.kind, since, None, max(1, args.limit))
    )
    sys.stdout.write(rows_csv(*export_rows(rows)))
    return 0
