"""The audit trail: who ran what, downloaded what, saved or curated what, and who signed in.

An append-only table of the app state (`portal.state`: SQLite in the state folder, or the
deployment's PostgreSQL; never the read-only warehouse). The warehouse
seam records every statement and download; the stores record saves and curation; the app records
sign-ins. The data team reads it on the Audit page and with `python -m portal audit`.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import date, datetime

KINDS = (
    "statement",
    "download",
    "lint",
    "estimate",
    "save",
    "curation",
    "delete",
    "sign-in",
    "refused",
    "command",
    "export",
    "api",
    "alert",
    "subscription",
    "snapshot",
)
_LITERAL = re.compile(r"'(?:[^']|'')*'")
COLUMNS = (
    "id",
    "at",
    "user",
    "roles",
    "kind",
    "origin",
    "object",
    "sql",
    "params",
    "seconds",
    "rows",
    "bytes",
    "status",
    "detail",
)


@dataclass(frozen=True)
class AuditFilter:
    user: str = ""
    table: str = ""  # matches inside the SQL text, e.g. "raw.users"
    kind: str = ""
    since: float | None = None
    until: float | None = None
    limit: int = 1000


_QUOTED = tuple('"user"' if c == "user" else c for c in COLUMNS)


def _json_default(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


class AuditLog:
    def __init__(self, state):
        """`state`: the state folder (SQLite) or a PostgreSQL URL (`portal.state`)."""
        from portal.state import open_state

        self.db = open_state(state, "audit")

    def record(
        self,
        user,
        kind: str,
        origin: str,
        status: str = "ok",
        *,
        object: str | None = None,
        sql: str | None = None,
        params: dict | None = None,
        seconds: float | None = None,
        rows: int | None = None,
        bytes: int | None = None,
        detail: str | None = None,
    ) -> None:
        """Append one row; `user` is a portal User (its name and roles are kept as they are now).
        Quoted values in `detail` (an error quoting a cell: "Could not convert string 'Ethan Khan
        <ethan@…>'") are blanked, so the trail never holds data its readers may not see."""
        detail = redact(detail)
        if kind not in KINDS:
            raise ValueError(f"Unknown audit kind {kind!r}.")
        with self.db.connect() as con:
            con.execute(
                'INSERT INTO audit (at, "user", roles, kind, origin, object, sql, params, seconds, rows, bytes, status, '
                "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    time.time(),
                    user.name,
                    ",".join(sorted(user.roles)),
                    kind,
                    origin,
                    object,
                    sql,
                    json.dumps(params, default=_json_default) if params else None,
                    seconds,
                    rows,
                    bytes,
                    status,
                    detail,
                ),
            )

    def query(self, f: AuditFilter | None = None) -> list[dict]:
        """Rows newest first, filtered by user, table (in the SQL), kind and time."""
        f = f or AuditFilter()
        where, args = ["1 = 1"], []
        if f.user:
            where.append('"user" = ?')
            args.append(f.user)
        if f.table:
            where.append("lower(coalesce(sql, '')) LIKE ?")
            args.append(f"%{f.table.lower()}%")
        if f.kind:
            where.append("kind = ?")
            args.append(f.kind)
        if f.since is not None:
            where.append("at >= ?")
            args.append(f.since)
        if f.until is not None:
            where.append("at < ?")
            args.append(f.until)
        with self.db.connect() as con:
            rows = con.execute(
                f"SELECT {', '.join(_QUOTED)} FROM audit WHERE {' AND '.join(where)} ORDER BY at DESC, id DESC LIMIT ?",
                (*args, int(f.limit)),
            ).fetchall()
        return [dict(zip(COLUMNS, r, strict=True)) for r in rows]


def redact(text: str | None) -> str | None:
    """`text` with every single-quoted value replaced by '…' (identifiers in double quotes stay)."""
    return _LITERAL.sub("'…'", text) if text else text


def export_rows(rows: list[dict]) -> tuple[list[str], list[list]]:
    """(columns, rows) of the audit trail for the one CSV writer (`portal.csv_out.rows_csv`: a
    person's SQL or detail starting with `=` reaches a spreadsheet as text), times as ISO text."""
    at = lambda r: datetime.fromtimestamp(r["at"]).isoformat(timespec="seconds")  # noqa: E731
    return list(COLUMNS), [[at(r) if c == "at" else r.get(c) for c in COLUMNS] for r in rows]
