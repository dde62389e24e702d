"""A statement's rows, fetched with the row and cell caps, and how they travel between processes.

Fetching `max_rows + 1` rows tells "truncated" without counting the whole result (Datasette's habit);
long text is cut inside the query, so one huge cell never reaches memory whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:  # the worker processes import this module and never need pandas
    import pandas as pd


@dataclass
class QueryResult:
    """Rows of one statement, capped: `truncated` says more rows existed than were fetched."""

    sql: str
    columns: list[str]
    types: list[str]
    frame: pd.DataFrame
    truncated: bool
    elapsed_s: float
    max_rows: int
    kind: str = "select"

    @property
    def row_count(self) -> int:
        return len(self.frame)


def quote_ident(name: str) -> str:
    """A column name as a quoted DuckDB identifier (the only way names reach generated SQL here)."""
    return '"' + name.replace('"', '""') + '"'


_SCALAR = re.compile(
    r"^(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|"
    r"DECIMAL\(\d+,\d+\)|DATE|TIME|TIMESTAMP|TIMESTAMP WITH TIME ZONE|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS|"
    r"TIME WITH TIME ZONE|INTERVAL|UUID)$"
)


def fetch_capped(rel, limit: int, max_cell_chars: int | None) -> pa.Table:
    """At most `limit` rows of a relation with every cell bounded, whatever its type or name: text cut
    to `max_cell_chars` plus an ellipsis, and BLOBs, lists, structs, maps and other wide types shown as
    their text, cut the same way (issue #21, finding 7). Columns are addressed by position, so
    duplicate names (`SELECT repeat('x', 3e8) AS a, 1 AS a`) cannot skip the cap; the names are
    put back afterwards."""
    names, types = rel.columns, [str(t) for t in rel.types]
    if max_cell_chars is not None and any(not _SCALAR.match(t) for t in types):
        cap = int(max_cell_chars)
        cols = [f"c{i}" for i in range(len(names))]

        def bounded(col: str, typ: str) -> str:
            if _SCALAR.match(typ):
                return col
            text = col if typ == "VARCHAR" else f"CAST({col} AS VARCHAR)"
            return f"CASE WHEN length({text}) > {cap} THEN left({text}, {cap}) || '…' ELSE {text} END AS {col}"

        sql = f"SELECT {', '.join(bounded(c, t) for c, t in zip(cols, types, strict=True))} FROM _r AS _r({', '.join(cols)})"
        return rel.query("_r", sql).limit(limit).to_arrow_table().rename_columns(names)
    return rel.limit(limit).to_arrow_table()


def to_ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()


def rows_of(table: pa.Table) -> list[tuple]:
    """An Arrow table as Python row tuples (catalog facts: small)."""
    return list(zip(*(c.to_pylist() for c in table.columns), strict=True))


def unique_names(columns: list[str]) -> list[str]:
    """Column names made unique the way DuckDB's own clients do: a second `user_id` is `user_id_1`
    (every `SELECT *` over a join has one; a grid, a chart picker and a CSV need distinct names)."""
    seen: set[str] = set()
    out = []
    for name in columns:
        new, k = name, 0
        while new in seen:
            k += 1
            new = f"{name}_{k}"
        seen.add(new)
        out.append(new)
    return out


def to_frame(table: pa.Table, columns: list[str]) -> pd.DataFrame:
    """The rows as a frame whose columns are `columns`, made unique (`unique_names`)."""
    frame = table.rename_columns(unique_names(columns)).to_pandas()
    return frame
