"""A statement's rows, fetched with the row and cell caps, and how they travel between processes.

Fetching `max_rows + 1` rows tells "truncated" without counting the whole result (Datasette's habit);
long text is cut inside the query, so one huge cell never reaches memory whole.
"""

from __future__ import annotations

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


def fetch_capped(rel, limit: int, max_cell_chars: int | None) -> pa.Table:
    """At most `limit` rows of a relation, long VARCHAR cells cut to `max_cell_chars` plus an ellipsis."""
    names, types = rel.columns, [str(t) for t in rel.types]
    if max_cell_chars is not None and len(set(names)) == len(names) and "VARCHAR" in types:
        cap = int(max_cell_chars)
        exprs = [
            f"CASE WHEN length({q}) > {cap} THEN left({q}, {cap}) || '…' ELSE {q} END AS {q}" if typ == "VARCHAR" else q
            for q, typ in ((quote_ident(n), t) for n, t in zip(names, types, strict=True))
        ]
        rel = rel.project(", ".join(exprs))
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


def to_frame(table: pa.Table, columns: list[str]) -> pd.DataFrame:
    frame = table.to_pandas()
    frame.columns = columns  # duplicate names survive (Arrow keeps them, pandas would dedupe)
    return frame
