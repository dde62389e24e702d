"""Who is using the portal and what they may do, until real access control arrives.

Identity comes from a trusted proxy header when one is configured (the usual SSO setup), else from
the persona picked in the sidebar in demo mode, else the configured default user. Roles come from
the lists in portal.toml: the data team curates; only `pii_access` users get the full warehouse.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from portal.config import Settings

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class User:
    name: str
    is_data_team: bool
    has_pii: bool

    session_id: str = ""  # demo mode: this browser session, so anonymous visitors never share a history

    @property
    def history_key(self) -> str:
        """Whose history this is: the person, or (demo mode, no sign-in) this browser session."""
        return f"{self.name}@{self.session_id}" if self.session_id else self.name

    @property
    def role(self) -> str:
        if self.has_pii:
            return "data team (PII access)"
        return "data team" if self.is_data_team else "analyst"


def make_user(name: str, settings: Settings, session_id: str = "") -> User:
    people = settings.people
    return User(name, name in people.data_team, name in people.pii_access, session_id)


def resolve_user(
    settings: Settings, headers: Mapping[str, str] | None = None, chosen: str | None = None, session_id: str = ""
) -> User:
    """Header from a trusted proxy wins; a demo persona is accepted only if it is a listed one.
    A demo persona is not a person: its history belongs to the browser session (`session_id`)."""
    header_name = settings.extra.get("auth", {}).get("user_header")
    if header_name and headers:
        value = (headers.get(header_name) or "").strip().lower()
        if _NAME.match(value):
            return make_user(value, settings)
    if chosen and chosen in settings.people.demo_users:
        return make_user(chosen, settings, session_id)
    return make_user(settings.people.default_user, settings, session_id)
