"""Lineage through the warehouse build: which raw columns each analytics column is computed from,
read from the build SQL (`portal/sql/analytics/*.sql`) with sqlglot's column lineage, so a question
about a raw column ("what if raw.orders.total_cents were renamed?") reaches the analytics columns
built from it and, through them, the saved queries, metrics and dashboards downstream."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.lineage import lineage as column_lineage
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import build_scope

from portal.library.lineage import Lineage

BUILD_SQL = Path(__file__).resolve().parent.parent / "sql" / "analytics"


@dataclass(frozen=True)
class BuildLineage:
    """`sources["<schema>.<table>.<column>"]` = the source columns its values come from (followed
    through built tables made from other built tables); `reads["<schema>.<table>"]` = every column the
    table's build mentions anywhere (filters and joins too), which is what breaks the build when
    renamed."""

    sources: dict[str, frozenset[str]]
    reads: dict[str, frozenset[str]]
    unread: tuple[str, ...] = ()  # build statements sqlglot could not follow, named so nobody trusts silence

    def built_from(self, table: str, column: str | None = None) -> list[str]:
        """Analytics columns whose values are computed from a raw table, or from one of its columns."""
        prefix = f"{table.lower()}."
        hit = (lambda s: s == f"{prefix}{column.lower()}") if column else (lambda s: s.startswith(prefix))
        return sorted(out for out, srcs in self.sources.items() if any(hit(s) for s in srcs))

    def broken_builds(self, table: str, column: str | None = None) -> list[str]:
        """Analytics tables whose build fails if the table (or column) is renamed or dropped: those
        reading it, then those built from a failed one."""
        target = f"{table.lower()}.{column.lower()}" if column else None
        broken = {
            t
            for t, cols in self.reads.items()
            if (target in cols if target else any(c.startswith(f"{table.lower()}.") for c in cols))
        }
        while True:
            more = {
                t
                for t, cols in self.reads.items()
                if t not in broken and any(c.rsplit(".", 1)[0] in broken for c in cols)
            }
            if not more:
                return sorted(broken)
            broken |= more

    def as_users(self, columns: list[str]) -> Lineage:
        """The analytics columns as one Lineage, to ask who reads any of them."""
        return Lineage(frozenset(c.rsplit(".", 1)[0] for c in columns), frozenset(columns))


@cache
def _read(paths_and_times: tuple, schema_key: tuple) -> BuildLineage:
    schema = {s: {t: dict(cols) for t, cols in tables} for s, tables in schema_key}
    schema.setdefault("main", {})["test_accounts"] = {"user_id": "BIGINT"}
    creates, unread = [], []
    for path, _ in paths_and_times:
        for stmt in sqlglot.parse(Path(path).read_text(encoding="utf-8"), dialect="duckdb"):
            if isinstance(stmt, exp.Create) and isinstance(stmt.expression, exp.Query):
                creates.append((f"{stmt.this.db or 'main'}.{stmt.this.name}".lower(), stmt.expression, Path(path).name))
    return follow(creates, schema, unread)


def follow(creates: list[tuple[str, exp.Query, str]], schema: dict, unread: list[str] | None = None) -> BuildLineage:
    """Lineage of a build given as (target table, its SELECT, where it came from): the demo's build
    files or a dbt project's compiled models. A column of a table the build does not make is a
    source; values are followed through built tables to the sources."""
    unread = list(unread or [])
    direct: dict[str, set[str]] = {}
    reads: dict[str, frozenset[str]] = {}
    for target, select, origin in creates:
        reads[target] = _mentioned(select, schema)
        try:
            query = qualify(select.copy(), schema=schema, dialect="duckdb", validate_qualify_columns=False)
            scope = build_scope(query)
            for name in query.named_selects:
                node = column_lineage(name, query, schema=schema, dialect="duckdb", scope=scope, copy=False)
                direct[f"{target}.{name.lower()}"] = {
                    f"{n.source.db}.{n.source.name}.{n.name.split('.')[-1].strip(chr(34))}".lower()
                    for n in node.walk()
                    if isinstance(n.source, exp.Table) and not n.downstream
                }
        except (sqlglot.errors.SqlglotError, KeyError, ValueError) as err:
            unread.append(f"{origin}: {err}")
    built = set(reads)
    return BuildLineage({col: frozenset(_to_source(col, direct, built, set())) for col in direct}, reads, tuple(unread))


def _to_source(column: str, direct: dict[str, set[str]], built: set[str], seen: set[str]) -> set[str]:
    """Source columns behind a built column, through built tables made from built tables."""
    out = set()
    for src in direct.get(column, ()):
        if src.rsplit(".", 1)[0] not in built:
            out.add(src)
        elif src not in seen:
            out |= _to_source(src, direct, built, seen | {src})
    return out


def _mentioned(select: exp.Expression, schema: dict) -> frozenset[str]:
    """Columns of the tables a build reads whose names appear anywhere in it (projections, filters,
    joins): conservative, a shared name counts for every table that has it. A column only carried
    by `*` does not break the build; its users downstream are found through `sources`."""
    names = {c.name.lower() for c in select.find_all(exp.Column)}
    out = set()
    for t in select.find_all(exp.Table):
        db = (t.db or "main").lower()
        cols = schema.get(db, {}).get(t.name.lower()) or schema.get(db, {}).get(t.name) or {}
        for c in cols:
            if c.lower() in names:
                out.add(f"{db}.{t.name}.{c}".lower())
    return frozenset(out)


def build_lineage(catalog, folder: Path = BUILD_SQL) -> BuildLineage:
    """Read once per build-file version and catalog shape (cached)."""
    files = tuple(sorted((str(p), p.stat().st_mtime_ns) for p in folder.glob("*.sql")))
    key = tuple(
        sorted(
            (
                s,
                tuple(
                    sorted(
                        (t.name, tuple((c.name, "VARCHAR") for c in t.columns)) for t in catalog.tables if t.schema == s
                    )
                ),
            )
            for s in {t.schema for t in catalog.tables}
        )
    )
    return _read(files, key)


@dataclass(frozen=True)
class WhatIf:
    """What renaming or dropping a raw table or column would do, without changing any file."""

    broken_builds: list[str]  # analytics tables the build could no longer make
    changed_columns: list[str]  # analytics columns whose values come from it
    affected: list[tuple[str, str]]  # (user id, why) for saved queries, metrics, dashboards


CHANGES = {
    "rename": "is renamed",
    "drop": "is dropped",
    "type": "changes type (integer to text)",
    "unit": "changes unit (cents to dollars)",
}


def what_if(
    build: BuildLineage, table: str, column: str | None, users: dict[str, Lineage], change: str = "rename"
) -> WhatIf:
    """`users` maps a saved query id, `metric:<name>` or `dashboard:<team>` to what it reads.
    `change`: "rename" (renamed or dropped: the builds reading it fail), "type" (integer to text: the
    builds reading it may fail where they add, sum or compare it, and what is computed from it may
    change), or "unit" (cents to dollars: every build still runs, and every value computed from it is
    off by the factor, which nothing would report)."""
    if change not in CHANGES:
        raise ValueError(f"Unknown change {change!r}; use one of {', '.join(CHANGES)}.")
    change = "rename" if change == "drop" else change  # either way the builds reading it fail
    broken = build.broken_builds(table, column) if change != "unit" else []
    changed = build.built_from(table, column)
    direct = f"{table.lower()}.{column.lower()}" if column else None
    what = direct or table
    affected = []
    for uid, lin in sorted(users.items()):
        gone = sorted(t for t in lin.tables if t in broken)
        moved = sorted(c for c in lin.columns if c in changed)
        reads_directly = (direct and direct in lin.columns) or (not direct and table.lower() in lin.tables)
        if change == "rename" and gone:
            affected.append((uid, f"breaks: reads {', '.join(gone)}, which the build could no longer make"))
        elif change == "rename" and reads_directly:
            affected.append((uid, f"breaks: reads {what} directly"))
        elif change == "rename" and moved:
            affected.append((uid, f"values change: reads {', '.join(moved)}"))
        elif change == "type" and (gone or reads_directly):
            affected.append((uid, f"may break: reads {', '.join(gone) or what}, whose build adds or compares {what}"))
        elif change == "type" and moved:
            affected.append((uid, f"may change: reads {', '.join(moved)}, computed from {what}"))
        elif change == "unit" and (moved or reads_directly):
            affected.append(
                (
                    uid,
                    f"silently wrong: reads {', '.join(moved) or what}, whose values would be off by the unit's factor",
                )
            )
    return WhatIf(broken, changed, affected)


def find_sources(catalog, text: str, schemas) -> list[tuple[str, str | None]]:
    """Tables and columns of `schemas` whose name contains `text` (case-insensitive), as (table,
    column) with column None for a table: the search box of the breakage what-if."""
    needle = (text or "").strip().lower()
    if not needle:
        return []
    out = []
    for t in catalog.tables:
        if t.schema not in schemas:
            continue
        if needle in t.full_name.lower():
            out.append((t.full_name, None))
        out += [(t.full_name, c.name) for c in t.columns if needle in f"{t.full_name}.{c.name}".lower()]
    return out
