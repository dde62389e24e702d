"""Impact over every consumer: what a change to a source table or column would break or silently
falsify, from the build (the company's dbt models, or the demo's build SQL) to the saved queries,
metrics, dashboards, alerts, the API's recent answers, the product pages that read the semantic
model, and dbt's exposures. The page's what-if and `python -m portal impact` both read this."""

from __future__ import annotations

import time
from dataclasses import dataclass

from portal.library.build_lineage import BuildLineage, build_lineage, what_if
from portal.library.lineage import Lineage, lineage

CHANGES = ("rename", "drop", "type", "unit")
# the product pages and the parts of the semantic model each reads
PAGE_PARTS = {
    "Funnels": ("events",),
    "Lifecycle": ("events",),
    "Before/after": ("events",),
    "Experiments": ("experiments", "events"),
    "Cohorts: retention": ("people", "events"),
    "Cohorts: orders and revenue": ("people", "revenue"),
    "CAC payback": ("people", "revenue", "spend"),
}
API_DAYS = 90  # an API answer in this many days makes a query or metric "served by the API"


@dataclass(frozen=True)
class Consumer:
    id: str  # unique: "query:growth/x", "metric:revenue", "page:Funnels", …
    kind: str  # saved query, metric, dashboard, alert, API, page, dbt exposure
    title: str
    reads: Lineage
    via: tuple[str, ...] = ()  # consumer ids it is affected through (an alert through its metric)


@dataclass(frozen=True)
class Affected:
    kind: str
    id: str
    title: str
    verdict: str  # "breaks" or "silently wrong"
    why: str


def warehouse_build(settings, catalog, project=None) -> tuple[BuildLineage, str]:
    """The build whose lineage the what-if follows, and what to call its tables: the company's dbt
    models when [dbt] target is set, the demo's build SQL on the demo, else none."""
    if project is not None:
        from portal.dbt.lineage import dbt_lineage

        return dbt_lineage(project, catalog), "dbt model"
    if settings.demo:
        return build_lineage(catalog), "warehouse build"
    return BuildLineage({}, {}, ("no build lineage: set [dbt] target to the dbt project's artifacts",)), "build"


def _union(parts) -> Lineage:
    parts = list(parts)
    return Lineage(frozenset().union(*(p.tables for p in parts)), frozenset().union(*(p.columns for p in parts)))


def model_reads(model, catalog) -> dict[str, Lineage]:
    """What each part of the semantic model reads (its table, joins and identity), by part name."""
    out = {}
    for name in ("events", "people", "revenue", "experiments", "spend"):
        part = getattr(model, name, None)
        if part is None:
            continue
        sql = part.relation(model.revenue) if name == "people" else part.relation()
        out[name] = lineage(f"SELECT * FROM {sql} AS part", catalog)
    return out


def consumers(settings, catalog, checked, metrics, dashboards, alerts, project=None, audit=None) -> list[Consumer]:
    """Every consumer with what it reads. `checked`: the saved queries' check results (their lineage);
    `audit`: the audit log, for what the API answered in the last 90 days."""
    from portal.reporting.usage import dashboard_lineage, metric_sqls

    queries = {r.id: r for r in checked}
    out = [Consumer(f"query:{r.id}", "saved query", r.title, r.lineage) for r in checked]
    metric_reads = {n: lineage("\n;\n".join(metric_sqls(metrics, n)), catalog) for n in metrics.metrics}
    out += [Consumer(f"metric:{n}", "metric", metrics[n].description or n, metric_reads[n]) for n in metrics.metrics]
    used = dashboard_lineage(dashboards, metrics, {r.id: r.lineage for r in checked}, catalog)
    out += [Consumer(uid, "dashboard", f"{uid[10:].capitalize()} dashboard", lin) for uid, lin in used.items()]
    out += [
        Consumer(
            f"alert:{name}",
            "alert",
            a.description or f"alert on {a.metric}",
            metric_reads.get(a.metric, Lineage()),
            (f"metric:{a.metric}",),
        )
        for name, a in alerts.items()
    ]
    for what in _api_served(audit):
        if what.startswith("metric ") and what[7:] in metric_reads:
            out.append(
                Consumer(
                    f"api:/api/metrics/{what[7:]}",
                    "API",
                    f"metric {what[7:]}, served to a token in the last {API_DAYS} days",
                    metric_reads[what[7:]],
                )
            )
        elif what in queries:
            out.append(
                Consumer(
                    f"api:/api/queries/{what}",
                    "API",
                    f"{queries[what].title}, served to a token in the last {API_DAYS} days",
                    queries[what].lineage,
                )
            )
    parts = model_reads(settings.model, catalog)
    for page, needs in PAGE_PARTS.items():
        if all(p in parts for p in needs):  # a page the model cannot feed reads nothing
            out.append(
                Consumer(
                    f"page:{page}",
                    "page",
                    f"{page} (reads the model's {', '.join(needs)})",
                    _union(parts[n] for n in needs),
                )
            )
    for e in project.exposures if project else ():
        out.append(
            Consumer(
                f"exposure:{e.name}",
                "dbt exposure",
                f"{e.label} ({e.type}{', ' + e.url if e.url else ''})",
                Lineage(frozenset(e.depends_on), frozenset()),
            )
        )
    return out


def _api_served(audit) -> list[str]:
    """What the API answered (query ids, "metric <name>") in the last 90 days, from the audit trail."""
    if audit is None:
        return []
    from portal.audit import AuditFilter

    rows = audit.query(AuditFilter(kind="api", since=time.time() - API_DAYS * 86400, limit=100_000))
    served = {str(r["object"] or "").rsplit(" (token ", 1)[0] for r in rows if r["status"] == "ok"}
    return sorted(s for s in served if s and s != "-" and not s.startswith("ask "))


def readers(users: list[Consumer], table: str, column: str | None = None) -> list[Consumer]:
    """The consumers that read `table` (or `table.column`) directly, in kind order."""
    table = table.lower()
    target = f"{table}.{column.lower()}" if column else None
    hit = [u for u in users if (target in u.reads.columns if target else table in u.reads.tables)]
    return sorted(hit, key=lambda u: (u.kind, u.id))


def impact(
    build: BuildLineage, build_kind: str, users: list[Consumer], table: str, column: str | None, change: str
) -> list[Affected]:
    """Each consumer the change reaches, marked *breaks* (an error someone will see) or *silently
    wrong* (numbers that change and nothing says so), the build's own tables first."""
    if change not in CHANGES:
        raise ValueError(f"Unknown change {change!r}; use one of {', '.join(CHANGES)}.")
    wi = what_if(build, table, column, {u.id: u.reads for u in users}, change)
    what = f"{table}.{column}" if column else table
    out = [Affected(build_kind, t, t, "breaks", f"its build reads {what}") for t in wi.broken_builds]
    moved = sorted({c.rsplit(".", 1)[0] for c in wi.changed_columns} - set(wi.broken_builds))
    out += [
        Affected(
            build_kind,
            t,
            t,
            "silently wrong",
            f"computes {', '.join(c.rsplit('.', 1)[1] for c in wi.changed_columns if c.startswith(t + '.'))} from {what}",
        )
        for t in moved
    ]
    by_id = {u.id: u for u in users}
    hits = dict(wi.affected)
    for u in users:  # an alert is affected through its metric even where its lineage says less
        for v in u.via:
            if v in hits and u.id not in hits:
                hits[u.id] = hits[v]
    for uid, why in sorted(hits.items()):
        u = by_id[uid]
        verdict = "breaks" if why.startswith(("breaks", "may break")) else "silently wrong"
        if u.kind == "alert" and verdict == "silently wrong":
            why += "; the alert would judge the jump as news (or miss a real move)"
        out.append(Affected(u.kind, uid, u.title, verdict, why.split(": ", 1)[1] if ": " in why else why))
    return out


@dataclass(frozen=True)
class Everyone:
    """What the what-if needs, read once: the build's lineage and every consumer."""

    build: BuildLineage
    build_kind: str
    users: list[Consumer]
    catalog: object


def gather(settings, session, catalog, audit=None, checked=None) -> Everyone:
    """Every consumer of this configuration: saved queries (compiled on `session`, unless their
    `checked` results are given), metrics, dashboards, alerts, what the API answered, the model's
    pages and the dbt project's exposures."""
    from portal.dbt.artifacts import load_project
    from portal.library import QueryStore, check_all
    from portal.reporting.alerts import load_alerts
    from portal.reporting.dashboards import DashboardStore
    from portal.reporting.metrics import load_metrics
    from portal.reporting.usage import load_dashboards

    project = load_project(settings.dbt_target)
    if checked is None:
        queries, errors = QueryStore(settings.queries_dir, settings.state_dir).load_all()
        checked = check_all(session, queries, catalog, errors)
    metrics = load_metrics(settings.metrics_path, settings.model)
    dashboards, _ = load_dashboards(DashboardStore(settings.dashboards_dir))
    alerts = load_alerts(settings.alerts_path, metrics)
    build, kind = warehouse_build(settings, catalog, project)
    users = consumers(settings, catalog, checked, metrics, dashboards, alerts, project, audit)
    return Everyone(build, kind, users, catalog)
