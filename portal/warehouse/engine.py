"""The one way into the warehouse: a `Warehouse` per file and a `Session` per user.

Every read of data goes through a Session, so limits, cancel, timeouts, row caps (and, with the
sign-in work, permissions and auditing) are enforced in one place:

- analysts' SQL (typed, saved, shared, metric definitions) runs in a worker process of the
  `WorkerPool`, under a deadline and a memory cap, on a fresh cursor (nothing it creates outlives it);
- the portal's own SQL (`portal/sql/*.sql` and the product pages' generated scans, values always
  bound) runs in this process, on a fresh cursor of the hardened connection, under a watchdog,
  because a funnel's event stream is too large to copy between processes.

A rebuilt warehouse file (`portal demo` swaps in a new one) is noticed on the next call and
reopened, here and in the workers.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from portal.audit import AuditLog
from portal.config import Limits
from portal.identity import User
from portal.model import Model, schema_of
from portal.warehouse.catalog import Catalog, read_catalog
from portal.warehouse.contract import DUCKDB
from portal.warehouse.errors import QueryCancelled, QueryError, QueryTimeout, WarehouseUnavailable, from_duckdb
from portal.warehouse.event_index import open_index
from portal.warehouse.executor import Ticket, WorkerPool
from portal.warehouse.guard import Estimate, estimate_from_plans
from portal.warehouse.hardening import file_version, open_readonly
from portal.warehouse.permissions import check_plan
from portal.warehouse.results import QueryResult, from_ipc, rows_of, to_frame, unique_names
from portal.warehouse.session_base import PolicySession
from portal.warehouse.twin import ensure_twin_current

_POOLS: dict[tuple, WorkerPool] = {}
_POOLS_LOCK = threading.Lock()


def worker_pool(limits: Limits) -> WorkerPool:
    """One pool per process and set of limits, shared by both warehouse files."""
    key = (limits.workers, limits.threads, limits.memory_limit, limits.slow_after_seconds, limits.per_user_statements)
    with _POOLS_LOCK:
        if key not in _POOLS:
            _POOLS[key] = WorkerPool(
                limits.workers,
                limits.threads,
                limits.memory_limit,
                slow_after_seconds=limits.slow_after_seconds,
                per_user=limits.per_user_statements,
            )
        return _POOLS[key]


class Warehouse:
    """One hardened read-only file; hands out sessions. Thread-safe."""

    def __init__(self, path: str | Path, limits: Limits, model: Model | None = None, source: Path | None = None):
        self.path = Path(path)
        self.limits = limits
        self.model = model or Model()  # which tables the product pages read; how bare names resolve
        self.source = Path(source) if source else None  # for a PII-free twin: the warehouse it copies
        self.search_path = ",".join(self.model.search_path)
        if self.source is not None:
            ensure_twin_current(self.source, self.path)
        self._lock = threading.Lock()
        self._config = {"threads": limits.threads, "memory_limit": limits.app_memory_limit}
        self._con = open_readonly(self.path, self._config)
        self.version = file_version(self.path)
        self._check_search_path()
        self.pool = worker_pool(limits)

    def _check_search_path(self) -> None:
        """Every schema of [model] search_path must be in this file: a configuration meant for another
        warehouse (the demo's, with --db pointing elsewhere) is a plain message, not an engine error."""
        have = {r[0].lower() for r in self._con.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()}
        missing = [s for s in self.model.search_path if s.lower() not in have]
        if missing:
            self._con.close()
            raise WarehouseUnavailable(
                f"{self.path} has no schema {', '.join(missing)}, which [model] search_path in the configuration "
                f"names (this file has: {', '.join(sorted(have - {'information_schema', 'pg_catalog'}))}). Use the "
                "configuration written for this file (PORTAL_CONFIG=…/portal.toml), or fix its search_path."
            )

    def session(self, principal: User, audit: AuditLog, denied_schemas: tuple[str, ...]) -> Session:
        """A session for `principal` (a person, or a named system principal such as a role's shared
        results), recorded in `audit`, refused `denied_schemas`. Nothing is optional: a caller that
        forgets one fails here instead of running privileged or unaudited."""
        return Session(self, principal, audit, denied_schemas)

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A fresh cursor on the current file, reopening it first if it was rebuilt."""
        with self._lock:
            try:
                now = file_version(self.path)
            except FileNotFoundError:
                now = self.version
            if now != self.version:
                self._con.close()
                self._con = open_readonly(self.path, self._config)
                self.version = now
            if self.source is not None:
                ensure_twin_current(self.source, self.path)  # never serve a twin older than its warehouse
            cur = self._con.cursor()
            cur.execute("SET search_path = ?", [self.search_path])
            return cur

    def close(self) -> None:
        with self._lock:
            self._con.close()


class Session(PolicySession):
    """One user's way into one warehouse: its own cancel, time limit and one statement at a time
    (`contract.WarehouseSession`); its statements run in worker processes that check them."""

    capabilities = DUCKDB

    def __init__(self, warehouse: Warehouse, principal: User, audit: AuditLog, denied_schemas: tuple[str, ...]):
        super().__init__(warehouse, principal, audit, denied_schemas)
        self._lock = threading.Lock()
        self._ticket: Ticket | None = None
        self._cursor: duckdb.DuckDBPyConnection | None = None
        self._cancelled = False

    @property
    def cache_key(self) -> tuple:
        """What facts about the data are remembered by: this file as it is now, and the model."""
        path = self.warehouse.path
        return (str(path), path.stat().st_mtime_ns, str(self.model))

    # ------------------------------------------------------------------ analysts' SQL (worker processes)
    def run(
        self,
        sql: str,
        params: dict | None = None,
        max_rows: int | None = None,
        timeout_s: float | None = None,
        *,
        origin: str = "",
    ) -> QueryResult:
        """Run one read-only statement with the row, cell, memory and time limits applied."""
        max_rows = self.limits.max_rows if max_rows is None else max_rows
        reply = self._call(
            {
                "op": "run",
                "origin": origin,
                "sql": sql,
                "params": params,
                "max_rows": max_rows,
                "max_cell_chars": self.limits.max_cell_chars,
            },
            timeout_s,
        )
        table = from_ipc(reply.pop("ipc"))
        truncated = table.num_rows > max_rows
        if truncated:
            table = table.slice(0, max_rows)
        return QueryResult(
            sql,
            unique_names(reply["columns"]),
            reply["types"],
            to_frame(table, reply["columns"]),
            truncated,
            reply["elapsed"],
            max_rows,
            reply["kind"],
        )

    def check(self, sql: str, params: dict | None = None, *, origin: str = "") -> None:
        """Bind `sql` against the schema without running it; raises QueryError for what would fail."""
        self._call({"op": "bind", "sql": sql, "params": params, "origin": origin}, None)

    def estimate(
        self, sql: str, params: dict | None = None, table_rows: dict[str, int] | None = None, *, origin: str = ""
    ) -> Estimate:
        """What `sql` would scan and return, from the optimizer's plan (nothing runs)."""
        # The estimate is advice: the optimizer can fold a constant expression (running it), so it gets
        # a short deadline of its own; past it the run goes ahead under the statement's full limit.
        reply = self._call(
            {"op": "explain", "sql": sql, "params": params, "origin": origin}, self.limits.estimate_seconds
        )
        return estimate_from_plans(json.loads(reply["plans"]), table_rows or {})

    def download(
        self, sql: str, params: dict | None, fmt: str, max_rows: int | None = None, *, origin: str = ""
    ) -> tuple[bytes, bool]:
        """The full result (up to `download_max_rows` rows and `download_max_bytes` bytes) as CSV or
        Parquet bytes, and whether it was capped."""
        cap = self.limits.download_max_rows
        reply = self._call(
            {
                "op": "download",
                "sql": sql,
                "params": params,
                "fmt": fmt,
                "max_rows": min(max_rows or cap, cap),
                "max_bytes": self.limits.download_max_bytes,
                "origin": origin,
            },
            None,
        )
        return reply["data"], reply["capped"]

    def _call(self, request: dict, timeout_s: float | None) -> dict:
        wh = self.warehouse
        timeout_s = min(timeout_s or self.limits.timeout_seconds, self.limits.timeout_seconds)
        request = {
            **request,
            "path": str(wh.path),
            "max_chars": self.limits.max_query_chars,
            "denied_schemas": self.denied_schemas,
            "search_path": wh.search_path,
            "ceiling_rows": self.limits.ceiling_rows if request["op"] in ("run", "download") else None,
        }
        with self._lock:
            wh._cursor().close()  # notices a rebuilt file before the worker is asked
            request["version"] = wh.version
            # per-person admission: a demo persona is not a person, so there it is the browser session
            self._ticket = Ticket(owner=self.user.admission_key)
            self.running_since = time.time()
            started = time.perf_counter()
            try:
                reply = wh.pool.call(request, timeout_s, self._ticket)
            except QueryError as err:
                self._record(request, err.kind, started, None, err.message)
                raise
            finally:
                self._ticket = None
                self.running_since = None
            self._record(request, "ok", started, reply, None)
            return reply

    def _record(self, request: dict, status: str, started: float, reply: dict | None, detail: str | None) -> None:
        """Every operation goes to the audit trail, refused and failed ones included: statements,
        downloads, and the lint bind and size estimate (they read the schema and the optimizer)."""
        kind = {"run": "statement", "download": "download", "bind": "lint", "explain": "estimate"}[request["op"]]
        self.recorded(
            kind,
            request.get("origin"),
            status,
            request["sql"],
            request.get("params"),
            started,
            rows=reply.get("rows") if reply else None,
            bytes=len(reply["data"]) if reply and "data" in reply else None,
            detail=detail,
        )

    @property
    def queue_position(self) -> int:
        """0 while running or idle; otherwise this session's place in the queue for a worker."""
        ticket = self._ticket
        return ticket.position if ticket is not None else 0

    def cancel(self) -> bool:
        """Stop this session's running statement, if any; other sessions are untouched."""
        ticket, cursor = self._ticket, self._cursor
        if ticket is not None:
            ticket.cancel()
        if cursor is not None:
            self._cancelled = True
            cursor.interrupt()
        return ticket is not None or cursor is not None

    # ------------------------------------------------------------------ the portal's own SQL (this process)
    def scan(self, sql: str, params: dict | None = None, timeout_s: float | None = None) -> pa.Table:
        """Rows of the portal's own SQL as Arrow (a funnel's event stream, a cohort's members): no
        row cap, no copy between processes, but the same time limit and cancel."""
        timeout_s = min(timeout_s or self.limits.timeout_seconds, self.limits.timeout_seconds)
        with self._lock:
            cur = self.warehouse._cursor()
            self._cursor, self._cancelled, expired = cur, False, threading.Event()

            def expire():
                expired.set()
                cur.interrupt()

            watchdog = threading.Timer(timeout_s, expire)
            watchdog.daemon = True
            watchdog.start()
            self.running_since = time.time()
            try:
                check_plan(cur, sql, params, self.denied_schemas, functions=False)  # the portal's own SQL
                return cur.sql(sql, params=params or None).to_arrow_table()
            except duckdb.Error as exc:
                err = from_duckdb(exc, sql, timeout_s)
                if isinstance(err, QueryCancelled) and expired.is_set():
                    err = QueryTimeout(f"The query ran past the time limit of {timeout_s:g} s and was stopped.")
                elif self._cancelled:
                    err = QueryCancelled()
                raise err from None
            finally:
                watchdog.cancel()
                self._cursor = None
                self.running_since = None
                cur.close()

    def event_index(self):
        """The warehouse's compact event index (`event_index.py`) when it is built and current, and
        this session may read the events table's schema; else None, and callers query instead."""
        events = self.model.events
        denied = {d.lower() for d in self.denied_schemas}
        if events is None or any(schema_of(t, self.model) in denied for t in events.tables()):
            return None
        return open_index(self.warehouse.path, events)

    def frame(self, sql: str, params: dict | None = None):
        """The portal's own SQL as a pandas frame (small results: catalog facts, product summaries)."""
        return self.scan(sql, params).to_pandas()

    def catalog(self) -> Catalog:
        """Schemas, tables, columns, descriptions, row counts and freshness of this warehouse, without
        the schemas this session may not read (their tables' names, columns and counts are not shown)."""
        return read_catalog(self._rows, self.model, self.model.raw_schemas).without(self.denied_schemas)

    def _rows(self, sql: str, params: dict | None = None) -> list[tuple]:
        return rows_of(self.scan(sql, params))


__all__ = ["QueryError", "QueryResult", "Session", "Warehouse", "worker_pool"]
