"""Each user's recent queries, kept across restarts in the app state (`portal.state`: SQLite in
the state folder, or the deployment's PostgreSQL shared by every app server); app state never
lives in the read-only warehouse."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    id: int
    user: str
    sql: str
    ran_at: float
    seconds: float | None
    row_count: int | None
    status: str
    error: str | None


class History:
    def __init__(self, state, keep_per_user: int = 500):
        """`state`: the state folder (SQLite) or a PostgreSQL URL (`portal.state`)."""
        from portal.state import open_state

        self.db = open_state(state, "history")
        self.keep = keep_per_user

    def record(
        self, user: str, sql: str, seconds: float | None, row_count: int | None, status: str, error: str | None = None
    ) -> None:
        with self.db.connect() as con:
            con.execute(
                'INSERT INTO history ("user", sql, ran_at, seconds, row_count, status, error) VALUES (?, ?, ?, ?, ?, ?, ?)',
                (user, sql, time.time(), seconds, row_count, status, error),
            )
            con.execute(
                'DELETE FROM history WHERE "user" = ? AND id NOT IN '
                '(SELECT id FROM history WHERE "user" = ? ORDER BY ran_at DESC LIMIT ?)',
                (user, user, self.keep),
            )

    def recent(self, user: str, search: str = "", limit: int = 50) -> list[Entry]:
        """This user's queries, newest first; `search` matches the SQL or the error text."""
        like = f"%{search.strip()}%"
        with self.db.connect() as con:
            rows = con.execute(
                'SELECT id, "user", sql, ran_at, seconds, row_count, status, error FROM history '
                """WHERE "user" = ? AND (sql LIKE ? OR coalesce(error, '') LIKE ?) ORDER BY ran_at DESC, id DESC LIMIT ?""",
                (user, like, like, limit),
            ).fetchall()
        return [Entry(*r) for r in rows]
