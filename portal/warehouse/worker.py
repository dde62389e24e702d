"""The worker process that runs analysts' SQL, so every limit holds for any statement.

Why a process: a statement that spends minutes inside one function (`len(range(5e8))`, a huge
`levenshtein`) cannot be interrupted from the outside and can grow without bound. Here it runs
under an address-space cap (RLIMIT_AS) and the parent kills the process at the deadline or on
Cancel (issue #12, finding 2). Each request gets a fresh cursor, so nothing one statement creates
(a temp macro, a PIVOT's enum type) is seen by the next. This module imports only duckdb and
pyarrow: a replacement worker starts in well under a second.
"""

from __future__ import annotations

import json
import os
import resource
import time

import duckdb

from portal.warehouse.errors import QueryError, QueryRefused, from_duckdb
from portal.warehouse.guard import seam_refusal
from portal.warehouse.hardening import open_readonly
from portal.warehouse.permissions import check_plan
from portal.warehouse.results import fetch_capped, to_ipc
from portal.warehouse.statements import check_statement


def serve(conn, config: dict, address_space: int) -> None:
    """Answer requests from `conn` until it closes; a request is a dict with `op`."""
    if address_space:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    opened: dict[str, tuple[tuple, duckdb.DuckDBPyConnection]] = {}
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            con = _connection(opened, request["path"], request["version"], config)
            reply = ("ok", OPS[request["op"]](con, request))
        except QueryError as err:
            reply = ("error", error_to_dict(err))
        except MemoryError:
            reply = ("error", {"message": _MEMORY, "kind": "failed"})
        except Exception as exc:  # report, never die silently: the parent shows it as a failed query
            reply = ("error", {"message": f"Unexpected error: {exc}", "kind": "failed"})
        conn.send(reply)


_MEMORY = "The query needed more memory than one statement may use, and was stopped. Aggregate or filter earlier."


def _connection(opened: dict, path: str, version: tuple, config: dict) -> duckdb.DuckDBPyConnection:
    """One hardened connection per warehouse file; reopened when the file was rebuilt."""
    known = opened.get(path)
    if known and known[0] == tuple(version):
        return known[1]
    if known:
        known[1].close()
    # EXPLAIN shows the unoptimized logical plan too: the optimizer can answer count(*) or max() from
    # statistics without a scan, but the logical plan still names every table a statement reads.
    con = open_readonly(path, {**config, "explain_output": "all"})
    if os.environ.get("PORTAL_TEST_SLEEP"):  # the test suite only: deterministic timeouts (Datasette's idea)
        con.create_function("test_sleep", _test_sleep, ["DOUBLE"], "DOUBLE", side_effects=True)
    opened[path] = (tuple(version), con)
    return con


def _relation(cur, req: dict):
    """The checked statement and its relation: one read-only statement whose plan reads no denied
    schema and calls only allowed table functions (`permissions.check_plan`), for every operation."""
    sql, params = req["sql"], req.get("params")
    stmt = check_statement(sql, req["max_chars"])
    try:
        plans = check_plan(cur, stmt.planned, params, req.get("denied_schemas"))
        if req.get("ceiling_rows") and stmt.kind != "explain":
            refuse_beyond_ceiling(plans, int(req["ceiling_rows"]))
        return stmt, cur.sql(stmt.sql, params=params or None)
    except duckdb.Error as exc:
        raise _positioned(cur, exc, stmt.sql, params) from None


def refuse_beyond_ceiling(plans: list[tuple[str, str]], ceiling: int) -> None:
    """The size guard in the seam: a statement the optimizer expects to process more than the
    ceiling is refused for every caller (saved queries, dashboards, the digest, the CLI), not only in
    the workbench (issue #21)."""
    physical = [n for kind, text in plans if kind == "physical_plan" for n in json.loads(text)]
    if why := seam_refusal(physical, ceiling):
        raise QueryRefused(why)


def _positioned(cur, exc: duckdb.Error, sql: str, params: dict | None) -> QueryError:
    """The relation API drops the error position; binding the same text through `execute` (as
    EXPLAIN, so nothing runs) yields the error that carries it."""
    err = from_duckdb(exc, sql)
    if not isinstance(exc, duckdb.BinderException | duckdb.CatalogException):
        return err
    try:
        cur.execute("EXPLAIN\n" + sql, params or None)
    except duckdb.Error as again:
        if type(again) is type(exc):
            placed = from_duckdb(again, sql)
            if placed.line is not None:
                placed.line = max(1, placed.line - 1)  # the bind ran as "EXPLAIN\n" + sql
            return placed
    return err


def _run(con, req: dict) -> dict:
    start = time.perf_counter()
    cur = fresh_cursor(con, req.get("search_path", ""))
    try:
        stmt, rel = _relation(cur, req)
        if rel is None:
            raise QueryError("The statement returned no rows.")
        table = fetch_capped(rel, req["max_rows"] + 1, req.get("max_cell_chars"))
        return {
            "rows": table.num_rows,
            "ipc": to_ipc(table),
            "columns": list(rel.columns),
            "types": [str(t) for t in rel.types],
            "kind": stmt.kind,
            "elapsed": time.perf_counter() - start,
        }
    except duckdb.Error as exc:
        raise from_duckdb(exc, req["sql"]) from None
    finally:
        cur.close()


def _bind(con, req: dict) -> dict:
    cur = fresh_cursor(con, req.get("search_path", ""))
    try:
        _relation(cur, req)
        return {}
    finally:
        cur.close()


def _explain(con, req: dict) -> dict:
    """EXPLAIN (FORMAT JSON) of a checked query: the optimizer's estimates, nothing executed."""
    stmt = check_statement(req["sql"])
    if stmt.kind != "select":
        return {"plans": "[]"}
    cur = fresh_cursor(con, req.get("search_path", ""))
    try:
        check_plan(cur, stmt.sql, req.get("params"), req.get("denied_schemas"))
        rows = cur.execute("EXPLAIN (FORMAT JSON)\n" + stmt.sql, req.get("params") or None).fetchall()
    except duckdb.Error as exc:
        raise from_duckdb(exc, req["sql"]) from None
    finally:
        cur.close()
    physical = [text for kind, text in rows if kind == "physical_plan"]
    return {"plans": physical[0] if physical else "[]"}


def _download(con, req: dict) -> dict:
    from portal.warehouse.downloads import write_capped

    cur = fresh_cursor(con, req.get("search_path", ""))
    try:
        stmt, rel = _relation(cur, req)
        reader = rel.limit(req["max_rows"] + 1).to_arrow_reader(batch_size=50_000)
        data, capped = write_capped(reader, req["fmt"], req["max_rows"], req.get("max_bytes"))
        return {"data": data, "capped": capped}
    except duckdb.Error as exc:
        raise from_duckdb(exc, req["sql"]) from None
    finally:
        cur.close()


OPS = {"run": _run, "bind": _bind, "explain": _explain, "download": _download}


def _test_sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def fresh_cursor(con: duckdb.DuckDBPyConnection, search_path: str = "") -> duckdb.DuckDBPyConnection:
    """A new cursor per request: nothing a statement creates outlives it. Bare table names resolve
    on the configured search_path (a per-connection setting, so it is set on every cursor)."""
    cur = con.cursor()
    if search_path:
        cur.execute("SET search_path = ?", [search_path])
    return cur


def error_to_dict(err: QueryError) -> dict:
    return {"message": err.message, "detail": err.detail, "line": err.line, "col": err.col, "kind": err.kind}


if __name__ == "__main__":  # started by portal.warehouse.executor: fd, config JSON, address-space cap
    import json
    import sys
    from multiprocessing.connection import Connection

    serve(Connection(int(sys.argv[1])), json.loads(sys.argv[2]), int(sys.argv[3]))
