"""What is in the warehouse: schemas, tables, columns, descriptions, row counts and freshness.

Read from DuckDB's own catalog (duckdb_tables/duckdb_columns) so descriptions written with
COMMENT ON by the build are the single source of truth for Home, the schema browser and the linter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from portal.sqlfiles import load_sql

_REPLACEMENT = re.compile(r"Use (analytics\.\w+) instead", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    description: str
    row_count: int
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def full_name(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def is_raw(self) -> bool:
        return self.schema == "raw"

    @property
    def replacement(self) -> str | None:
        """For a raw dump, the analytics table its description points to."""
        m = _REPLACEMENT.search(self.description)
        return m.group(1) if m else None


@dataclass(frozen=True)
class Catalog:
    tables: tuple[Table, ...]
    data_through: str | None = None

    @property
    def schemas(self) -> list[str]:
        return list(dict.fromkeys(t.schema for t in self.tables))

    def table(self, name: str) -> Table | None:
        name = name.lower()
        for t in self.tables:
            if t.full_name.lower() == name or (t.name.lower() == name and t.schema == "analytics"):
                return t
        return None

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


def read_catalog(con: duckdb.DuckDBPyConnection) -> Catalog:
    """Read the catalog through any connection or cursor (cheap: metadata only)."""
    tables = con.execute(load_sql("catalog/tables")).fetchall()
    cols: dict[tuple[str, str], list[Column]] = {}
    for schema, table, col, typ, desc, _ in con.execute(load_sql("catalog/columns")).fetchall():
        cols.setdefault((schema, table), []).append(Column(col, typ, desc))
    out = tuple(
        Table(s, n, d, int(rc or 0), tuple(cols.get((s, n), ()))) for s, n, d, rc, _ in tables
    )
    return Catalog(out, _data_through(con, out))


def _data_through(con: duckdb.DuckDBPyConnection, tables: tuple[Table, ...]) -> str | None:
    """The freshness stamp the build records (analytics.build_info), if present."""
    if not any(t.full_name == "analytics.build_info" for t in tables):
        return None
    try:
        rows = con.execute("SELECT max(data_through) FROM analytics.build_info").fetchall()
    except duckdb.Error:
        return None
    return str(rows[0][0]) if rows and rows[0][0] is not None else None
