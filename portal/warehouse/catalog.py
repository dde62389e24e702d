"""What is in the warehouse: schemas, tables, columns, descriptions, row counts and freshness.

Read from DuckDB's own catalog (duckdb_tables/duckdb_columns) so descriptions written with
COMMENT ON by the build are the single source of truth for Home, the schema browser and the linter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from portal.sqlfiles import load_sql
from portal.warehouse.errors import QueryError

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


def read_catalog(rows: Callable[[str], list[tuple]]) -> Catalog:
    """Read the catalog through `rows(sql)` (Session.catalog passes its own; metadata only, cheap)."""
    tables = rows(load_sql("catalog/tables"))
    cols: dict[tuple[str, str], list[Column]] = {}
    for schema, table, col, typ, desc, _ in rows(load_sql("catalog/columns")):
        cols.setdefault((schema, table), []).append(Column(col, typ, desc))
    out = tuple(Table(s, n, d, int(rc or 0), tuple(cols.get((s, n), ()))) for s, n, d, rc, _ in tables)
    return Catalog(out, _data_through(rows, out))


def _data_through(rows: Callable[[str], list[tuple]], tables: tuple[Table, ...]) -> str | None:
    """The freshness stamp the build records (analytics.build_info), if present."""
    if not any(t.full_name == "analytics.build_info" for t in tables):
        return None
    try:
        found = rows("SELECT max(data_through) FROM analytics.build_info")
    except QueryError:
        return None
    return str(found[0][0]) if found and found[0][0] is not None else None
