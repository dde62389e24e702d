"""`python -m portal alerts run [--force] [--dry-run]` checks every due alert of alerts.toml and
mails the ones that start to fire; `alerts list` shows them and their state. Meant for cron or a
systemd timer every few minutes: each alert keeps its own `every`, so running often is harmless."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from portal.config import ROOT, load_settings


def register(sub) -> None:
    p = sub.add_parser("alerts", help="check metric alerts (alerts.toml) and mail the ones that fire")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    run_p = actions.add_parser("run", help="check every due alert; mail those that start to fire")
    run_p.add_argument("--force", action="store_true", help="check every alert now, due or not")
    run_p.add_argument("--dry-run", action="store_true", help="check and print, send and record nothing")
    run_p.add_argument("--secrets", default=str(ROOT / ".streamlit" / "secrets.toml"))
    actions.add_parser("list", help="each alert, its rule, whether it is firing and when it was last checked")
    p.set_defaults(func=run)


def _load(settings):
    from portal.reporting.alerts import load_alerts
    from portal.reporting.dashboards import DashboardStore
    from portal.reporting.metrics import load_metrics, metrics_path

    metrics = load_metrics(metrics_path(settings), settings.model)
    return metrics, load_alerts(settings.alerts_path, metrics, set(DashboardStore(settings.dashboards_dir).teams()))


def run(args) -> int:
    from portal.audit import AuditLog
    from portal.identity import SignInRefused, command_line_person, system_principal
    from portal.reporting.alert_log import AlertLog
    from portal.reporting.alert_run import run_alerts
    from portal.reporting.alerts import AlertError
    from portal.reporting.digest import send_digest, smtp_settings
    from portal.reporting.metrics import MetricError
    from portal.warehouse.connect import open_warehouse
    from portal.warehouse.errors import QueryError

    settings = load_settings()
    try:
        metrics, alerts = _load(settings)
    except (AlertError, MetricError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    log = AlertLog(settings.state)
    if args.action == "list":
        for a in alerts.values():
            firing, last = log.state(a.name)
            print(f"{a.name}\t{a.metric} {a.rule()}\t{'FIRING' if firing else 'ok'}\tlast checked {last or 'never'}")
        return 0
    if not alerts:
        print("no alerts configured ([paths] alerts in portal.toml)", file=sys.stderr)
        return 0
    cfg = smtp_settings(Path(args.secrets), settings.extra)
    if not args.dry_run and (not cfg or "from" not in cfg):
        print("error: no [smtp] settings with from in the secrets file", file=sys.stderr)
        return 2
    try:
        person = command_line_person(settings)
        audit = AuditLog(settings.state)
        audit.record(person, "command", "command line", "ok", object="alerts run", detail=" ".join(sys.argv[1:]))
        # alerts go to anyone, so they are computed as the portal for analysts: the PII-free twin
        session = open_warehouse(settings, pii=False).session(system_principal("alerts", False), audit, ())
        through_text = session.catalog().data_through
    except (QueryError, SignInRefused) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    through = date.fromisoformat(through_text[:10]) if through_text else date.today()
    from portal.product.baking import baking_windows
    from portal.reporting.metrics import settle

    metrics = settle(metrics, baking_windows(session, through))  # judged on settled days only

    def send(body, subject, to, text):
        if args.dry_run:
            print(f"would send {subject!r} to {', '.join(to)}")
            return
        send_digest(body, subject, cfg, to=to, text=text)

    if args.dry_run:
        log = _DryLog(log)
    outcomes = run_alerts(
        session, metrics, alerts, log, through, send, site_url=settings.site_url, force=args.force or args.dry_run
    )
    for o in outcomes:
        print(f"{o.alert}\t{o.action}\t{o.words}")
    return 1 if any(o.action == "failed" for o in outcomes) else 0


class _DryLog:
    """The alert log, read but never written (a dry run changes nothing)."""

    def __init__(self, log):
        self._log = log

    def state(self, alert):
        return self._log.state(alert)

    def record(self, *args, **kwargs):
        return None
