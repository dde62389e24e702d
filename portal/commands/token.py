"""`python -m portal token create --as PERSON [--expires-days N] [--label TEXT]` prints a new
personal API token once; `token list --as PERSON` lists that person's tokens (never the secret);
`token revoke ID` revokes one. Each is recorded in the audit trail."""

from __future__ import annotations

import sys
import time

from portal.api.tokens import TokenError, TokenStore, owner_key
from portal.audit import AuditLog
from portal.config import load_settings
from portal.identity import SignInRefused, command_line_person
from portal.warehouse.connect import add_person_argument


def register(sub) -> None:
    p = sub.add_parser("token", help="create, list or revoke personal API tokens (the CSV/JSON API)")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="print a new token for a person (shown once)")
    add_person_argument(create)
    create.add_argument("--expires-days", type=float, help="days until it stops working (default: never)")
    create.add_argument("--label", default="", help="what it is for, e.g. 'supply sheet'")
    listing = actions.add_parser("list", help="a person's tokens: id, label, state, created, expires, last used")
    add_person_argument(listing)
    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("id")
    p.set_defaults(func=run)


def _when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else "-"


def run(args) -> int:
    settings = load_settings()
    store, audit = TokenStore(settings.state), AuditLog(settings.state)
    try:
        person = command_line_person(settings, getattr(args, "as_person", None))
        if args.action == "create":
            token, secret = store.create(person, args.label, args.expires_days, mode="cli")
            audit.record(person, "command", "command line", "ok", object=f"token create {token.id}")
            print(secret)
            print(
                f"token {token.id} for {person.name} ({', '.join(sorted(person.roles))}), expires "
                f"{_when(token.expires) if token.expires else 'never'}. It is shown only now: keep it like a password.",
                file=sys.stderr,
            )
        elif args.action == "list":
            print("id\tlabel\tstate\tcreated\texpires\tlast_used")
            for t in store.owned_by(owner_key(person)):
                print(f"{t.id}\t{t.label}\t{t.state()}\t{_when(t.created)}\t{_when(t.expires)}\t{_when(t.last_used)}")
        else:
            token = store.revoke(args.id)
            audit.record(person, "command", "command line", "ok", object=f"token revoke {token.id} of {token.owner}")
            print(f"revoked {token.id} ({token.owner})", file=sys.stderr)
    except (TokenError, SignInRefused) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
