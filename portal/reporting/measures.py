"""Metrics as measures of the semantic model: where a measure metric reads (its part, joined to the
person's people row), its dimensions, and the SQL of its series at a grain. `reporting.metrics` keeps
the definitions and the one series function; this module only compiles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portal.reporting.metrics import Metric, MetricSet

# the date a part's series is by, unless the metric names another column of the part
_PART_TIME = {
    "events": "event_date",
    "people": "signup_at",
    "revenue": "order_date",
    "spend": "date",
    "experiments": "assigned_at",
}
_PART_COLUMNS = {
    "events": ("user_id", "event_at", "event_date", "event_name"),
    "people": ("user_id", "signup_at", "signup_month", "channel", "campaign", "first_order_at", "is_customer"),
    "revenue": ("user_id", "ordered_at", "order_date", "revenue", "counted"),
    "spend": ("campaign", "date", "spend", "clicks", "channel"),
    "experiments": ("experiment", "user_id", "variant", "assigned_at"),
}


class MetricError(ValueError):
    """A bad definition or use; names the file and metric."""


def dimension_name(dimension: str) -> str:
    """A dimension's name as a column and a filter: `people.platform` is `platform`."""
    return str(dimension).split(".")[-1]


def check_measure(ctx: str, d: dict) -> None:
    """The measure is one aggregate expression, `where` one condition, over the row only."""
    from sqlglot import exp

    from portal.model_expr import ExprError, parse

    try:
        measure = parse(d["measure"], f"{ctx}: measure")
        if not any(isinstance(n, exp.AggFunc) for n in measure.tree.walk()):
            raise MetricError(
                f"{ctx}: measure {d['measure']!r} must aggregate: sum(…), count(*), count(DISTINCT …), avg(…)"
            )
        if d.get("where"):
            parse(d["where"], f"{ctx}: where")
    except ExprError as exc:
        raise MetricError(str(exc)) from None


@dataclass(frozen=True)
class _Measured:
    """Where a measure metric reads: its FROM clause, its columns by dimension name, its time."""

    source: str  # FROM … (the part's relation as r, joined to people when keyed by person)
    dims: dict[str, str]  # dimension name -> SQL
    time: str
    aliases: frozenset[str]


def _measured(metric: Metric, model) -> _Measured:
    from portal.model import ModelError

    part = metric.model
    try:
        slots = model.slots(part)
    except ModelError as exc:
        raise MetricError(f"metric {metric.name!r}: {exc}") from None
    rel = next(iter(slots.values()))
    own = set(_PART_COLUMNS[part]) | set(getattr(getattr(model, part), "properties", ()) or ())
    people = set(_PART_COLUMNS["people"]) | set(model.people.properties if model.people else ())
    joins_people = part != "people" and model.people is not None and "user_id" in _PART_COLUMNS[part]

    def column(dim: str) -> str:
        table, _, col = dim.rpartition(".")
        if table in ("", "r") and col in own:
            return f'r."{col}"'
        if table in ("", "people") and joins_people and col in people:
            return f'people."{col}"'
        known = sorted(own | ({f"people.{c}" for c in people} if joins_people else set()))
        raise MetricError(f"metric {metric.name!r}: no dimension {dim!r} on [model.{part}]; known: {', '.join(known)}")

    join = (
        f" LEFT JOIN {model.people.relation(model.revenue)} AS people ON people.user_id = r.user_id"
        if joins_people
        else ""
    )
    return _Measured(
        f"FROM {rel} AS r{join}",
        {dimension_name(d): column(d) for d in metric.dimensions},
        column(metric.time or _PART_TIME[part]),
        frozenset({"people"} if joins_people else set()),
    )


def measure_sql(metric: Metric, model, by: tuple[str, ...] = (), grain: str = "day") -> str:
    """A measure metric as SQL over the semantic model: (day, <by…>, value) rows for days between
    $start and $end (or per `grain` period, its first day as `day`), each dimension a $filter (NULL:
    all). The part's rows are joined to their person's people row, so `people.<column>` dimensions
    work on events, revenue and experiments."""
    from portal.model_expr import parse

    unknown = set(by) - {dimension_name(d) for d in metric.dimensions}
    if unknown:
        allowed = ", ".join(dimension_name(d) for d in metric.dimensions) or "none"
        raise MetricError(
            f"metric {metric.name!r} cannot be grouped by {', '.join(sorted(unknown))}; its dimensions: {allowed}"
        )
    at = _measured(metric, model)
    period = {
        "day": f"CAST({at.time} AS DATE)",
        "total": "CAST($start AS DATE)",  # one row for the whole range
    }.get(grain, f"CAST(date_trunc('{grain}', {at.time}) AS DATE)")
    cols = [f"{period} AS day", *(f'{at.dims[b]} AS "{b}"' for b in by)]
    cols.append(f"{parse(metric.measure, metric.name).sql('r', at.aliases)} AS value")
    where = [f"CAST({at.time} AS DATE) BETWEEN $start AND $end"]
    if metric.where:
        where.append(f"({parse(metric.where, metric.name).sql('r', at.aliases)})")
    # a filter left unset is NULL (metrics, tiles) or 'all' (a saved query's default, as the demo's)
    where += [
        f"(coalesce(${name}, 'all') = 'all' OR CAST({sql} AS VARCHAR) = ${name})" for name, sql in at.dims.items()
    ]
    return f"SELECT {', '.join(cols)}\n{at.source}\nWHERE {' AND '.join(where)}\nGROUP BY ALL"


def dimension_values(session, metrics: MetricSet, dimension: str, limit: int = 200) -> list[str]:
    """The values a dimension takes in the data (for filters and the question box), from the first
    measure metric that has it; at most `limit`."""
    from portal.sqlfiles import Fragment

    for m in metrics.metrics.values():
        if m.model and dimension in {dimension_name(d) for d in m.dimensions}:
            at = _measured(m, session.model)
            col = at.dims[dimension]
            sql = Fragment(
                f"SELECT DISTINCT CAST({col} AS VARCHAR) AS v {at.source} WHERE {col} IS NOT NULL ORDER BY 1 LIMIT {int(limit)}"
            )
            return [str(v) for v in session.frame(sql)["v"]]
    return []
