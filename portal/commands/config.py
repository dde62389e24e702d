"""`python -m portal config check|reference`: check every file the data team writes against the one
schema (portal.toml, metrics.toml, alerts.toml, annotations.toml, dashboards/*.toml; exit 1 naming the
file, line and nearest key on a mistake), or print the reference those files follow (docs/REFERENCE.md)."""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("config", help="check the configuration files, or print their reference")
    p.add_argument("action", choices=["check", "reference"], help="check: validate every file; reference: Markdown")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.action == "reference":
        from portal.config_reference import render

        sys.stdout.write(render())
        return 0
    from portal.config import ConfigError, load_settings
    from portal.reporting.alerts import AlertError, load_alerts
    from portal.reporting.annotations import AnnotationError, load_annotations
    from portal.reporting.dashboards import DashboardError, DashboardStore
    from portal.reporting.metrics import MetricError, load_metrics

    try:
        settings = load_settings()
        metrics = load_metrics(settings.metrics_path, settings.model)
        store = DashboardStore(settings.dashboards_dir)
        for team in store.teams():
            store.load(team, metrics)
        load_alerts(settings.alerts_path, metrics, set(store.teams()))
        load_annotations(settings.annotations_path, set(metrics.metrics))
    except (ConfigError, MetricError, DashboardError, AlertError, AnnotationError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"ok: the configuration and {len(metrics.metrics)} metrics, {len(store.teams())} dashboards check out")
    return 0
