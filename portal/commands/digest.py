"""`python -m portal digest --team executive [--out FILE] [--send]`: the weekly KPI mail as one HTML file."""

from __future__ import annotations

import sys
from pathlib import Path

from portal.config import ROOT, load_settings
from portal.identity import SignInRefused
from portal.library import QueryStore
from portal.reporting.annotations import AnnotationError, annotations_path, load_annotations
from portal.reporting.dashboards import DashboardError, DashboardStore, default_range
from portal.reporting.metrics import MetricError, load_metrics, metrics_path
from portal.warehouse.connect import add_person_argument, command_session
from portal.warehouse.errors import QueryError


def register(sub) -> None:
    p = sub.add_parser("digest", help="render a team's weekly digest e-mail (and send it with SMTP settings)")
    p.add_argument("--team", required=True)
    p.add_argument("--out", help="write the HTML here (default: print to stdout)")
    p.add_argument("--days", type=int, default=7, help="period length, ending on the last day of data")
    p.add_argument("--send", action="store_true", help="send with [smtp] from .streamlit/secrets.toml")
    p.add_argument("--secrets", default=str(ROOT / ".streamlit" / "secrets.toml"))
    p.add_argument("--db", help="warehouse file (default: the public twin)")
    add_person_argument(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from datetime import date

    from portal.reporting.digest import build_digest, send_digest, smtp_settings

    settings = load_settings()
    try:
        metrics = load_metrics(metrics_path(settings), settings.model)
        store = QueryStore(settings.queries_dir, settings.state_dir)
        d = DashboardStore(settings.dashboards_dir).load(args.team, metrics, {q.id for q in store.load_all()[0]})
        changes = load_annotations(annotations_path(settings), set(metrics.metrics))
        wh, session = command_session(settings, args, "digest")
    except (DashboardError, MetricError, AnnotationError, FileNotFoundError, QueryError, SignInRefused) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    from portal.product.baking import baking_windows
    from portal.reporting.metrics import settle

    through = date.fromisoformat((session.catalog().data_through or date.today().isoformat())[:10])
    metrics = settle(metrics, baking_windows(session, through))  # the dashboards' own baking windows
    start, end = default_range(through, args.days)
    body = build_digest(session, d, metrics, store, start, end, annotations=changes, data_through=through)
    wh.close()
    if args.out:
        Path(args.out).write_text(body, encoding="utf-8")
        print(f"wrote {args.out} ({len(body) / 1024:.0f} KB)", file=sys.stderr)
    elif not args.send:
        sys.stdout.write(body)
    if args.send:
        cfg = smtp_settings(Path(args.secrets), settings.extra)
        if not cfg or "from" not in cfg or "to" not in cfg:
            print("error: no [smtp] settings with from and to in the secrets file", file=sys.stderr)
            return 2
        try:
            send_digest(body, f"{d.title} weekly digest {start} to {end}", cfg)
        except OSError as err:
            print(f"error: could not send: {err}", file=sys.stderr)
            return 1
        print(f"sent to {cfg['to']}", file=sys.stderr)
    return 0
