"""The portal's own error types: every duckdb.Error becomes one of these with a plain message.

One adapter (as in harlequin) so pages and the CLI never show a raw traceback, and an editor can
mark `line`/`col` when DuckDB told us where the problem is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import duckdb


@dataclass
class QueryError(Exception):
    """Base: `message` is written for an analyst, `detail` keeps DuckDB's own words."""

    message: str
    detail: str = ""
    line: int | None = None
    col: int | None = None
    kind: str = "failed"

    def __str__(self) -> str:
        where = f" (line {self.line}, column {self.col})" if self.line else ""
        return f"{self.message}{where}"


class QueryRefused(QueryError):
    """The statement was not run at all: it is not a single read-only query."""

    def __init__(self, message: str, **kw):
        super().__init__(message, kind="refused", **kw)


class WarehouseUnavailable(QueryError):
    """The warehouse (or its PII-free twin) is missing, unreadable or out of date: nothing can run."""

    def __init__(self, message: str, **kw):
        super().__init__(message, kind="unavailable", **kw)


class QueryTimeout(QueryError):
    def __init__(self, message: str, **kw):
        super().__init__(message, kind="timeout", **kw)


class QueryCancelled(QueryError):
    def __init__(self, message: str = "The query was cancelled.", **kw):
        super().__init__(message, kind="cancelled", **kw)


def position_to_line_col(sql: str, position: int) -> tuple[int, int]:
    """Turn a 0-based character offset into 1-based line and column."""
    before = sql[: max(0, position)]
    line = before.count("\n") + 1
    col = len(before) - (before.rfind("\n") + 1) + 1
    return line, col


_PREFIX = re.compile(r"^[A-Za-z ]+ Error: ")
# Absolute paths in DuckDB's messages (a permission error names the folder it refused) say where the
# server keeps its files; analysts see a placeholder instead.
# A `file:` URI counts too (Spark names its storage that way).
SERVER_PATH = re.compile(r"(?:file:(?=/)|(?<![\w.:/]))/(?:[\w.\-]+/)+[\w.\-]*")
_CARET = re.compile(r"\n\s*LINE (\d+): (.*)\n( *)\^")

_FRIENDLY = {
    "Permission": "This portal's SQL cannot read files, URLs or other databases; query the warehouse tables instead.",
    "Out of Memory": "The query needed more memory than an analyst query may use. Aggregate or filter before joining, or add a LIMIT.",
}


def from_duckdb(exc: duckdb.Error, sql: str, timeout_s: float | None = None) -> QueryError:
    """Wrap a DuckDB exception; expects `errors_as_json` so the position arrives as data."""
    raw = SERVER_PATH.sub("<server path>", str(exc))
    body = _PREFIX.sub("", raw, count=1)
    info: dict = {}
    try:
        info = json.loads(body)
    except (ValueError, TypeError):
        info = {"exception_message": body}
    etype = info.get("exception_type", type(exc).__name__.replace("Exception", ""))
    message = info.get("exception_message", body).strip()
    line = col = None
    caret = _CARET.search(message)
    if caret:  # cursors don't inherit errors_as_json; DuckDB's text form marks the spot instead
        line = int(caret.group(1))
        col = len(caret.group(3)) - len(f"LINE {caret.group(1)}: ") + 1
        message = message[: caret.start()].rstrip()
    if "position" in info:
        try:
            line, col = position_to_line_col(sql, int(info["position"]))
        except ValueError:
            pass
    if isinstance(exc, duckdb.InterruptException):
        if "maximum execution time" in message:
            return QueryTimeout(_timeout_message(timeout_s), detail=message)
        return QueryCancelled(detail=message)
    if etype in _FRIENDLY:
        return QueryError(_FRIENDLY[etype], detail=message, kind="refused" if etype == "Permission" else "failed")
    if "read-only mode" in message:
        return QueryRefused("The warehouse is read-only here: this statement tries to change data.", detail=message)
    if "configuration has been locked" in message:
        return QueryRefused("Settings cannot be changed from SQL in this portal.", detail=message)
    label = {"Parser": "Syntax error", "Binder": "Unknown name", "Catalog": "Unknown table or object"}.get(
        etype, f"{etype} error"
    )
    return QueryError(f"{label}: {message}", detail=raw, line=line, col=col)


def _timeout_message(timeout_s: float | None) -> str:
    limit = f" of {timeout_s:g} s" if timeout_s else ""
    return f"The query ran past the time limit{limit} and was stopped. Filter or aggregate earlier, or ask the data team for a curated table."
