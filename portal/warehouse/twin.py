"""The PII-free twin of any warehouse: every table and view copied into a fresh file, with personal
columns blanked, so analysts without the `pii` role are never served the full file.

PII columns are those declared in portal.toml (`[pii] columns = ["schema.table.column", …]`) plus
any column whose description (COMMENT ON COLUMN) contains the tag `[pii]`. The twin is written to a
temporary file and renamed into place (a half-written twin is never opened), into a fresh file (no
PII bytes survive in free blocks), and stamped with the size and modification time of the warehouse
it copies: a twin older than its warehouse is refused, never silently served (`ensure_twin_current`).
The demo build uses the same code.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from portal.warehouse.errors import WarehouseUnavailable

PII_TAG = "[pii]"
_SKIP_SCHEMAS = ("information_schema", "pg_catalog")


def public_twin(path: Path) -> Path:
    path = Path(path)
    return path.with_name(path.stem + ".public" + path.suffix)


def stamp_path(twin: Path) -> Path:
    return Path(str(twin) + ".source.json")


def _source_stamp(source: Path) -> dict:
    st = Path(source).stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def ensure_twin_current(source: Path, twin: Path) -> None:
    """Raise WarehouseUnavailable unless `twin` was built from `source` as it is now."""
    try:
        now = _source_stamp(source)
    except OSError:
        raise WarehouseUnavailable(
            f"No warehouse file at {source}. Point [warehouse] path in portal.toml (or PORTAL_DB) at it; "
            "the portal never creates one except the demo's."
        ) from None
    try:
        built_from = json.loads(stamp_path(twin).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise WarehouseUnavailable(
            "There is no PII-free copy of the warehouse yet, so analysts cannot query it. "
            "The data team builds it with `python -m portal twin`."
        ) from None
    if built_from != now:
        raise WarehouseUnavailable(
            "The PII-free copy of the warehouse is older than the warehouse itself, so it is not served. "
            "The data team rebuilds it with `python -m portal twin` (after every warehouse build)."
        )


@dataclass(frozen=True)
class TwinReport:
    path: Path
    tables: int
    views: int
    blanked: tuple[str, ...]  # schema.table.column
    skipped_views: tuple[str, ...]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def pii_columns(con: duckdb.DuckDBPyConnection, db: str, declared: Iterable[str]) -> set[tuple[str, str, str]]:
    """(schema, table, column) to blank: the declared ones (schema.table.column, or table.column in
    `main`) and those whose description carries the [pii] tag. Lower-cased, as DuckDB compares names."""
    out = set()
    for name in declared:
        parts = name.lower().split(".")
        out.add(tuple(parts) if len(parts) == 3 else ("main", *parts))
    for s, t, c in con.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE database_name = ? "
        "AND contains(lower(coalesce(comment, '')), ?)",
        [db, PII_TAG],
    ).fetchall():
        out.add((s.lower(), t.lower(), c.lower()))
    return out


def write_twin(source: Path, declared: Iterable[str] = (), out: Path | None = None) -> TwinReport:
    """Build the twin of `source` (read only, never written) at `out` (default: beside it)."""
    source = Path(source)
    out = Path(out) if out else public_twin(source)
    if not source.exists():
        raise WarehouseUnavailable(f"No warehouse file at {source}.")
    before = _source_stamp(source)
    tmp = out.with_name(out.name + ".building")
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"ATTACH {_quote(str(source))} AS src (READ_ONLY)")
        report = _copy(con, declared)
        con.execute("DETACH src")
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
        raise
    con.close()
    if _source_stamp(source) != before:
        tmp.unlink(missing_ok=True)
        raise WarehouseUnavailable("The warehouse changed while its PII-free copy was being written; run it again.")
    os.replace(tmp, out)
    stamp_path(out).write_text(json.dumps(before), encoding="utf-8")
    return TwinReport(out, report[0], report[1], report[2], report[3])


def _copy(con: duckdb.DuckDBPyConnection, declared: Iterable[str]) -> tuple:
    blank = pii_columns(con, "src", declared)
    tables = con.execute(
        "SELECT schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = 'src' "
        "AND NOT temporary AND schema_name NOT IN (?, ?) ORDER BY schema_name, table_name",
        list(_SKIP_SCHEMAS),
    ).fetchall()
    columns: dict[tuple[str, str], list[tuple[str, str, str | None]]] = {}
    for s, t, c, typ, comment in con.execute(
        "SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns() "
        "WHERE database_name = 'src' ORDER BY schema_name, table_name, column_index"
    ).fetchall():
        columns.setdefault((s, t), []).append((c, typ, comment))
    blanked = []
    schemas = con.execute(  # every schema, also those holding only views (or nothing yet)
        "SELECT schema_name FROM duckdb_schemas() WHERE database_name = 'src' AND NOT internal "
        "AND schema_name NOT IN (?, ?)",
        list(_SKIP_SCHEMAS),
    ).fetchall()
    for schema in sorted({s for (s,) in schemas} | {s for s, _, _ in tables}):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(schema)}")
    for schema, table, comment in tables:
        cols = columns.get((schema, table), [])
        select = []
        for c, typ, _ in cols:
            if (schema.lower(), table.lower(), c.lower()) in blank:
                select.append(f"CAST(NULL AS {typ}) AS {_q(c)}")
                blanked.append(f"{schema}.{table}.{c}")
            else:
                select.append(_q(c))
        con.execute(
            f"CREATE TABLE {_q(schema)}.{_q(table)} AS SELECT {', '.join(select) or '*'} FROM src.{_q(schema)}.{_q(table)}"
        )
        if comment:
            con.execute(f"COMMENT ON TABLE {_q(schema)}.{_q(table)} IS {_quote(comment)}")
        for c, _, ccomment in cols:
            if ccomment:
                con.execute(f"COMMENT ON COLUMN {_q(schema)}.{_q(table)}.{_q(c)} IS {_quote(ccomment)}")
    views, skipped = _copy_views(con)
    leaking, blank_in_views = _leaking_views(con, blank)
    return len(tables), views - len(leaking), tuple(blanked + blank_in_views), tuple(skipped + leaking)


def _leaking_views(con: duckdb.DuckDBPyConnection, blank: set[tuple[str, str, str]]) -> tuple[list[str], list[str]]:
    """A view column declared personal is blank only if the columns it reads are: a view still
    showing values there is dropped from the twin (fail closed) and named, with what to declare.
    Returns (dropped views and why, declared view columns found blank)."""
    out, fine = [], []
    views = {
        (s.lower(), v.lower()): (s, v)
        for s, v in con.execute(
            "SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal"
        ).fetchall()
    }
    for schema, table, column in sorted(blank):
        if (schema, table) not in views:
            continue
        s, v = views[(schema, table)]
        cols = {
            c.lower(): c
            for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = ? AND table_name = ?",
                [s, v],
            ).fetchall()
        }
        if column not in cols:
            continue
        shown = con.execute(f"SELECT count(*) FROM {_q(s)}.{_q(v)} WHERE {_q(cols[column])} IS NOT NULL").fetchone()[0]
        if shown:
            con.execute(f"DROP VIEW {_q(s)}.{_q(v)}")
            out.append(
                f"{s}.{v} (its personal column {cols[column]} still shows {shown} values: declare the column it "
                "is computed from in [pii] columns)"
            )
            views.pop((schema, table))
        else:
            fine.append(f"{s}.{v}.{cols[column]}")
    return out, fine


def _copy_views(con: duckdb.DuckDBPyConnection) -> tuple[int, list[str]]:
    """Views are copied by their definition, so they read the twin's (blanked) tables. A view that
    cannot be recreated (it reads files, or another database) is left out and reported."""
    views = con.execute(
        "SELECT schema_name, view_name, sql, comment FROM duckdb_views() WHERE database_name = 'src' "
        "AND NOT internal AND NOT temporary AND schema_name NOT IN (?, ?)",
        list(_SKIP_SCHEMAS),
    ).fetchall()
    done, pending, why = 0, list(views), {}
    for _ in range(len(views) + 1):  # views over views: retry until nothing more can be made
        left = []
        for schema, name, sql, comment in pending:
            try:
                con.execute(f"SET search_path = {_quote(schema)}")
                con.execute(sql)
                if comment:
                    con.execute(f"COMMENT ON VIEW {_q(schema)}.{_q(name)} IS {_quote(comment)}")
                done += 1
            except duckdb.Error as exc:
                why[(schema, name)] = str(exc).splitlines()[0]
                left.append((schema, name, sql, comment))
        if len(left) == len(pending):
            break
        pending = left
    con.execute("RESET search_path")
    skipped = [f"{s}.{n} ({why.get((s, n), 'not recreated')})" for s, n, _, _ in pending]
    return done, skipped
