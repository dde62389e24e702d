"""The breakage check: compile every saved query against the current warehouse without running it
(who uses a table or column: `consumers.readers`)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.library.header import HeaderError, SavedQuery
from portal.library.lineage import Lineage, lineage
from portal.warehouse.errors import QueryError
from portal.workbench.params import find_params


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    ok: bool
    error: str
    lineage: Lineage
    line: int | None = None
    col: int | None = None


def compile_query(session, sql: str) -> None:
    """Bind `sql` (parameters as NULL) so unknown tables, columns and types surface; nothing runs."""
    session.check(sql, {name: None for name in find_params(sql)} or None, origin="breakage check")


def check_all(
    session, queries: list[SavedQuery], catalog=None, header_errors: list[HeaderError] = ()
) -> list[CheckResult]:
    """One result per saved query (and per unreadable file), broken ones first."""
    out = []
    for q in queries:
        lin = lineage(q.sql, catalog)
        try:
            compile_query(session, q.sql)
            out.append(CheckResult(q.id, q.title, True, "", lin))
        except QueryError as err:
            out.append(CheckResult(q.id, q.title, False, err.message, lin, err.line, err.col))
    for err in header_errors:
        out.append(
            CheckResult(
                err.path.removeprefix("queries/").removesuffix(".sql"),
                "(unreadable file)",
                False,
                str(err),
                Lineage(),
                err.line,
            )
        )
    return sorted(out, key=lambda r: (r.ok, r.id))
