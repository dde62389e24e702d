"""Personal API tokens: shown once, stored only as a hash, optionally expiring, revocable by
their owner, and rate-limited per token.

A token is `pat_<id>_<secret>`: the id names it in lists and the audit trail (it is not a
secret), the whole string is hashed with SHA-256 (a token carries 256 random bits, so a slow
password hash adds nothing). Requests are counted per token in the same store, so the limit
holds for every app server that shares the state folder.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from portal.identity import User

PREFIX = "pat_"
MAX_LABEL = 80
MAX_DAYS = 3650
# Which tokens each sign-in mode honours: the mode must be able to vouch for the owner. A demo
# persona's token (anyone could pick "dana") never works once real sign-in is on, nor a header
# user's beside OIDC; tokens the operator makes on the command line name [people] names, which
# demo and proxy sign-in use and OIDC does not (review #3, finding 2).
HONOURED = {"demo": {"demo", "cli"}, "proxy": {"proxy", "cli"}, "oidc": {"oidc"}}
MODES = ("demo", "proxy", "oidc", "cli")


class TokenError(ValueError):
    """A token request that cannot be honoured; the message says why in plain words."""


@dataclass(frozen=True)
class Token:
    id: str
    owner: str  # the person's name, as shown
    owner_key: str  # who owns it: the OIDC issuer|subject, else the [people] name
    roles: frozenset[str]  # the owner's roles when it was created (OIDC roles cannot be asked again)
    label: str
    created: float
    expires: float | None
    revoked: float | None
    last_used: float | None
    mode: str  # the sign-in mode it was made under (MODES)

    def state(self, now: float | None = None, sign_in: str | None = None) -> str:
        """active, revoked, expired, or retired: made under another sign-in mode than `sign_in`."""
        now = time.time() if now is None else now
        if self.revoked:
            return "revoked"
        if sign_in is not None and self.mode not in HONOURED.get(sign_in, ()):
            return "retired"
        if self.expires is not None and now >= self.expires:
            return "expired"
        return "active"


def owner_key(user: User) -> str:
    return user.subject or user.name


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


_COLUMNS = "id, owner, owner_key, roles, label, created, expires, revoked, last_used, mode"


def _token(row) -> Token:
    # a token from before modes were kept: an OIDC owner is an issuer|subject key, else a persona
    mode = row[9] or ("oidc" if row[2] != row[1] else "demo")
    return Token(row[0], row[1], row[2], frozenset(filter(None, row[3].split(","))), *row[4:9], mode)


class TokenStore:
    def __init__(self, state):
        """`state`: the state folder (SQLite) or a PostgreSQL URL (`portal.state`)."""
        from portal.state import open_state

        self.db = open_state(state, "api_tokens")

    def create(self, user: User, label: str = "", expires_days: float | None = None, *, mode: str) -> tuple[Token, str]:
        """A new token for `user`, made under sign-in `mode`; returns it and its secret, which is never
        stored or shown again."""
        if user.kind != "person" or not user.name:
            raise TokenError("Only a person can own an API token.")
        if mode not in MODES:
            raise TokenError(f"Unknown sign-in mode {mode!r}.")
        label = " ".join(str(label or "").split())
        if len(label) > MAX_LABEL:
            raise TokenError(f"A token's label is at most {MAX_LABEL} characters.")
        if expires_days is not None and not (0 < float(expires_days) <= MAX_DAYS):
            raise TokenError(f"A token expires after 1 to {MAX_DAYS} days (or never).")
        token_id = secrets.token_hex(4)
        secret = f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        now = time.time()
        expires = now + float(expires_days) * 86400 if expires_days is not None else None
        with self.db.connect() as con:
            con.execute(
                "INSERT INTO tokens (id, owner, owner_key, roles, label, hash, created, expires, mode) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    token_id,
                    user.name,
                    owner_key(user),
                    ",".join(sorted(user.roles)),
                    label,
                    _digest(secret),
                    now,
                    expires,
                    mode,
                ),
            )
        return self.get(token_id), secret

    def get(self, token_id: str) -> Token | None:
        with self.db.connect() as con:
            row = con.execute(f"SELECT {_COLUMNS} FROM tokens WHERE id = ?", (token_id,)).fetchone()
        return _token(row) if row else None

    def owned_by(self, key: str) -> list[Token]:
        with self.db.connect() as con:
            rows = con.execute(
                f"SELECT {_COLUMNS} FROM tokens WHERE owner_key = ? ORDER BY created DESC", (key,)
            ).fetchall()
        return [_token(r) for r in rows]

    def revoke(self, token_id: str, key: str | None = None) -> Token:
        """Revoke a token (only its owner's, when `key` is given: the command line's operator may
        revoke any). Revoking twice is harmless; an unknown id is a TokenError."""
        token = self.get(token_id)
        if token is None or (key is not None and token.owner_key != key):
            raise TokenError(f"No token {token_id!r} of yours.")
        with self.db.connect() as con:
            con.execute("UPDATE tokens SET revoked = coalesce(revoked, ?) WHERE id = ?", (time.time(), token_id))
        return self.get(token_id)

    def authenticate(self, secret: str, sign_in: str, now: float | None = None) -> Token | None:
        """The active token with this secret under the current `sign_in` mode, or None (unknown,
        revoked, expired and retired look the same)."""
        now = time.time() if now is None else now
        if not secret or not secret.startswith(PREFIX) or len(secret) > 200:
            return None
        with self.db.connect() as con:  # reading alone: no write lock for unknown or revoked secrets
            row = con.execute(f"SELECT {_COLUMNS} FROM tokens WHERE hash = ?", (_digest(secret),)).fetchone()
        token = _token(row) if row else None
        if token is None or token.state(now, sign_in) != "active":
            return None
        # the write in its own immediate transaction: a deferred read-then-write fails at once ("database
        # is locked") when a concurrent call with the same token wrote first, which the busy wait cannot help
        with self.db.connect(exclusive=f"token:{token.id}") as con:
            done = con.execute("UPDATE tokens SET last_used = ? WHERE id = ? AND revoked IS NULL", (now, token.id))
            if done.rowcount == 0:  # revoked in between
                return None
        return token

    def admit(self, token_id: str, per_minute: int, now: float | None = None) -> float:
        """Count one request; 0 when it may go ahead, else the seconds until it may (a sliding
        minute per token, counted in the shared store so every server sees the same count)."""
        now = time.time() if now is None else now
        with self.db.connect(exclusive=f"calls:{token_id}") as con:
            con.execute("DELETE FROM calls WHERE at < ?", (now - 60,))
            rows = con.execute("SELECT at FROM calls WHERE token_id = ? ORDER BY at", (token_id,)).fetchall()
            if len(rows) >= per_minute:
                return max(rows[len(rows) - per_minute][0] + 60 - now, 0.001)
            con.execute("INSERT INTO calls (token_id, at) VALUES (?, ?)", (token_id, now))
        return 0.0
