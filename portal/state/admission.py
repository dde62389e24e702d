"""Per-person admission across app servers: each statement a person runs holds a row in the shared
app state while it runs, so `per_user_statements` holds however many servers there are. A row of a
server that died is ignored after `stale_after` seconds (longer than any statement may run)."""

from __future__ import annotations

import os
import socket
import time
import uuid

from portal.state.db import open_state


class SharedAdmission:
    def __init__(self, state, stale_after: float = 300.0):
        self.db = open_state(state, "admission")
        self.stale_after = stale_after
        self.server = f"{socket.gethostname()}:{os.getpid()}"

    def enter(self, owner: str, limit: int, now: float | None = None) -> str | None:
        """A slot for one more statement of `owner`, or None while they have `limit` running."""
        now = time.time() if now is None else now
        with self.db.connect(exclusive=f"admission:{owner}") as con:
            con.execute("DELETE FROM running WHERE owner = ? AND started < ?", (owner, now - self.stale_after))
            (count,) = con.execute("SELECT count(*) FROM running WHERE owner = ?", (owner,)).fetchone()
            if count >= limit:
                return None
            ticket = uuid.uuid4().hex
            con.execute(
                "INSERT INTO running (ticket, owner, server, started) VALUES (?, ?, ?, ?)",
                (ticket, owner, self.server, now),
            )
        return ticket

    def leave(self, ticket: str) -> None:
        with self.db.connect() as con:
            con.execute("DELETE FROM running WHERE ticket = ?", (ticket,))

    def running(self, owner: str) -> int:
        with self.db.connect() as con:
            return int(con.execute("SELECT count(*) FROM running WHERE owner = ?", (owner,)).fetchone()[0])
