"""`python -m portal dbt import TARGET_DIR`: read a dbt project's artifacts and say what the portal
takes from them (descriptions, tests, freshness, personal columns, exposures, lineage, which metrics
map onto the semantic layer); `dbt exposures`: the portal's dashboards and curated queries as dbt
exposures (YAML on stdout, for the dbt project's models/ folder); `dbt metrics`: the dbt metrics
that map, as metrics.toml sections to review and paste."""

from __future__ import annotations

import sys
from pathlib import Path

from portal.config import load_settings
from portal.identity import SignInRefused
from portal.warehouse.connect import add_person_argument, command_session
from portal.warehouse.errors import WarehouseUnavailable


def register(sub) -> None:
    p = sub.add_parser("dbt", help="read a dbt project's artifacts; write the portal's exposures for dbt")
    verbs = p.add_subparsers(dest="verb", required=True)
    imp = verbs.add_parser("import", help="read TARGET_DIR's artifacts and say what the portal takes from them")
    imp.add_argument("target_dir", help="dbt's target/ folder (manifest.json, catalog.json, …)")
    exp = verbs.add_parser("exposures", help="the portal's dashboards and curated queries as dbt exposures (YAML)")
    met = verbs.add_parser("metrics", help="dbt metrics that map onto the semantic layer, as metrics.toml")
    for verb in (exp, met):
        verb.add_argument("--target-dir", help="dbt's target/ folder (default: [dbt] target in portal.toml)")
    for verb in (imp, exp, met):
        verb.add_argument("--db", help="warehouse file (default: the public twin from portal.toml)")
        add_person_argument(verb)
    p.set_defaults(func=run)


def run(args) -> int:
    from portal.dbt.artifacts import DbtError, read_project

    settings = load_settings()  # a malformed portal.toml: cli.main says so
    folder = Path(getattr(args, "target_dir", None) or settings.dbt_target or "")
    if not str(folder) or folder == Path():
        print("error: no dbt artifacts: pass --target-dir or set [dbt] target in portal.toml", file=sys.stderr)
        return 2
    try:
        project = read_project(folder)
    except DbtError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.verb == "metrics":
        from portal.dbt.semantic import map_metrics

        for m in map_metrics(project, settings.model):
            print(m.toml if m.maps else f"# {m.metric}: does not map: {m.reason}\n")
        return 0
    try:
        wh, session = command_session(settings, args, f"dbt {args.verb}")
    except (FileNotFoundError, WarehouseUnavailable, SignInRefused) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        catalog = session.catalog()
        return (
            _exposures(settings, project, catalog)
            if args.verb == "exposures"
            else _import(settings, project, catalog, folder)
        )
    finally:
        wh.close()


def _exposures(settings, project, catalog) -> int:
    from portal.dbt.exposures import exposures_yaml
    from portal.library import QueryStore, lineage
    from portal.reporting.dashboards import DashboardStore
    from portal.reporting.metrics import load_metrics
    from portal.reporting.usage import dashboard_lineage, load_dashboards

    queries, _ = QueryStore(settings.queries_dir, settings.state_dir).load_all()
    pairs = [(q, lineage(q.sql, catalog)) for q in queries]
    dashboards, _ = load_dashboards(DashboardStore(settings.dashboards_dir))
    reads = dashboard_lineage(
        dashboards, load_metrics(settings.metrics_path, settings.model), {q.id: lin for q, lin in pairs}, catalog
    )
    sys.stdout.write(exposures_yaml(project, dashboards, reads, pairs, settings.site_url))
    return 0


def _import(settings, project, catalog, folder: Path) -> int:
    from portal.dbt.lineage import dbt_lineage
    from portal.dbt.semantic import map_metrics

    tables = {t.full_name.lower() for t in catalog.tables}
    found = [r for r in project.relations.values() if r.name in tables]
    missing = sorted(r.name for r in project.relations.values() if r.name not in tables)
    tests = [t for r in project.relations.values() for t in r.tests]
    failing = [
        f"{r.name}.{t.column or ''} {t.name}".replace(". ", " ")
        for r in project.relations.values()
        for t in r.tests
        if t.status in ("fail", "error")
    ]
    build = dbt_lineage(project, catalog)
    print(
        f"dbt project at {folder}: {len(project.models())} models, {sum(r.kind == 'source' for r in project.relations.values())} sources"
    )
    print(
        f"  in this warehouse: {len(found)} of {len(project.relations)} relations"
        + (f"; not found: {', '.join(missing)}" if missing else "")
    )
    print(
        f"  descriptions: {sum(bool(r.description) for r in found)} tables, {sum(bool(d) for r in found for d in r.columns.values())} columns"
    )
    print(
        f"  tests: {len(tests)} ({sum(t.status == 'pass' for t in tests)} pass, {len(failing)} fail or error)"
        + (f" as of {project.run_at}" if project.run_at else "")
    )
    for f in failing:
        print(f"    failing: {f}")
    print(f"  freshness: {sum(r.freshness is not None for r in found)} relations")
    print(f"  personal columns (blanked in the twin): {', '.join(project.pii_columns()) or 'none'}")
    print(f"  exposures: {', '.join(e.name for e in project.exposures) or 'none'}")
    print(f"  column lineage: {len(build.sources)} model columns traced to their sources")
    for note in (*project.notes, *build.unread):
        print(f"  note: {note}")
    print("  metrics:")
    for m in map_metrics(project, settings.model):
        print(f"    {m.metric}: {'maps to ' if m.maps else 'does not map: '}{m.reason}")
    if settings.dbt_target is None or settings.dbt_target.resolve() != folder.resolve():
        print(f'\nTo use it, add to portal.toml:\n[dbt]\ntarget = "{folder.resolve()}"')
    return 0
