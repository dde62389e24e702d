"""`python -m portal impact SCHEMA.TABLE[.COLUMN] --change rename|drop|type|unit [--format csv]`: every
consumer a change to a source would reach (dbt models or the demo's build, saved queries, metrics,
dashboards, alerts, API answers, the model's pages, dbt exposures), each marked *breaks* or *silently
wrong*. Exit 1 when anything breaks, so a data team can run it in CI on the columns a pull request
changes; 0 when nothing breaks (silently wrong numbers are listed, and are the reviewer's call)."""

from __future__ import annotations

import sys

from portal.warehouse.connect import add_person_argument, open_for


def register(sub) -> None:
    p = sub.add_parser(
        "impact", help="what a source change would break or silently falsify (exit 1 if anything breaks)"
    )
    p.add_argument("target", metavar="SCHEMA.TABLE[.COLUMN]")
    p.add_argument("--change", required=True, choices=("rename", "drop", "type", "unit"))
    p.add_argument("--format", default="text", choices=("text", "csv"))
    p.add_argument("--db", help="warehouse file (default: the public twin from portal.toml)")
    add_person_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from portal.audit import AuditLog
    from portal.library.consumers import gather, impact

    parts = args.target.split(".")
    if len(parts) not in (2, 3) or not all(parts):
        print(f"error: {args.target!r} is not schema.table or schema.table.column", file=sys.stderr)
        return 2
    if (opened := open_for(args, "impact")) is None:
        return 2
    settings, wh, session = opened
    try:
        catalog = session.catalog()
        table = ".".join(parts[:2])
        found = catalog.table(table)
        column = parts[2] if len(parts) == 3 else None
        if found is None or (column and not any(c.name.lower() == column.lower() for c in found.columns)):
            print(f"error: no {args.target} in the warehouse (python -m portal catalog lists what is)", file=sys.stderr)
            return 2
        everyone = gather(settings, session, catalog, AuditLog(settings.state))
        rows = impact(everyone.build, everyone.build_kind, everyone.users, table, column, args.change)
    finally:
        wh.close()
    for note in everyone.build.unread:
        print(f"note: {note}", file=sys.stderr)
    if args.format == "csv":
        from portal.csv_out import rows_csv

        sys.stdout.write(
            rows_csv(
                ["verdict", "kind", "consumer", "title", "why"],
                [(a.verdict, a.kind, a.id, a.title, a.why) for a in rows],
            )
        )
    else:
        for a in rows:
            print(f"{a.verdict.upper():15} {a.kind:15} {a.id}: {a.why}")
        breaks = sum(a.verdict == "breaks" for a in rows)
        print(f"{len(rows)} affected: {breaks} break, {len(rows) - breaks} silently wrong")
    return 1 if any(a.verdict == "breaks" for a in rows) else 0
