"""Decide, before anything runs, whether a piece of SQL is one read-only statement.

We block by DuckDB's own parse (statement type), not by a list of forbidden words: the parser
sees through comments, casing and CTEs, and the read-only, locked connection is the second wall.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from portal.warehouse.errors import QueryError, QueryRefused, from_duckdb

ST = duckdb.StatementType
# PIVOT arrives as MULTI (it declares a temporary enum type, then selects); nothing else may.
_PIVOT = re.compile(r"^\s*(UN)?PIVOT\b", re.IGNORECASE)
_FIRST_WORD = re.compile(r"[A-Za-z_]+")

_parser = duckdb.connect(":memory:")

# Introspection that shows where the server keeps its files (settings, attached databases, secrets,
# extensions, temp files): refused by name (issue #12, finding 6). Tables and columns stay visible
# through the catalog and information_schema.
SERVER_INTERNALS = frozenset(
    {
        "duckdb_settings",
        "current_setting",
        "pg_settings",
        "duckdb_databases",
        "duckdb_secrets",
        "which_secret",
        "duckdb_extensions",
        "duckdb_temporary_files",
        "duckdb_memory",
        "pragma_database_list",
        "pragma_database_size",
        "pragma_platform",
        "pragma_version",
        "duckdb_logs",
        "duckdb_log_contexts",
        "getenv",
        "pragma_user_agent",
    }
)

_WHY = {
    ST.COPY: "COPY reads or writes files",
    ST.EXPORT: "EXPORT DATABASE writes files",
    ST.ATTACH: "ATTACH opens another database",
    ST.DETACH: "DETACH changes the attached databases",
    ST.LOAD: "INSTALL and LOAD add extensions",
    ST.EXTENSION: "INSTALL and LOAD add extensions",
    ST.SET: "SET, RESET and USE change settings",
    ST.VARIABLE_SET: "SET VARIABLE changes session state",
    ST.PRAGMA: "PRAGMA changes settings",
    ST.CREATE: "CREATE changes the warehouse",
    ST.CREATE_FUNC: "CREATE FUNCTION changes the warehouse",
    ST.INSERT: "INSERT changes data",
    ST.UPDATE: "UPDATE changes data",
    ST.DELETE: "DELETE changes data",
    ST.DROP: "DROP removes tables",
    ST.ALTER: "ALTER changes tables",
    ST.MERGE_INTO: "MERGE changes data",
    ST.COPY_DATABASE: "COPY DATABASE writes files",
    ST.TRANSACTION: "transactions are managed by the portal",
    ST.CALL: "CALL runs procedures; use SELECT * FROM the table function instead",
    ST.VACUUM: "VACUUM maintains the warehouse",
    ST.ANALYZE: "ANALYZE maintains the warehouse",
    ST.PREPARE: "PREPARE/EXECUTE are managed by the portal; use $name parameters",
    ST.EXECUTE: "PREPARE/EXECUTE are managed by the portal; use $name parameters",
}


@dataclass(frozen=True)
class Statement:
    """One accepted statement: its text as DuckDB split it and its kind."""

    sql: str
    kind: str  # "select" | "explain" | "pivot"
    inner: str = ""  # for an EXPLAIN: the statement it explains (what the permission check plans)

    @property
    def planned(self) -> str:
        """The query whose plan says what this statement reads (an EXPLAIN's inner statement)."""
        return self.inner or self.sql


def split_statements(sql: str) -> list[str]:
    """Split a script on `;` the way DuckDB does (strings and comments respected)."""
    try:
        return [s.query for s in _parser.extract_statements(sql)]
    except duckdb.Error:
        return [sql]


def tokens(sql: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each token DuckDB's tokenizer sees, comments left out: for edits that
    must never touch strings or comments (the lint's one-click fixes)."""
    toks = duckdb.tokenize(sql)
    out = []
    for (pos, kind), nxt in zip(toks, [*toks[1:], (len(sql), None)], strict=True):
        if kind != duckdb.token_type.comment:  # a token ends where the next one (comments too) begins
            text = sql[pos : nxt[0]].rstrip()
            out.append((pos, pos + len(text), text))
    return out


def check_statement(sql: str, max_chars: int = 200_000) -> Statement:
    """Return the single read-only statement in `sql`, or raise QueryRefused/QueryError."""
    if sql is None or not sql.strip():
        raise QueryRefused("There is no query to run: the editor is empty.")
    if len(sql) > max_chars:
        raise QueryRefused(
            f"This query is {len(sql):,} characters long; the limit is {max_chars:,}. "
            "Split it up, or ask the data team to turn it into a curated table."
        )
    try:
        parsed = _parser.extract_statements(sql)
    except duckdb.Error as exc:
        raise from_duckdb(exc, sql) from None
    if not parsed:
        raise QueryRefused("There is no query to run: the text holds only comments.")
    if len(parsed) > 1:
        raise QueryRefused(
            f"Only one statement can run at a time; this text holds {len(parsed)}. "
            "Run them one by one (the workbench runs a script statement by statement)."
        )
    stmt = parsed[0]
    text = stmt.query
    _refuse_server_internals(text)
    if stmt.type == ST.SELECT:
        return Statement(sql, "select")
    if stmt.type == ST.EXPLAIN:
        return Statement(sql, "explain", _check_explained(text, max_chars))
    if stmt.type == ST.MULTI and _PIVOT.match(text):
        return Statement(sql, "pivot")
    m = _FIRST_WORD.search(text)
    word = m.group(0).upper() if m else stmt.type.name
    why = _WHY.get(stmt.type, f"{stmt.type.name} statements are not allowed")
    raise QueryRefused(
        f"Only read-only queries can run here (SELECT, WITH, FROM, VALUES, EXPLAIN, DESCRIBE, SHOW, "
        f"SUMMARIZE, PIVOT). {word} is refused: {why}."
    )


def _refuse_server_internals(text: str) -> None:
    tokens = duckdb.tokenize(text)
    for (pos, kind), nxt in zip(tokens, [*tokens[1:], (len(text), None)], strict=True):
        if kind not in (duckdb.token_type.identifier, duckdb.token_type.keyword):
            continue
        name = text[pos : nxt[0]].strip().strip('"').lower()
        if name in SERVER_INTERNALS:
            raise QueryRefused(
                f"{name} shows the server's own configuration and files, which this portal does not share. "
                "Query the warehouse tables (and information_schema) instead."
            )


def _check_explained(text: str, max_chars: int) -> str:
    """EXPLAIN ANALYZE runs the statement inside it, and plain EXPLAIN of a write is never useful:
    the statement under any EXPLAIN must itself pass as a query (issue #12, finding 1)."""
    tokens = [(pos, kind) for pos, kind in duckdb.tokenize(text) if kind != duckdb.token_type.comment]
    i = 1  # tokens[0] is EXPLAIN
    if i < len(tokens) and text[tokens[i][0] :].upper().startswith(("ANALYZE", "ANALYSE")):
        i += 1
    if i < len(tokens) and text[tokens[i][0]] == "(":  # options such as (FORMAT JSON)
        depth = 0
        while i < len(tokens):
            ch = text[tokens[i][0]]
            depth += ch == "("
            depth -= ch == ")"
            i += 1
            if depth == 0:
                break
    inner = text[tokens[i][0] :] if i < len(tokens) else ""
    try:
        check_statement(inner, max_chars)
    except QueryRefused as err:
        raise QueryRefused(f"EXPLAIN only explains queries. {err.message}") from None
    return inner


__all__ = ["QueryError", "QueryRefused", "Statement", "check_statement", "split_statements"]
