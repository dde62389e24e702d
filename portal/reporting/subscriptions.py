"""Subscriptions to team dashboards (issue #33): anyone subscribes from the dashboard's page (daily
or weekly), every mail carries a link that unsubscribes without signing in, and mail goes through the
digest's own path (`build_digest`, `send_digest`). Every subscription, unsubscription and send is in
the audit trail."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from portal.config_schema import Address
from portal.state import open_state

EVERY = {"daily": 20 * 3600, "weekly": 6.5 * 86400}  # a little under a day or a week: cron drift never skips one
_ADDRESS = TypeAdapter(Address)


class SubscriptionError(ValueError):
    """A subscription that cannot be made; the message says why."""


@dataclass(frozen=True)
class Subscription:
    id: str
    person: str
    email: str
    team: str
    every: str
    created: float
    last_sent: float | None
    active: bool


_COLS = "id, person, email, team, every, created, last_sent, active"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Subscriptions:
    def __init__(self, state, audit):
        self.db = open_state(state, "subscriptions")
        self.audit = audit

    def subscribe(self, user, email: str, team: str, every: str, teams) -> Subscription:
        """Subscribe `user` to `team`'s dashboard (replacing their earlier subscription to it)."""
        if team not in teams:
            raise SubscriptionError(f"There is no {team!r} dashboard.")
        if every not in EVERY:
            raise SubscriptionError(f"Choose daily or weekly, not {every!r}.")
        try:
            email = _ADDRESS.validate_python(email.strip())
        except ValidationError:
            raise SubscriptionError(f"{email!r} is not one e-mail address.") from None
        sid = uuid.uuid4().hex
        now = time.time()
        with self.db.connect(exclusive=f"subscribe:{user.name}:{team}") as con:
            con.execute(
                "UPDATE subscriptions SET active = 0, ended = ? WHERE person = ? AND team = ? AND active = 1",
                (now, user.name, team),
            )
            con.execute(
                f"INSERT INTO subscriptions ({_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, user.name, email, team, every, now, None, 1),
            )
        self.audit.record(user, "subscription", "dashboard page", "ok", object=f"{team} {every} to {email}")
        return self.get(sid)

    def get(self, sid: str) -> Subscription | None:
        with self.db.connect() as con:
            rows = con.execute(f"SELECT {_COLS} FROM subscriptions WHERE id = ?", (sid,)).fetchall()
        return Subscription(*rows[0][:7], bool(rows[0][7])) if rows else None

    def mine(self, person: str) -> list[Subscription]:
        with self.db.connect() as con:
            rows = con.execute(
                f"SELECT {_COLS} FROM subscriptions WHERE person = ? AND active = 1 ORDER BY team", (person,)
            ).fetchall()
        return [Subscription(*r[:7], bool(r[7])) for r in rows]

    def unsubscribe(self, user, team: str) -> bool:
        with self.db.connect() as con:
            found = con.execute(
                "SELECT id FROM subscriptions WHERE person = ? AND team = ? AND active = 1", (user.name, team)
            ).fetchall()
            con.execute(
                "UPDATE subscriptions SET active = 0, ended = ? WHERE person = ? AND team = ? AND active = 1",
                (time.time(), user.name, team),
            )
        if found:
            self.audit.record(user, "subscription", "dashboard page", "ok", object=f"unsubscribed from {team}")
        return bool(found)

    def unsubscribe_token(self, token: str) -> Subscription | None:
        """The mail's link: ends that one subscription (no sign-in; the secret is the proof)."""
        with self.db.connect() as con:
            rows = con.execute(
                f"SELECT {', '.join('s.' + c.strip() for c in _COLS.split(','))} FROM links AS k "
                "JOIN subscriptions AS s ON s.id = k.subscription WHERE k.token_hash = ? AND s.active = 1",
                (_hash(token or ""),),
            ).fetchall()
            if not rows:
                return None
            con.execute("UPDATE subscriptions SET active = 0, ended = ? WHERE id = ?", (time.time(), rows[0][0]))
        sub = Subscription(*rows[0][:7], False)
        from portal.identity import system_principal

        self.audit.record(
            system_principal(f"unsubscribe link of {sub.person}", False), "subscription", "unsubscribe link", "ok",
            object=f"{sub.person} unsubscribed from {sub.team}",
        )  # fmt: skip
        return sub

    def active(self) -> list[Subscription]:
        with self.db.connect() as con:
            rows = con.execute(f"SELECT {_COLS} FROM subscriptions WHERE active = 1 ORDER BY team").fetchall()
        return [Subscription(*r[:7], True) for r in rows]

    def due(self, now: float | None = None) -> list[Subscription]:
        now = now or time.time()
        return [s for s in self.active() if s.last_sent is None or now - s.last_sent >= EVERY[s.every]]

    def sent(self, sub: Subscription, ok: bool, detail: str = "") -> None:
        if ok:
            with self.db.connect() as con:
                con.execute("UPDATE subscriptions SET last_sent = ? WHERE id = ?", (time.time(), sub.id))
        from portal.identity import system_principal

        self.audit.record(
            system_principal("subscription mail", False), "subscription", "subscriptions send",
            "ok" if ok else "failed", object=f"{sub.team} digest to {sub.email} ({sub.person})", detail=detail or None,
        )  # fmt: skip

    def link_token(self, sub: Subscription) -> str:
        """A new unsubscribe secret for one mail's link (only its hash is kept; every mail's link works)."""
        token = secrets.token_urlsafe(24)
        with self.db.connect() as con:
            con.execute(
                "INSERT INTO links (token_hash, subscription, created) VALUES (?, ?, ?)",
                (_hash(token), sub.id, time.time()),
            )
        return token
