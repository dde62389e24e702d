"""Who is using the portal and what they may do.

Three ways to know who someone is, chosen by configuration, never mixed:
- **OIDC sign-in** (`[auth]` in `.streamlit/secrets.toml`): Streamlit's `st.login` verifies the
  identity token; roles come from one of its claims (`[auth] roles_claim` in portal.toml, e.g.
  `groups`) mapped to portal roles. With it configured, personas and headers are ignored.
- **A trusted proxy header** (`[auth] user_header`): only for a deployment behind an SSO proxy that
  strips the header from client requests and sets it itself; roles then come from `[people]`.
- **Demo personas** (neither): the sidebar picker, clearly labelled; a persona is not a person, so
  its history belongs to the browser session.

Portal roles: `analyst` (query the PII-free warehouse, save drafts), `data_team` (curate queries,
dashboards, metrics and annotations; see the audit trail), `pii` (the full warehouse), `admin`
(everything).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from portal.config import Settings

ROLES = ("analyst", "data_team", "pii", "admin")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,127}$")


class SignInRefused(PermissionError):
    """A verified identity that this portal does not admit (unknown_users = "refuse")."""


@dataclass(frozen=True)
class User:
    name: str
    roles: frozenset[str] = field(default_factory=lambda: frozenset({"analyst"}))
    session_id: str = ""  # demo mode: this browser session, so anonymous visitors never share a history
    verified: bool = False  # signed in through OIDC or a trusted proxy (not a demo persona)
    kind: str = "person"  # "person", or "system": the portal itself on behalf of a role (shared results)
    subject: str = ""  # OIDC: issuer and subject, the only stable key of a person (an e-mail can be claimed)

    @property
    def is_data_team(self) -> bool:
        return bool(self.roles & {"data_team", "admin"})

    @property
    def has_pii(self) -> bool:
        return bool(self.roles & {"pii", "admin"})

    @property
    def admission_key(self) -> str | None:
        """Whose per-person statement limit applies (a system principal computes for many people)."""
        return None if self.kind == "system" else self.history_key

    @property
    def history_key(self) -> str:
        """Whose history this is: the person (by issuer and subject when signed in through OIDC), or
        (demo mode, no sign-in) this browser session."""
        if self.subject:
            return "oidc-" + hashlib.sha256(self.subject.encode()).hexdigest()[:24]
        return f"{self.name}@{self.session_id}" if self.session_id else self.name

    @property
    def role(self) -> str:
        if self.has_pii:
            return "data team (PII access)" if self.is_data_team else "analyst (PII access)"
        return "data team" if self.is_data_team else "analyst"


OIDC_KEYS = ("redirect_uri", "cookie_secret")
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")


def auth_secrets_problem(auth: Mapping) -> str:
    """What makes an [auth] section of the secrets unusable ("" when nothing): the keys Streamlit's
    st.login needs, for the default provider or for every named one."""
    missing = [k for k in OIDC_KEYS if not str(auth.get(k) or "").strip()]
    providers = {k: v for k, v in auth.items() if isinstance(v, Mapping)}
    for name, block in (
        {"[auth]": auth} if not providers else {f"[auth.{k}]": v for k, v in providers.items()}
    ).items():
        missing += [f"{name} {k}" for k in PROVIDER_KEYS if not str(block.get(k) or "").strip()]
    if len(str(auth.get("cookie_secret") or "")) < 32 and "cookie_secret" not in missing:
        missing.append("a cookie_secret of at least 32 characters")
    return ("missing " + ", ".join(missing)) if missing else ""


def auth_settings(settings: Settings) -> dict:
    return settings.extra.get("auth", {}) or {}


def secrets_files() -> tuple[Path, ...]:
    """Where Streamlit reads secrets by default (its `secrets.files` option): the user's, then the
    working folder's, the later winning."""
    return (Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml")


def read_auth_secrets(files: tuple[Path, ...] | None = None) -> tuple[bool, str]:
    """(real sign-in configured, what is wrong with it) from the secrets files, without Streamlit: the
    API decides by the same rule as the pages. A file that cannot be read is a problem (fail closed)."""
    import tomllib

    auth = None
    for path in files or secrets_files():
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return True, f"the secrets file {path} cannot be read: it is not valid TOML"
        auth = data.get("auth", auth)
    if auth is None:
        return False, ""
    return True, auth_secrets_problem(auth) if isinstance(auth, Mapping) else "[auth] is not a table"


def sign_in_mode(settings: Settings, oidc: bool) -> str:
    """oidc (the secrets' [auth]), proxy ([auth] user_header in portal.toml) or demo (personas)."""
    if oidc:
        return "oidc"
    return "proxy" if auth_settings(settings).get("user_header") else "demo"


def make_user(name: str, settings: Settings, session_id: str = "", verified: bool = False) -> User:
    """A user whose roles come from the `[people]` lists (demo personas and trusted-header users)."""
    people = settings.people
    roles = {"analyst"}
    if name in people.data_team:
        roles.add("data_team")
    if name in people.pii_access:
        roles.add("pii")
    return User(name, frozenset(roles), session_id, verified)


def roles_from_claims(claims: Mapping[str, object], settings: Settings) -> frozenset[str] | None:
    """Portal roles from the identity token's roles claim, through `[auth.roles]`; None when none map."""
    cfg = auth_settings(settings)
    raw = claims.get(cfg.get("roles_claim", "groups"), [])
    groups = [raw] if isinstance(raw, str) else list(raw or [])
    mapping: dict = cfg.get("roles", {})
    roles = {r for g in groups for r in mapping.get(str(g), []) if r in ROLES}
    return frozenset(roles | ({"analyst"} if roles else set())) or None


def user_from_claims(claims: Mapping[str, object], settings: Settings) -> User:
    """The signed-in user from verified OIDC claims; unknown users get the least privilege or are
    refused, as `[auth] unknown_users` says."""
    sub, issuer = str(claims.get("sub") or "").strip(), str(claims.get("iss") or "").strip()
    if not sub:
        raise SignInRefused("The identity provider did not say who you are (no subject).")
    subject = f"{issuer}|{sub}"
    email = str(claims.get("email") or "").strip().lower()
    # an e-mail is a name only when the provider vouches for it: anyone can put pia@example.com in an
    # account's profile (issue #21, finding 3); an unverified one shows as an opaque, stable name
    verified = claims.get("email_verified") is True and _NAME.match(email)
    name = email if verified else "user-" + hashlib.sha256(subject.encode()).hexdigest()[:12]
    roles = roles_from_claims(claims, settings)
    if roles is None:
        if auth_settings(settings).get("unknown_users", "analyst") == "refuse":
            raise SignInRefused(f"{name} has no role in this portal. Ask the data team for access.")
        roles = frozenset({"analyst"})
    return User(name, roles, verified=True, subject=subject)


def resolve_user(
    settings: Settings,
    headers: Mapping[str, str] | None = None,
    chosen: str | None = None,
    session_id: str = "",
    claims: Mapping[str, object] | None = None,
    oidc_configured: bool = False,
) -> User | None:
    """The current user, or None when sign-in is configured and nobody is signed in."""
    if oidc_configured:  # personas and headers are never honoured beside real sign-in
        return user_from_claims(claims, settings) if claims else None
    header_name = auth_settings(settings).get("user_header")
    if header_name:
        value = ((headers or {}).get(header_name) or "").strip().lower()
        return make_user(value, settings, verified=True) if _NAME.match(value) else None
    if chosen and chosen in settings.people.demo_users:
        return make_user(chosen, settings, session_id)
    return make_user(settings.people.default_user, settings, session_id)


def system_principal(purpose: str, pii: bool) -> User:
    """The portal itself, computing for everyone of one role (a cache shared by that role): a named
    principal in the audit trail with exactly that role's access, never "nobody" or "everything"."""
    return User(f"system:{purpose}", frozenset({"analyst", *(["pii"] if pii else [])}), verified=True, kind="system")


def command_line_person(settings: Settings, name: str | None = None) -> User:
    """Who runs a command: `--as PERSON`, else the operating-system user, with their [people] roles."""
    import getpass

    chosen = (name or getpass.getuser() or "").strip().lower()
    if not _NAME.match(chosen):
        raise SignInRefused(f"{chosen!r} is not a person's name (letters, digits and . _ @ + - only).")
    return make_user(chosen, settings, verified=True)


def denied_schemas(settings: Settings, user: User) -> tuple[str, ...]:
    """Schemas this user's roles may not query (`[permissions] schema_roles` in portal.toml)."""
    rules: dict = settings.extra.get("permissions", {}).get("schema_roles", {})
    return tuple(sorted(schema for schema, roles in rules.items() if not user.roles & set(roles)))
