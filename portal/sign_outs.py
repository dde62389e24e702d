"""Sign-out that ends the sign-in on the server, and sign-ins that expire so role changes arrive.

Streamlit keeps the signed-in identity in a browser cookie for 30 days; a copy of that cookie kept
working after Sign out (issue #21, finding 8). Here every sign-out is recorded in the app-state
store (person by issuer and subject, and when), and every script run checks the identity token's
issue time (`iat`) against it: a token issued before the person's last sign-out is refused, on any
browser. A token older than `[auth] max_session_hours` is refused too, so a role removed at the
identity provider takes effect by then (the next sign-in brings the new groups).
"""

from __future__ import annotations

import time

DEFAULT_MAX_SESSION_HOURS = 12.0


class SignOuts:
    def __init__(self, state):
        """`state`: the state folder (SQLite) or a PostgreSQL URL (`portal.state`)."""
        from portal.state import open_state

        self.db = open_state(state, "sign_outs")

    def record(self, subject: str, at: float | None = None) -> None:
        with self.db.connect() as con:
            con.execute(
                "INSERT INTO sign_outs (subject, at) VALUES (?, ?) ON CONFLICT (subject) DO UPDATE SET at = excluded.at",
                (subject, time.time() if at is None else at),
            )

    def last(self, subject: str) -> float | None:
        with self.db.connect() as con:
            row = con.execute("SELECT at FROM sign_outs WHERE subject = ?", (subject,)).fetchone()
        return row[0] if row else None


def why_not_valid(claims: dict, signed_out_at: float | None, max_hours: float, now: float | None = None) -> str:
    """Why this identity token may not be used any more ("" when it may)."""
    now = time.time() if now is None else now
    try:
        issued = float(claims.get("iat"))
    except (TypeError, ValueError):
        return "Your sign-in carries no issue time, so it cannot be checked. Sign in again."
    if signed_out_at is not None and issued <= signed_out_at:
        return "You signed out; this sign-in has ended. Sign in again."
    if now - issued > max_hours * 3600:
        return f"Sign-ins last {max_hours:g} hours, so that role changes take effect. Sign in again."
    return ""
