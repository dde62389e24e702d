"""`python -m portal refresh [--team T]`: compute every team dashboard's tiles (and charts) for its
opening dates, the first views of Funnels, Lifecycle and Cohorts, and the facts pages open on (event
names, the data's days, experiments, filter values, baking windows), for each role of the configured
people, into the result store (cron or a systemd timer, like alerts). Pages then read them ("computed 06:00 · data through 15 Nov")
instead of computing per server; a rebuilt warehouse is a new version, so older answers are not shown
for it. Expired answers are swept."""

from __future__ import annotations

import sys
from datetime import date

from portal.config import load_settings


def register(sub) -> None:
    p = sub.add_parser("refresh", help="compute dashboards' tiles and pages' first views into the result store (cron)")
    p.add_argument("--team", help="one team's dashboard (default: every team)")
    p.set_defaults(func=run)


def run(args) -> int:
    from portal.audit import AuditLog
    from portal.identity import system_principal
    from portal.library import QueryStore
    from portal.model import ModelError
    from portal.product.funnels import user_levels
    from portal.reporting.annotations import AnnotationError, annotations_path, load_annotations
    from portal.reporting.dashboards import DashboardStore, opening_range, settled_through
    from portal.reporting.metrics import load_metrics, settle
    from portal.results.facts import fact
    from portal.results.pages import FUNNEL, default_funnel, funnel_frames, funnel_key, product_views, stored_frames
    from portal.results.store import open_results, role_key_text, warehouse_version
    from portal.results.tiles import refresh_tiles, role_keys
    from portal.warehouse.connect import open_warehouse
    from portal.warehouse.errors import WarehouseUnavailable

    settings = load_settings()  # a malformed portal.toml: cli.main says so
    dashboards = DashboardStore(settings.dashboards_dir)
    teams = [args.team] if args.team else dashboards.teams()
    if args.team and args.team not in dashboards.teams():
        print(
            f"error: no dashboard for team {args.team!r} ({', '.join(dashboards.teams()) or 'none'})", file=sys.stderr
        )
        return 2
    store, audit = open_results(settings), AuditLog(settings.state)
    queries = QueryStore(settings.queries_dir, settings.state_dir)
    version = warehouse_version(settings.warehouse_path)
    done = failed = pages = 0
    roles = role_keys(settings)
    try:
        changes = tuple(load_annotations(annotations_path(settings)))
    except AnnotationError as err:  # the pages draw none either
        print(f"annotations not drawn: {err}", file=sys.stderr)
        changes = ()
    for pii, denied in roles:
        try:
            wh = open_warehouse(settings, pii)
        except (FileNotFoundError, WarehouseUnavailable) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        session = wh.session(system_principal("refresh of shared results", pii), audit, denied)
        role = role_key_text(pii, denied)

        def known(name: str, *args: str, session=session, role=role):
            return fact(store, session, role, version, name, *args, fresh_after=float("inf"))

        catalog = session.catalog()
        through = date.fromisoformat((catalog.data_through or date.today().isoformat())[:10])
        metrics = settle(load_metrics(settings.metrics_path, settings.model), known("baking_windows", str(through)))
        known("experiment_names")
        for name in {f for team in teams for f in dashboards.load(team, metrics).filters}:
            try:
                known("filter_options", name)
            except ModelError:
                pass  # a filter [model.filters] does not declare: the page offers no values either
        for team in teams:
            d = dashboards.load(team, metrics)
            settled, _ = settled_through([metrics[t.metric] for t in d.tiles if t.metric in metrics.metrics], through)
            stored, errors = refresh_tiles(store, session, role, version, d, metrics, queries, opening_range(settled),
                                           changes, through)  # fmt: skip
            done, failed = done + stored, failed + len(errors)
            for error in errors:
                print(f"  {team}: {error}", file=sys.stderr)
        spec = default_funnel(settings.model, known("event_names"), known("data_range"))  # Funnels' first view
        if spec is not None:
            stored_frames(store, session.user.name, role, funnel_key(spec), version,
                          lambda spec=spec, session=session: funnel_frames(user_levels(session, spec), spec),
                          fresh_after=float("inf"), names=FUNNEL)  # fmt: skip
            pages += 1
        for key, compute in product_views(session, settings.model, known("data_range"), catalog.data_through).items():
            stored_frames(store, session.user.name, role, key, version, lambda c=compute: {"frame": c()},
                          fresh_after=float("inf"))  # fmt: skip
            pages += 1
        wh.close()
    swept = store.sweep()
    print(
        f"refreshed {done} tiles of {len(teams)} dashboards and {pages} page views for {len(roles)} "
        f"roles; {failed} failed; {swept} expired answers removed"
    )
    return 1 if failed else 0
