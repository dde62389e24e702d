"""Column lineage of the company's own build: each dbt model's compiled SQL read with sqlglot, so
"what if stripe.charges.amount were renamed?" reaches the models built from it, and through them
the saved queries, metrics, dashboards and pages downstream (`portal.library.build_lineage`)."""

from __future__ import annotations

from functools import cache

import sqlglot
from sqlglot import exp

from portal.dbt.artifacts import DbtProject
from portal.library.build_lineage import BuildLineage, follow


def dbt_lineage(project: DbtProject, catalog=None) -> BuildLineage:
    """Lineage over every model whose compiled SQL is known; models without it are named in
    `unread` (run `dbt compile`), never silently missing. The columns come from the warehouse's
    catalog, else from the artifacts' own (catalog.json)."""
    if catalog is not None:
        tables = [(t.schema, t.name, [c.name for c in t.columns]) for t in catalog.tables]
    else:
        tables = [(*r.name.split(".", 1), list(r.columns)) for r in project.relations.values()]
    schema = tuple(sorted((s.lower(), t.lower(), tuple(c.lower() for c in cols)) for s, t, cols in tables))
    models = tuple(sorted((r.name, r.compiled_sql or "") for r in project.models() if r.kind != "seed"))
    return _lineage(models, schema)


@cache
def _lineage(models: tuple, schema_key: tuple) -> BuildLineage:
    schema: dict = {}
    for s, t, cols in schema_key:
        schema.setdefault(s, {})[t] = {c: "VARCHAR" for c in cols}
    creates, unread = [], []
    for name, sql in models:
        if not sql:
            unread.append(f"{name}: no compiled SQL in the artifacts (run dbt compile or dbt build)")
            continue
        try:
            select = sqlglot.parse_one(sql, dialect="duckdb")
        except sqlglot.errors.SqlglotError as err:
            unread.append(f"{name}: {err}")
            continue
        if not isinstance(select, exp.Query):
            unread.append(f"{name}: not a SELECT")
            continue
        for table in select.find_all(exp.Table):
            table.set("catalog", None)  # "acme"."marts"."x": one DuckDB file, schema.table is the name
        creates.append((name, select, name))
    return follow(creates, schema, unread)


def personal_columns(project: DbtProject) -> list[str]:
    """The columns dbt marks personal and the source columns their values are computed from: a
    view's column is blank in the twin only when what it reads is."""
    marked = project.pii_columns()
    build = dbt_lineage(project)
    return sorted({*marked, *(src for col in marked for src in build.sources.get(col, ()))})
