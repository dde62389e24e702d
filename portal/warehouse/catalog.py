"""What is in the warehouse: schemas, tables, columns, descriptions, row counts and freshness.

Read from DuckDB's own catalog (duckdb_tables/duckdb_columns) so descriptions written with
COMMENT ON by the build are the single source of truth for Home, the schema browser and the linter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from portal.sqlfiles import load_sql
from portal.warehouse.errors import QueryError

_REPLACEMENT = re.compile(r"Use (\w+\.\w+) instead", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    quality: str = ""  # the dbt tests of this column: "2 tests pass"


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    description: str
    row_count: int
    columns: tuple[Column, ...] = field(default_factory=tuple)
    raw: bool = False  # in one of portal.toml's [lint] raw_schemas: an unstable production dump
    quality: str = ""  # the dbt tests of this table and its columns: "12 tests pass, 1 fails"
    freshness: str = ""  # from dbt: "stale: loaded 2026-11-30 06:00 UTC (error after 24 hours)", "built …"

    @property
    def full_name(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def is_raw(self) -> bool:
        return self.raw

    @property
    def replacement(self) -> str | None:
        """For a raw dump, the analytics table its description points to."""
        m = _REPLACEMENT.search(self.description)
        return m.group(1) if m else None


@dataclass(frozen=True)
class Catalog:
    tables: tuple[Table, ...]
    data_through: str | None = None
    search_path: tuple[str, ...] = ("main",)  # where a bare name resolves, in order, as DuckDB does

    @property
    def schemas(self) -> list[str]:
        return list(dict.fromkeys(t.schema for t in self.tables))

    def table(self, name: str) -> Table | None:
        """The table `name` means, as DuckDB resolves it: schema.table (or db.schema.table) exactly;
        a bare name in the first schema of the search path that has it."""
        parts = name.lower().split(".")
        if len(parts) == 3:
            parts = parts[1:]  # the warehouse's own database name
        if len(parts) == 2:
            return next((t for t in self.tables if t.full_name.lower() == ".".join(parts)), None)
        for schema in self.search_path:
            for t in self.tables:
                if t.schema.lower() == schema.lower() and t.name.lower() == parts[0]:
                    return t
        return None

    def without(self, schemas: tuple[str, ...]) -> Catalog:
        """The catalog minus every table of `schemas` (a role's denied schemas)."""
        if not schemas:
            return self
        denied = {s.lower() for s in schemas}
        return replace(self, tables=tuple(t for t in self.tables if t.schema.lower() not in denied))

    def elsewhere(self, name: str) -> list[Table]:
        """Tables called `name` in schemas off the search path (for "write raw.users")."""
        return [t for t in self.tables if t.name.lower() == name.lower()]

    def search(self, text: str) -> list[Table]:
        """Tables whose name, description or a column matches `text` (case-insensitive)."""
        text = text.strip().lower()
        if not text:
            return list(self.tables)
        return [
            t
            for t in self.tables
            if text in t.full_name.lower()
            or text in t.description.lower()
            or any(text in c.name.lower() or text in c.description.lower() for c in t.columns)
        ]


def read_catalog(rows: Callable[[str], list[tuple]], model=None, raw_schemas: tuple[str, ...] = ()) -> Catalog:
    """Read the catalog through `rows(sql)` (Session.catalog passes its own; metadata only, cheap).
    Tables and views of every schema; freshness from the semantic model (`model.freshness_sql`)."""
    tables = rows(load_sql("catalog/tables"))
    cols: dict[tuple[str, str], list[Column]] = {}
    for schema, table, col, typ, desc, _ in rows(load_sql("catalog/columns")):
        cols.setdefault((schema, table), []).append(Column(col, typ, desc))
    raw = {r.lower() for r in raw_schemas}
    out = tuple(
        Table(s, n, d, int(rc or 0), tuple(cols.get((s, n), ())), s.lower() in raw) for s, n, d, rc, _ in tables
    )
    search_path = tuple(model.search_path) if model is not None else ("main",)
    return Catalog(out, _data_through(rows, model), search_path)


def _data_through(rows: Callable[[str], list[tuple]], model) -> str | None:
    """ "Data through": the model's freshness column, else its events' last day; None without either."""
    try:
        sql = model.freshness_sql() if model is not None else None
        found = rows(sql) if sql else None
    except (QueryError, ValueError):
        return None
    return str(found[0][0]) if found and found[0][0] is not None else None
