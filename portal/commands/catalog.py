"""`python -m portal catalog [--format csv]`: one row per column (schema, table, column, type,
description, tests, freshness): what Home and the schema browser show, dbt's descriptions and test
results included when [dbt] target is set."""

from __future__ import annotations

import sys

from portal.warehouse.connect import add_person_argument, open_for


def register(sub) -> None:
    p = sub.add_parser("catalog", help="every column with its description, dbt tests and freshness (CSV)")
    p.add_argument("--format", default="csv", choices=["csv"])
    p.add_argument("--db", help="warehouse file (default: the public twin from portal.toml)")
    add_person_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from portal.csv_out import rows_csv
    from portal.dbt.artifacts import load_project
    from portal.dbt.docs import CATALOG_COLUMNS, catalog_rows, documented

    if (opened := open_for(args, "catalog")) is None:
        return 2
    settings, wh, session = opened
    try:
        catalog = documented(session.catalog(), load_project(settings.dbt_target))
    finally:
        wh.close()
    rows = catalog_rows(catalog)
    sys.stdout.write(rows_csv(CATALOG_COLUMNS, [[r[c] for c in CATALOG_COLUMNS] for r in rows]))
    return 0
