"""The hardened query engine: one locked read-only DuckDB connection, one cursor per user session.

Why this shape: DuckDB settings are global to a database instance, so the instance is opened once
with external access, extension loading and replacement scans off, then its configuration is
locked before any user SQL runs. Each user session gets its own cursor, so `interrupt()` (cancel or
watchdog timeout) only ever stops that user's query.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from portal.config import Limits
from portal.errors import QueryCancelled, QueryError, QueryTimeout, from_duckdb
from portal.statements import Statement, check_statement


def hardened_config(limits: Limits) -> dict:
    """Connection settings that keep untrusted SQL inside the warehouse."""
    return {
        "access_mode": "READ_ONLY",
        "enable_external_access": False,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "python_enable_replacements": False,
        "threads": int(limits.threads),
        "memory_limit": str(limits.memory_limit),
        "max_execution_time": int(limits.timeout_seconds * 1000),
    }


def open_readonly(path: str | Path, limits: Limits) -> duckdb.DuckDBPyConnection:
    """Open `path` read-only and lock its configuration; raises FileNotFoundError if absent."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No warehouse at {path}. Build one with `python -m portal demo`.")
    con = duckdb.connect(str(path), config=hardened_config(limits))
    if _already_locked(con):  # this process opened the file before: the instance is shared and hardened
        return con
    con.execute("SET enable_progress_bar = false")
    con.execute("SET errors_as_json = true")
    con.execute("SET lock_configuration = true")
    return con


def _already_locked(con: duckdb.DuckDBPyConnection) -> bool:
    locked, external = con.execute(
        "SELECT current_setting('lock_configuration'), current_setting('enable_external_access')"
    ).fetchall()[0]
    return bool(locked) and not external


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


@dataclass
class Session:
    """One user's cursor on the shared warehouse, with its own cancel and time limit."""

    warehouse: Warehouse
    cursor: duckdb.DuckDBPyConnection
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cancelled: bool = False
    running_since: float | None = None

    def cancel(self) -> bool:
        """Stop this session's running query, if any; other sessions are untouched."""
        if self.running_since is None:
            return False
        self._cancelled = True
        self.cursor.interrupt()
        return True

    def relation(self, sql: str, params: dict | None = None) -> tuple[Statement, duckdb.DuckDBPyRelation]:
        """Check `sql` and return a lazy relation for it (nothing runs yet)."""
        limits = self.warehouse.limits
        stmt = check_statement(sql, limits.max_query_chars)
        try:
            rel = self.cursor.sql(stmt.sql, params=params or None)
        except duckdb.Error as exc:
            positioned = self._positioned(exc, stmt.sql, params)
            err = from_duckdb(positioned, sql, limits.timeout_seconds)
            if positioned is not exc and err.line is not None:
                err.line = max(1, err.line - 1)  # the bind ran as "EXPLAIN\n" + sql
            raise err from None
        if rel is None:  # defensive: only row-returning statements pass check_statement
            raise QueryError("The statement returned no rows.")
        return stmt, rel

    def run(self, sql: str, params: dict | None = None, max_rows: int | None = None,
            timeout_s: float | None = None) -> QueryResult:
        """Run one read-only statement with the row, cell and time limits applied."""
        stmt, rel, table, truncated, elapsed, max_rows = self._execute(sql, params, max_rows, timeout_s, cut_cells=True)
        frame = table.to_pandas(types_mapper=None)
        frame.columns = rel.columns
        return QueryResult(sql, list(rel.columns), [str(t) for t in rel.types], frame, truncated,
                           elapsed, max_rows, stmt.kind)

    def arrow(self, sql: str, params: dict | None = None, max_rows: int | None = None,
              timeout_s: float | None = None) -> pa.Table:
        """Same limits as `run`, but the rows stay in Arrow (for the logic package's own large, typed
        scans, e.g. a funnel's event stream): no pandas copy, no text cutting."""
        return self._execute(sql, params, max_rows, timeout_s, cut_cells=False)[2]

    def _execute(self, sql, params, max_rows, timeout_s, cut_cells):
        limits = self.warehouse.limits
        max_rows = limits.max_rows if max_rows is None else max_rows
        timeout_s = min(timeout_s or limits.timeout_seconds, limits.timeout_seconds)
        with self._lock:
            start = time.perf_counter()
            self._cancelled = False
            self.running_since = time.time()
            watchdog = threading.Timer(timeout_s, self._expire)
            watchdog.daemon = True
            watchdog.start()
            self._expired = False
            try:
                stmt, rel = self.relation(sql, params)
                table = self._fetch(rel, max_rows + 1, limits.max_cell_chars if cut_cells else None)
            except duckdb.Error as exc:
                err = from_duckdb(exc, sql, timeout_s)
                if isinstance(err, QueryCancelled) and self._expired:
                    err = QueryTimeout(f"The query ran past the time limit of {timeout_s:g} s and was stopped.")
                elif self._cancelled and not isinstance(err, QueryTimeout):
                    err = QueryCancelled()
                raise err from None
            finally:
                watchdog.cancel()
                self.running_since = None
            elapsed = time.perf_counter() - start
        truncated = table.num_rows > max_rows
        if truncated:
            table = table.slice(0, max_rows)
        return stmt, rel, table, truncated, elapsed, max_rows

    def _positioned(self, exc: duckdb.Error, sql: str, params: dict | None) -> duckdb.Error:
        """The relation API drops the error position; binding the same text through `execute`
        (as EXPLAIN, so nothing runs) yields the JSON error that carries it."""
        if not isinstance(exc, duckdb.BinderException | duckdb.CatalogException):
            return exc
        try:
            self.cursor.execute("EXPLAIN\n" + sql, params or None)
        except duckdb.Error as again:
            return again if type(again) is type(exc) else exc
        return exc

    def _expire(self) -> None:
        self._expired = True
        self.cursor.interrupt()

    @staticmethod
    def _fetch(rel: duckdb.DuckDBPyRelation, limit: int, max_cell_chars: int | None) -> pa.Table:
        """Fetch at most `limit` rows, cutting long text so one cell can't exhaust memory."""
        names = rel.columns
        if max_cell_chars is not None and len(set(names)) == len(names) and any(str(t) == "VARCHAR" for t in rel.types):
            exprs = []
            for name, typ in zip(names, rel.types, strict=True):
                q = '"' + name.replace('"', '""') + '"'
                if str(typ) == "VARCHAR":
                    exprs.append(
                        f"CASE WHEN length({q}) > {int(max_cell_chars)} "
                        f"THEN left({q}, {int(max_cell_chars)}) || '…' ELSE {q} END AS {q}"
                    )
                else:
                    exprs.append(q)
            rel = rel.project(", ".join(exprs))
        return rel.limit(limit).to_arrow_table()


class Warehouse:
    """The shared, locked connection; thread-safe to hand out cursors from."""

    def __init__(self, path: str | Path, limits: Limits):
        self.path = Path(path)
        self.limits = limits
        self.con = open_readonly(self.path, limits)
        self._cursor_lock = threading.Lock()

    def session(self) -> Session:
        with self._cursor_lock:
            cur = self.con.cursor()
        return Session(self, cur)

    def close(self) -> None:
        self.con.close()
