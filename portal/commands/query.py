"""`python -m portal query "SQL"`: run one read-only statement and print CSV (for scripting)."""

from __future__ import annotations

import sys

from portal.config import load_settings
from portal.identity import SignInRefused
from portal.warehouse.connect import add_person_argument, command_session
from portal.warehouse.errors import QueryError, WarehouseUnavailable


def register(sub) -> None:
    p = sub.add_parser("query", help="run one read-only SQL statement and print CSV")
    p.add_argument("sql", help="the SQL statement ('-' reads it from standard input)")
    p.add_argument("--db", help="warehouse file (default: the PII-free public twin from portal.toml)")
    p.add_argument("--max-rows", type=int, help="row cap (default from portal.toml)")
    p.add_argument("--timeout", type=float, help="time limit in seconds")
    add_person_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    settings = load_settings()
    changes = {}
    if args.max_rows is not None:
        if args.max_rows < 0:
            print("error: --max-rows must be zero or more", file=sys.stderr)
            return 2
        changes["max_rows"] = args.max_rows
    if args.timeout is not None:
        if args.timeout <= 0:
            print("error: --timeout must be positive", file=sys.stderr)
            return 2
        changes["timeout_seconds"] = args.timeout
    settings = settings.with_limits(**changes)
    sql = sys.stdin.read() if args.sql == "-" else args.sql
    try:
        warehouse, session = command_session(settings, args, "query")
    except (FileNotFoundError, WarehouseUnavailable, SignInRefused) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        result = session.run(sql, origin="command line")
    except QueryError as exc:
        print(f"{'refused' if exc.kind == 'refused' else 'error'}: {exc}", file=sys.stderr)
        return 2 if exc.kind == "refused" else 1
    finally:
        warehouse.close()
    from portal.csv_out import frame_csv

    sys.stdout.write(frame_csv(result.frame))
    if result.truncated:
        print(f"warning: result truncated at {result.max_rows} rows", file=sys.stderr)
    return 0
