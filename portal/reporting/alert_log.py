"""Every check of every alert, and whether each alert is firing now: an append-only history in
the app-state folder, which `alerts run` reads to fire once per change and the Alerts page shows."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from portal.reporting.alerts import Evaluation

COLUMNS = (
    "at",
    "alert",
    "start",
    "end",
    "value",
    "previous",
    "p_value",
    "holds",
    "action",
    "words",
    "sent_to",
    "error",
)


class AlertLog:
    def __init__(self, state_dir: Path):
        self.path = Path(state_dir) / "alerts.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.executescript(
                """
                CREATE TABLE IF NOT EXISTS checks (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, alert TEXT NOT NULL,
                    start TEXT, "end" TEXT, value REAL, previous REAL, p_value REAL, holds INTEGER,
                    action TEXT NOT NULL, words TEXT, sent_to TEXT, error TEXT);
                CREATE INDEX IF NOT EXISTS checks_alert ON checks (alert, at);
                CREATE TABLE IF NOT EXISTS state (
                    alert TEXT PRIMARY KEY, firing INTEGER NOT NULL, last_checked REAL, since REAL);
                """
            )

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=10)
        con.execute("PRAGMA journal_mode=WAL")
        return con

    def state(self, alert: str) -> tuple[bool, float | None]:
        """Whether `alert` is firing, and when it was last checked."""
        with self._connect() as con:
            row = con.execute("SELECT firing, last_checked FROM state WHERE alert = ?", (alert,)).fetchone()
        return (bool(row[0]), row[1]) if row else (False, None)

    def record(self, ev: Evaluation, action: str, sent_to: str = "", error: str = "", at: float | None = None) -> None:
        """One check; the alert's firing state moves only when a mail went out (fire) or it ended
        (resolve), so a mail that failed is tried again on the next check."""
        at = time.time() if at is None else at
        firing = {"fire": not error, "resolve": False}.get(action)
        with self._connect() as con:
            con.execute(
                'INSERT INTO checks (at, alert, start, "end", value, previous, p_value, holds, action, words, '
                "sent_to, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (at, ev.alert, ev.start.isoformat(), ev.end.isoformat(), ev.value, ev.previous, ev.p_value,
                 int(ev.holds), action, ev.words, sent_to, error),
            )  # fmt: skip
            con.execute(
                "INSERT INTO state (alert, firing, last_checked, since) VALUES (?, ?, ?, ?) ON CONFLICT (alert) DO "
                "UPDATE SET last_checked = excluded.last_checked, firing = coalesce(?, firing), "
                "since = CASE WHEN ? IS NULL THEN since ELSE excluded.since END",
                (ev.alert, int(bool(firing)), at, at, None if firing is None else int(firing), firing),
            )

    def history(self, alert: str | None = None, limit: int = 200) -> list[dict]:
        where, args = ("WHERE alert = ?", (alert,)) if alert else ("", ())
        with self._connect() as con:
            rows = con.execute(
                'SELECT at, alert, start, "end", value, previous, p_value, holds, action, words, sent_to, error '
                f"FROM checks {where} ORDER BY at DESC, id DESC LIMIT ?",
                (*args, int(limit)),
            ).fetchall()
        return [dict(zip(COLUMNS, r, strict=True)) for r in rows]
