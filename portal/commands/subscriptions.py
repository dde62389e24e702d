"""`python -m portal subscriptions send [--dry-run]` (cron, like alerts): mail each due subscription
its team dashboard's digest, computed with the subscriber's own role (their warehouse: with or without
PII, their schemas), through the digest's path, with a link that unsubscribes without signing in.
`subscriptions list`: who is subscribed to what."""

from __future__ import annotations

import html
import sys
from datetime import date
from pathlib import Path

from portal.config import ROOT, load_settings


def register(sub) -> None:
    p = sub.add_parser("subscriptions", help="mail the team-dashboard digests people subscribed to (cron)")
    verbs = p.add_subparsers(dest="verb", required=True)
    send = verbs.add_parser("send", help="mail every subscription that is due")
    send.add_argument("--dry-run", action="store_true", help="say what would be sent; send nothing")
    send.add_argument("--secrets", default=str(ROOT / ".streamlit" / "secrets.toml"))
    verbs.add_parser("list", help="every active subscription")
    p.set_defaults(func=run)


def run(args) -> int:
    from portal.audit import AuditLog
    from portal.reporting.subscriptions import Subscriptions

    settings = load_settings()  # a malformed portal.toml: cli.main says so
    subs = Subscriptions(settings.state, AuditLog(settings.state))
    if args.verb == "list":
        for s in subs.active():
            print(f"{s.team}\t{s.every}\t{s.person}\t{s.email}")
        return 0
    return send_due(settings, subs, args.dry_run, Path(args.secrets))


def _footer(settings, token: str, team: str) -> str:
    base = settings.site_url or "http://localhost:8501"
    link = f"{base}/unsubscribe?token={token}"
    return (
        f'<p style="font:12px sans-serif;color:#868e96">You subscribed to the {html.escape(team)} dashboard. '
        f'<a href="{html.escape(link)}">Unsubscribe</a> (one click, no sign-in).</p>'
    )


def send_due(settings, subs, dry_run: bool, secrets: Path) -> int:
    from portal.audit import AuditLog
    from portal.identity import denied_schemas, make_user
    from portal.library import QueryStore
    from portal.product.baking import baking_windows
    from portal.reporting.annotations import annotations_path, load_annotations
    from portal.reporting.dashboards import DashboardStore, default_range, settled_through
    from portal.reporting.digest import build_digest, send_digest, smtp_settings
    from portal.reporting.metrics import load_metrics, metrics_path, settle
    from portal.warehouse.connect import open_warehouse

    due = subs.due()
    cfg = smtp_settings(secrets, settings.extra)
    if due and not dry_run and (not cfg or "from" not in cfg):
        print("error: no [smtp] settings with from in the secrets file", file=sys.stderr)
        return 2
    audit, failed = AuditLog(settings.state), 0
    store = QueryStore(settings.queries_dir, settings.state_dir)
    dashboards = DashboardStore(settings.dashboards_dir)
    for sub in due:
        user = make_user(sub.person, settings, "subscription")
        wh = open_warehouse(settings, user.has_pii)
        try:
            session = wh.session(user, audit, denied_schemas(settings, user))
            through = date.fromisoformat((session.catalog().data_through or date.today().isoformat())[:10])
            metrics = settle(load_metrics(metrics_path(settings), settings.model), baking_windows(session, through))
            d = dashboards.load(sub.team, metrics)
            settled, _ = settled_through([metrics[t.metric] for t in d.tiles if t.metric in metrics.metrics], through)
            start, end = default_range(settled, 7 if sub.every == "weekly" else 1)
            changes = load_annotations(annotations_path(settings), set(metrics.metrics))
            body = build_digest(session, d, metrics, store, start, end, annotations=changes, data_through=through)
        except Exception as err:  # one broken dashboard must not stop the others' mail
            failed += 1
            subs.sent(sub, False, str(err)[:300])
            print(f"  {sub.team} to {sub.email}: {err}", file=sys.stderr)
            continue
        finally:
            wh.close()
        if dry_run:
            print(f"would send {sub.team} ({sub.every}) to {sub.email}")
            continue
        body = body.replace("</body>", _footer(settings, subs.link_token(sub), sub.team) + "</body>")
        try:
            send_digest(body, f"{d.title} {sub.every} digest {start} to {end}", cfg, to=[sub.email])
            subs.sent(sub, True)
            print(f"sent {sub.team} ({sub.every}) to {sub.email}")
        except OSError as err:
            failed += 1
            subs.sent(sub, False, str(err))
            print(f"  could not send {sub.team} to {sub.email}: {err}", file=sys.stderr)
    if not due:
        print("nothing due")
    return 1 if failed else 0
