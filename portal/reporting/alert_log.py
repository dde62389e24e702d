"""Every check of every alert, and whether each alert is firing now: an append-only history in
the app-state folder, which `alerts run` reads to fire once per change and the Alerts page shows."""

from __future__ import annotations

import time

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
    def __init__(self, state):
        """`state`: the state folder (SQLite) or a PostgreSQL URL (`portal.state`)."""
        from portal.state import open_state

        self.db = open_state(state, "alerts")

    def state(self, alert: str) -> tuple[bool, float | None]:
        """Whether `alert` is firing, and when it was last checked."""
        with self.db.connect() as con:
            row = con.execute("SELECT firing, last_checked FROM state WHERE alert = ?", (alert,)).fetchone()
        return (bool(row[0]), row[1]) if row else (False, None)

    def record(self, ev: Evaluation, action: str, sent_to: str = "", error: str = "", at: float | None = None) -> None:
        """One check; the alert's firing state moves only when a mail went out (fire) or it ended
        (resolve), so a mail that failed is tried again on the next check."""
        at = time.time() if at is None else at
        firing = {"fire": not error, "resolve": False}.get(action)
        with self.db.connect() as con:
            con.execute(
                'INSERT INTO checks (at, alert, start, "end", value, previous, p_value, holds, action, words, '
                "sent_to, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (at, ev.alert, ev.start.isoformat(), ev.end.isoformat(), ev.value, ev.previous, ev.p_value,
                 int(ev.holds), action, ev.words, sent_to, error),
            )  # fmt: skip
            con.execute(
                "INSERT INTO state (alert, firing, last_checked, since) VALUES (?, ?, ?, ?) ON CONFLICT (alert) DO "
                "UPDATE SET last_checked = excluded.last_checked, firing = coalesce(CAST(? AS INTEGER), state.firing), "
                "since = CASE WHEN CAST(? AS INTEGER) IS NULL THEN state.since ELSE excluded.since END",
                (ev.alert, int(bool(firing)), at, at, *([None, None] if firing is None else [int(firing), 1])),
            )

    def history(self, alert: str | None = None, limit: int = 200) -> list[dict]:
        where, args = ("WHERE alert = ?", (alert,)) if alert else ("", ())
        with self.db.connect() as con:
            rows = con.execute(
                'SELECT at, alert, start, "end", value, previous, p_value, holds, action, words, sent_to, error '
                f"FROM checks {where} ORDER BY at DESC, id DESC LIMIT ?",
                (*args, int(limit)),
            ).fetchall()
        return [dict(zip(COLUMNS, r, strict=True)) for r in rows]
