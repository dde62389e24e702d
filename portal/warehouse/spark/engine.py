"""The Spark Connect engine behind the same seam as DuckDB's: a `SparkWarehouse` per cluster and
view (the full schemas, or the PII-free twin's `public_*` ones) and a `SparkSession` per user, with
the methods pages already call (run, check, estimate, download, cancel, scan, frame, catalog).

Every statement, the analyst's or the portal's, is written in the portal's SQL (DuckDB's dialect),
checked (denied schemas included), translated by sqlglot, its schema names pointed at this view's
databases, and run under a tag of its own, so a time limit or Cancel interrupts exactly that operation
on the cluster. The databases are the company's own, read from the cluster: each `x` with its
PII-free twin `public_x` (review #3: `raw` and `analytics` were hard-coded).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from functools import lru_cache

import pyarrow as pa

from portal.audit import AuditLog
from portal.config import Limits
from portal.identity import User
from portal.model import Model
from portal.warehouse.catalog import Catalog
from portal.warehouse.contract import SPARK
from portal.warehouse.downloads import write_capped
from portal.warehouse.errors import (
    SERVER_PATH,
    QueryCancelled,
    QueryError,
    QueryRefused,
    QueryTimeout,
    _timeout_message,
)
from portal.warehouse.guard import Estimate, refusal
from portal.warehouse.results import QueryResult, rows_of, to_frame, unique_names
from portal.warehouse.session_base import PolicySession
from portal.warehouse.spark.statements import (
    SparkStatementError,
    check_functions,
    check_spark_statement,
    point_schemas,
    translate,
)
from portal.warehouse.statements import check_statement

TWIN_PREFIX = "public_"  # the PII-free twin of database x is public_x (python -m portal cluster load)
_SYSTEM = {"default", "global_temp", "information_schema"}


def view_schemas(databases, public: bool) -> dict[str, str]:
    """The analyst's schema names -> this view's databases: every database of the company (not a
    twin, not Spark's own), itself for the full view, its twin for the public one (only those that
    have a twin: a database without one is not readable without PII rights)."""
    names = {d.lower() for d in databases}
    ours = sorted(d for d in names if not d.startswith(TWIN_PREFIX) and d not in _SYSTEM)
    if not public:
        return {d: d for d in ours}
    return {d: TWIN_PREFIX + d for d in ours if TWIN_PREFIX + d in names}


class SparkWarehouse:
    """One view of the warehouse on a Spark Connect cluster; hands out sessions. Thread-safe."""

    def __init__(
        self,
        url: str,
        limits: Limits,
        public: bool = False,
        model: Model | None = None,
        schemas: dict[str, str] | None = None,
    ):
        """`schemas` (the analyst's name -> the cluster's database) when given, else read from the
        cluster on first use (`view_schemas`)."""
        self.url = url
        self.limits = limits
        self.model = model or Model()  # the same semantic model as on DuckDB
        self.public = public
        self._schemas = dict(schemas) if schemas is not None else None
        self.version = (url, public)
        self._builtins: frozenset[str] | None = None

    @property
    def schemas(self) -> dict[str, str]:
        if self._schemas is None:
            rows = self.client().sql("SHOW DATABASES").collect()
            self._schemas = view_schemas([r[0] for r in rows], self.public)
        return self._schemas

    @property
    def schema_key(self) -> tuple:
        """The view's schema map, hashable, for the translation caches."""
        return tuple(sorted(self.schemas.items()))

    def client(self, analyst: bool = False):
        """This process's Spark Connect client for the URL: the hardened one for analysts' statements,
        the plain one for the portal's own SQL (each shared by every session: statements carry their
        own tags, and nothing an analyst sends can change session state)."""
        from portal.warehouse.spark.cluster import client

        return client(self.url, analyst)

    def builtins(self) -> frozenset[str]:
        """The cluster's built-in function names (asked once)."""
        if self._builtins is None:
            rows = self.client().sql("SHOW SYSTEM FUNCTIONS").collect()
            self._builtins = frozenset(r[0].lower() for r in rows)
        return self._builtins

    def session(self, principal: User, audit: AuditLog, denied_schemas: tuple[str, ...]) -> SparkSession:
        """As `Warehouse.session`: a principal, an audit log and denied schemas, none optional."""
        return SparkSession(self, principal, audit, denied_schemas)

    def close(self) -> None:
        from portal.warehouse.spark.cluster import close_clients

        close_clients(self.url)


class SparkSession(PolicySession):
    """One user's way into the cluster: one statement at a time, its own tag for Cancel."""

    capabilities = SPARK

    def __init__(self, warehouse: SparkWarehouse, principal: User, audit: AuditLog, denied_schemas: tuple[str, ...]):
        super().__init__(warehouse, principal, audit, denied_schemas)
        self._lock = threading.Lock()
        self._tag: str | None = None
        self._client = None  # the client of the operation under way
        self._cancelled = False
        self.queue_position = 0  # the cluster's scheduler queues; the portal does not

    @property
    def cache_key(self) -> tuple:
        """What facts about the data are remembered by: the cluster, the view and the model."""
        return (*self.warehouse.version, str(self.model))

    # ------------------------------------------------------------------ analysts' SQL
    def prepare(self, sql: str) -> str:
        """The analyst's statement as Spark SQL for this view, or QueryRefused saying why not."""
        stmt = check_statement(sql, self.limits.max_query_chars)
        if stmt.kind != "select":
            raise QueryRefused(f"{stmt.kind.upper()} is not available on the Spark engine; run the query itself.")
        spark_sql = _prepared(stmt.sql, self.warehouse.schema_key, self.denied_schemas)
        try:
            check_functions(spark_sql, self.warehouse.builtins())
        except SparkStatementError as err:
            raise QueryRefused(str(err)) from None
        return spark_sql

    def run(
        self, sql: str, params=None, max_rows: int | None = None, timeout_s: float | None = None, *, origin: str = ""
    ) -> QueryResult:
        """One read-only statement with the row, cell and time limits applied on the cluster."""
        max_rows = self.limits.max_rows if max_rows is None else max_rows
        started = time.perf_counter()
        try:
            spark_sql = self.prepare(sql)
            table, columns, types = self._collect(spark_sql, params, max_rows + 1, timeout_s, cap_cells=True)
        except QueryError as err:
            self._record("statement", sql, params, err.kind, started, None, err.message, origin=origin)
            raise
        truncated = table.num_rows > max_rows
        if truncated:
            table = table.slice(0, max_rows)
        self._record("statement", sql, params, "ok", started, table.num_rows, None, origin=origin)
        return QueryResult(
            sql,
            unique_names(columns),
            types,
            to_frame(table, columns),
            truncated,
            time.perf_counter() - started,
            max_rows,
            "select",
        )

    def check(self, sql: str, params=None, *, origin: str = "") -> None:
        """Analyse (bind) without running: unknown names and type errors come back as QueryError."""
        self._audited("lint", sql, params, origin, lambda s: self._df(s, params).schema)

    def estimate(
        self, sql: str, params=None, table_rows: dict[str, int] | None = None, *, origin: str = ""
    ) -> Estimate:
        """What the statement would scan and return, from Spark's own plan statistics (EXPLAIN COST)."""
        text = self._audited(
            "estimate", sql, params, origin, lambda s: self._df("EXPLAIN COST " + s, params).collect()[0][0]
        )
        return estimate_from_cost(text, {v: k for k, v in self.warehouse.schemas.items()}, table_rows or {})

    def _audited(self, kind: str, sql: str, params, origin: str, work):
        """A bind or an estimate under its short deadline, recorded like every operation."""
        started = time.perf_counter()
        try:
            spark_sql = self.prepare(sql)
            out = self._guarded(lambda: work(spark_sql), self.limits.estimate_seconds, analyst=True)
        except QueryError as err:
            self._record(kind, sql, params, err.kind, started, None, err.message, origin=origin)
            raise
        self._record(kind, sql, params, "ok", started, None, None, origin=origin)
        return out

    def download(
        self, sql: str, params, fmt: str, max_rows: int | None = None, *, origin: str = ""
    ) -> tuple[bytes, bool]:
        cap = min(max_rows or self.limits.download_max_rows, self.limits.download_max_rows)
        started = time.perf_counter()
        try:
            spark_sql = self.prepare(sql)
            table, _, _ = self._collect(spark_sql, params, cap + 1, None, cap_cells=False)
        except QueryError as err:
            self._record("download", sql, params, err.kind, started, None, err.message, origin=origin)
            raise
        data, capped = write_capped(
            pa.RecordBatchReader.from_batches(table.schema, table.to_batches()),
            fmt,
            cap,
            self.limits.download_max_bytes,
        )
        self._record("download", sql, params, "ok", started, min(table.num_rows, cap), None, len(data), origin=origin)
        return data, capped

    def cancel(self) -> bool:
        """Interrupt this session's operation on the cluster (its tag); other users' keep running."""
        tag, client = self._tag, self._client
        if tag is None or client is None:
            return False
        self._cancelled = True
        client.interruptTag(tag)
        return True

    # ------------------------------------------------------------------ the portal's own SQL
    def scan(self, sql: str, params=None, timeout_s: float | None = None) -> pa.Table:
        """The portal's own SQL (its DuckDB dialect, translated), as Arrow; no row cap."""
        spark_sql = _prepared_own(sql, self.warehouse.schema_key, self.denied_schemas)
        return self._guarded(lambda: self._df(spark_sql, params).toArrow(), timeout_s)

    def frame(self, sql: str, params=None):
        return self.scan(sql, params).to_pandas()

    def grouped(self, sql: str, params, fn, schema: str, buckets: int = 8, timeout_s: float | None = None) -> pa.Table:
        """Push a per-person pass down to the executors: the rows of the portal's `sql` grouped by a
        hash of `user_id` into `buckets`, each group handed to `fn` (Arrow in, Arrow out) on an
        executor's Python; only `fn`'s output comes back."""
        from pyspark.sql import functions as F

        spark_sql = _prepared_own(sql, self.warehouse.schema_key, self.denied_schemas)

        def job():
            df = self._df(spark_sql, params)
            return df.groupBy(F.pmod(F.hash("user_id"), F.lit(buckets))).applyInArrow(fn, schema).toArrow()

        return self._guarded(job, timeout_s)

    def event_index(self):
        return None  # the cluster's storage is not memory-mapped here; passes run on the executors

    def catalog(self) -> Catalog:
        from portal.warehouse.spark.catalog import read_spark_catalog

        return read_spark_catalog(self.warehouse.client(), self.warehouse.schemas, self._rows, self.model).without(
            self.denied_schemas
        )

    def _rows(self, sql: str, params=None) -> list[tuple]:
        return rows_of(self.scan(sql, params))

    # ------------------------------------------------------------------ machinery
    def _df(self, spark_sql: str, params):
        return self._client.sql(spark_sql, args=_args(params))

    def _collect(self, spark_sql, params, limit, timeout_s, cap_cells):
        def job():
            self._refuse_beyond_ceiling(spark_sql, params)
            df = self._df(spark_sql, params)
            columns = list(df.columns)
            types = [f.dataType.simpleString().upper() for f in df.schema.fields]
            if cap_cells:
                df = _cap_cells(df, self.limits.max_cell_chars)
            return df.limit(limit).toArrow(), columns, types

        return self._guarded(job, timeout_s, analyst=True)

    def _refuse_beyond_ceiling(self, spark_sql: str, params) -> None:
        """The seam's size ceiling, as on DuckDB (review #3: Spark had none): rows the optimized plan
        reads or produces, from its statistics, beyond `ceiling_rows` are refused before running."""
        text = self._df("EXPLAIN COST " + spark_sql, params).collect()[0][0]
        est = estimate_from_cost(text, {v: k for k, v in self.warehouse.schemas.items()}, {})
        if why := refusal(est, self.limits.ceiling_rows):
            raise QueryRefused(why)

    def _guarded(self, job, timeout_s: float | None, analyst: bool = False):
        """Run `job` under this session's tag with a deadline; Spark's errors become QueryErrors."""
        timeout_s = min(timeout_s or self.limits.timeout_seconds, self.limits.timeout_seconds)
        client = self.warehouse.client(analyst)
        with self._lock:
            tag = f"portal-{uuid.uuid4().hex}"
            self._client, self._tag, self._cancelled, expired = client, tag, False, threading.Event()

            def expire():
                expired.set()
                client.interruptTag(tag)

            watchdog = threading.Timer(timeout_s, expire)
            watchdog.daemon = True
            client.addTag(tag)
            watchdog.start()
            self.running_since = time.time()
            try:
                return job()
            except QueryError:
                raise
            except Exception as exc:  # pyspark's errors, gRPC's, Arrow's
                if expired.is_set():
                    raise QueryTimeout(_timeout_message(timeout_s), detail=str(exc)[:2000]) from None
                if self._cancelled:
                    raise QueryCancelled() from None
                raise from_spark(exc, self.warehouse.schemas) from None
            finally:
                watchdog.cancel()
                client.removeTag(tag)
                self._tag = self._client = None
                self.running_since = None

    def _record(self, action, sql, params, status, started, rows, detail, size=None, *, origin: str = "") -> None:
        self.recorded(action, origin, status, sql, params, started, rows=rows, bytes=size, detail=detail)


@lru_cache(maxsize=512)
def _prepared(sql: str, schemas: tuple, denied: tuple) -> str:
    try:
        spark_sql = translate(sql)
        check_spark_statement(spark_sql)
        return point_schemas(spark_sql, dict(schemas), denied)
    except SparkStatementError as err:
        raise QueryRefused(str(err)) from None


@lru_cache(maxsize=512)
def _prepared_own(sql: str, schemas: tuple, denied: tuple) -> str:
    """The portal's own SQL: translated, held to the session's denied schemas as analysts' SQL is
    (review #3: `SELECT email FROM raw.users` ran for a role without raw), and pointed at this view's
    schemas (it reads nothing else)."""
    try:
        return point_schemas(translate(sql), dict(schemas), denied)
    except SparkStatementError as err:
        kind = QueryRefused if "restricted" in str(err) else QueryError
        raise kind(str(err) if kind is QueryRefused else f"The portal's query cannot run on Spark: {err}") from None


def _args(params: dict | None) -> dict | None:
    """Bound values as Spark literals (named parameters `:name`)."""
    if not params:
        return None
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


_SCALAR = re.compile(r"^(boolean|tinyint|smallint|int|bigint|float|double|decimal\(\d+,\d+\)|date|timestamp.*)$")


def _cap_cells(df, cap: int):
    """Every cell bounded on the cluster, so one huge cell never travels whole (as on DuckDB): text
    cut to `cap` plus an ellipsis, and binary, arrays, maps and structs shown as their text, cut the
    same way (review #3: only text was capped). Columns are taken by position, so duplicate names
    (`SELECT repeat('x', 1e8) AS a, 1 AS a`) cannot skip the cap."""
    from pyspark.sql import functions as F

    names = list(df.columns)
    df = df.toDF(*[f"c{i}" for i in range(len(names))])
    cols = []
    for i, field in enumerate(df.schema.fields):
        c, typ = F.col(f"c{i}"), field.dataType.simpleString()
        if not _SCALAR.match(typ):
            text = c if typ == "string" else F.hex(c) if typ == "binary" else F.to_json(c)
            c = F.when(F.length(text) > cap, F.concat(F.substring(text, 1, cap), F.lit("…"))).otherwise(text)
        cols.append(c.alias(names[i]))
    return df.select(*cols)


_NOISE = re.compile(
    r"(\n\s*(JVM stacktrace|Search path|If you did not qualify|To tolerate).*)|(;\s*line \d+ pos \d+.*)", re.S
)
_SQLSTATE = re.compile(r"\s*SQLSTATE: \w+\.?")


def from_spark(exc: Exception, schemas: dict[str, str]) -> QueryError:
    """Spark's message in the analyst's terms: their schema names, no stack, no server paths."""
    text = str(exc)
    first = _NOISE.sub("", text).strip()
    first = _SQLSTATE.sub("", first).strip()
    first = SERVER_PATH.sub("<server path>", first)
    for theirs, ours in schemas.items():
        if theirs != ours:
            first = re.sub(rf"`?{ours}`?\.", f"{theirs}.", first)
    first = first.replace("`spark_catalog`.", "").replace("spark_catalog.", "")
    label = "Syntax error" if "PARSE_SYNTAX_ERROR" in first else "Spark could not run this"
    if "OPERATION_CANCELED" in first:
        return QueryCancelled(detail=first)
    detail = SERVER_PATH.sub("<server path>", _NOISE.sub("", text))
    return QueryError(f"{label}: {first[:1000]}", detail=detail[:4000])


_STATS = re.compile(r"Statistics\(sizeInBytes=([^,)]+)(?:, rowCount=([\d.E+]+))?")
_RELATION = re.compile(r"Relation (?:\w+\.)?(\w+)\.(\w+)\[")


def estimate_from_cost(text: str, back: dict[str, str], table_rows: dict[str, int]) -> Estimate:
    """The optimized plan's statistics: the top node's rows are the result, leaf relations the scans
    (a table without statistics falls back to the catalog's count)."""
    logical = text.split("== Physical Plan ==")[0]
    lines = [line for line in logical.splitlines() if "Statistics(" in line]
    scanned, peak, top = {}, 0, None
    for i, line in enumerate(lines):
        m = _STATS.search(line)
        rows = int(float(m.group(2))) if m and m.group(2) else None
        rel = _RELATION.search(line)
        if rel:
            name = f"{back.get(rel.group(1), rel.group(1))}.{rel.group(2)}"
            scanned[name] = rows if rows is not None else int(table_rows.get(name, 0))
        if rows is not None:
            peak = max(peak, rows)
        if i == 0:
            top = rows
    # no row count at the top: at most what it scans
    returns = top if top is not None else max(scanned.values(), default=0)
    return Estimate(scanned, returns, max(peak, returns))
