"""Each user's recent queries, kept across restarts in a small SQLite file in the state folder.

SQLite because it is in the standard library, safe for several app threads (one connection per
call, WAL mode), and app state must never live in the read-only warehouse.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user TEXT NOT NULL,
    sql TEXT NOT NULL,
    ran_at REAL NOT NULL,
    seconds REAL,
    row_count INTEGER,
    status TEXT NOT NULL,      -- ok | error | refused | timeout | cancelled
    error TEXT
);
CREATE INDEX IF NOT EXISTS history_user ON history (user, ran_at DESC);
"""


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
    def __init__(self, state_dir: Path, keep_per_user: int = 500):
        self.path = Path(state_dir) / "history.sqlite"
        self.keep = keep_per_user
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=10)
        con.execute("PRAGMA journal_mode=WAL")
        return con

    def record(
        self, user: str, sql: str, seconds: float | None, row_count: int | None, status: str, error: str | None = None
    ) -> None:
        with self._connect() as con:
            con.execute(
                "INSERT INTO history (user, sql, ran_at, seconds, row_count, status, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (user, sql, time.time(), seconds, row_count, status, error),
            )
            con.execute(
                "DELETE FROM history WHERE user = ? AND id NOT IN "
                "(SELECT id FROM history WHERE user = ? ORDER BY ran_at DESC LIMIT ?)",
                (user, user, self.keep),
            )

    def recent(self, user: str, search: str = "", limit: int = 50) -> list[Entry]:
        """This user's queries, newest first; `search` matches the SQL or the error text."""
        like = f"%{search.strip()}%"
        with self._connect() as con:
            rows = con.execute(
                "SELECT id, user, sql, ran_at, seconds, row_count, status, error FROM history "
                "WHERE user = ? AND (sql LIKE ? OR coalesce(error, '') LIKE ?) ORDER BY ran_at DESC, id DESC LIMIT ?",
                (user, like, like, limit),
            ).fetchall()
        return [Entry(*r) for r in rows]
