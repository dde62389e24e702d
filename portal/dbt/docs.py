"""dbt's descriptions, test results and freshness on the portal's catalog: what Home, the schema
browser, completion and `python -m portal catalog` show. The warehouse's own comments stay where
dbt says nothing."""

from __future__ import annotations

from dataclasses import replace

from portal.dbt.artifacts import DbtProject
from portal.warehouse.catalog import Catalog, Table


def documented(catalog: Catalog, project: DbtProject | None) -> Catalog:
    """The catalog with each table dbt knows described, its tests summed up and its freshness said."""
    if project is None:
        return catalog
    return replace(
        catalog,
        tables=tuple(_table(t, project) for t in catalog.tables),
        data_through=catalog.data_through or data_through(project),
    )


def data_through(project: DbtProject) -> str | None:
    """The day every source with a freshness check had been loaded through (the oldest newest load):
    "data through" when the semantic model names no freshness column."""
    loads = [
        r.freshness.at for r in project.relations.values() if r.kind == "source" and r.freshness and r.freshness.at
    ]
    return min(loads)[:10] if loads else None


def _table(table: Table, project: DbtProject) -> Table:
    rel = project.relation(table.full_name)
    if rel is None:
        return table
    columns = tuple(
        replace(c, description=rel.columns.get(c.name.lower()) or c.description, quality=rel.quality(c.name))
        for c in table.columns
    )
    return replace(
        table,
        description=rel.description or table.description,
        columns=columns,
        quality=rel.quality(),
        freshness=rel.freshness.text() if rel.freshness else "",
    )


CATALOG_COLUMNS = ["schema", "table", "column", "type", "description", "tests", "freshness"]


def catalog_rows(catalog: Catalog) -> list[dict]:
    """One row per column: the same facts Home and the schema browser show."""
    return [
        {
            "schema": t.schema,
            "table": t.name,
            "column": c.name,
            "type": c.type,
            "description": c.description,
            "tests": c.quality,
            "freshness": t.freshness,
        }
        for t in catalog.tables
        for c in t.columns
    ]
