"""Who uses what: which dashboards read which tables and columns (for the breakage check), and which
dashboards and saved queries use each metric (for the metric definitions page)."""

from __future__ import annotations

from portal.library import Lineage, lineage
from portal.library.header import SavedQuery
from portal.reporting.dashboards import Dashboard
from portal.reporting.metrics import Metric, MetricSet


def load_dashboards(store) -> tuple[dict[str, Dashboard], list[str]]:
    """Every readable dashboard by team, and the errors of those that are not."""
    out, errors = {}, []
    for team in store.teams():
        try:
            out[team] = store.load(team)
        except ValueError as err:
            errors.append(str(err))
    return out, errors


def metric_sqls(metrics: MetricSet, name: str) -> list[str]:
    """The SQL behind a metric (a ratio's is its numerator's and denominator's)."""
    m = metrics.metrics.get(name)
    names = [m.numerator, m.denominator] if m and m.type == "ratio" else [name]
    return [metrics.metrics[n].sql for n in names if n in metrics.metrics and metrics.metrics[n].sql]


def dashboard_lineage(
    dashboards: dict[str, Dashboard], metrics: MetricSet, query_lineage: dict[str, Lineage], catalog=None
) -> dict[str, Lineage]:
    """What each team dashboard reads: its saved queries' lineage plus its metrics' SQL, keyed
    `dashboard:<team>` so the impact view lists dashboards beside saved queries."""
    out = {}
    for team, d in dashboards.items():
        parts = []
        for t in d.tiles:
            if t.query:
                parts.append(query_lineage.get(t.query, Lineage()))
            if t.metric:
                parts += [lineage(sql, catalog) for sql in metric_sqls(metrics, t.metric)]
        out[f"dashboard:{team}"] = Lineage(
            frozenset().union(*(p.tables for p in parts)), frozenset().union(*(p.columns for p in parts))
        )
    return out


def metric_users(metric: Metric, metrics: MetricSet, dashboards: dict[str, Dashboard]) -> tuple[list[str], list[str]]:
    """Dashboards showing `metric` ("Title (team)"), and the ratios it is part of."""
    used_by = [f"{d.title} ({team})" for team, d in dashboards.items() if any(t.metric == metric.name for t in d.tiles)]
    part_of = [n for n, other in metrics.metrics.items() if metric.name in (other.numerator, other.denominator)]
    return used_by, part_of


def related_queries(metric: Metric, queries: list[SavedQuery], catalog=None) -> list[str]:
    """Saved queries over the same tables as the metric's SQL."""
    tables = lineage(metric.sql, catalog).tables
    return [q.id for q in queries if lineage(q.sql, catalog).tables & tables]
