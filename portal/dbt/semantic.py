"""dbt's semantic models and metrics set beside the portal's semantic layer: each dbt metric either
maps onto a model part of portal.toml (its semantic model reads the part's table, its measure
aggregates one of the part's fields) and is written as a metrics.toml section for the data team to
review and paste, or is said not to map, and why. Nothing is merged silently: metrics.toml stays the
one canonical list."""

from __future__ import annotations

import json
from dataclasses import dataclass

from portal.dbt.artifacts import DbtProject

# each part's configured fields and the column its relation names them (portal.model)
PART_FIELDS = {
    "revenue": {"person": "user_id", "time": "ordered_at", "amount": "revenue"},
    "events": {"person": "user_id", "time": "event_at", "name": "event_name"},
    "spend": {"campaign": "campaign", "day": "date", "cost": "spend", "clicks": "clicks", "channel": "channel"},
    "people": {"person": "user_id", "signup_time": "signed_up_at"},
    "experiments": {"person": "user_id", "experiment": "experiment", "variant": "variant"},
}
AGGREGATES = {
    "sum": "sum({})",
    "count": "count({})",
    "count_distinct": "count(DISTINCT {})",
    "average": "avg({})",
    "min": "min({})",
    "max": "max({})",
    "median": "median({})",
    "sum_boolean": "sum(CAST({} AS INTEGER))",
}


@dataclass(frozen=True)
class Mapped:
    metric: str
    maps: bool
    reason: str  # what it maps to, or why it does not
    toml: str = ""  # the metrics.toml section, when it maps


def _part_for(relation: str, model, search_path) -> str | None:
    for name in PART_FIELDS:
        part = getattr(model, name, None)
        if part is None:
            continue
        table = part.table.lower()
        if table == relation or any(f"{s.lower()}.{table}" == relation for s in search_path):
            return name
    return None


def _measure(sm: dict, measure: dict, part_name: str, part) -> str | None:
    """The portal measure for a dbt measure over the part, or None when its expression is not a field."""
    agg = AGGREGATES.get(measure.get("agg", ""))
    expr = str(measure.get("expr") or measure.get("name") or "").strip().lower()
    if agg is None:
        return None
    primary = [
        str(e.get("expr") or e.get("name")).lower() for e in sm.get("entities", []) if e.get("type") == "primary"
    ]
    if measure.get("agg") == "count" and expr in primary:
        return "count(*)"  # one row per primary key
    for attr, column in PART_FIELDS[part_name].items():
        if str(getattr(part, attr, "") or "").strip().lower() == expr:
            return agg.format(column)
    return None


def map_metrics(project: DbtProject, model) -> list[Mapped]:
    """Every dbt metric, mapped or not, in the manifest's order."""
    measures: dict[str, tuple[dict, dict]] = {}
    for sm in project.semantic_models:
        for m in sm.get("measures", []):
            measures[m["name"]] = (sm, m)
    out: dict[str, Mapped] = {}
    for metric in project.metrics:
        name, kind = metric.get("name", ""), metric.get("type", "")
        params = metric.get("type_params") or {}
        head = (
            f"[metrics.{name}]\ndescription = {json.dumps(metric.get('description') or metric.get('label') or name)}\n"
        )
        if metric.get("filter"):
            out[name] = Mapped(name, False, "its filter is dbt Jinja ({{ Dimension(...) }}); write it as a where")
        elif kind == "simple":
            mname = (params.get("measure") or {}).get("name", "")
            sm, measure = measures.get(mname, ({}, {}))
            rel = sm.get("node_relation") or {}
            relation = f"{rel.get('schema_name', '')}.{rel.get('alias', '')}".lower()
            part_name = _part_for(relation, model, model.search_path) if sm else None
            part = getattr(model, part_name) if part_name else None
            expr = _measure(sm, measure, part_name, part) if part else None
            if not sm:
                out[name] = Mapped(name, False, f"its measure {mname} is in no semantic model")
            elif part is None:
                out[name] = Mapped(name, False, f"no [model.*] part of portal.toml reads {relation}")
            elif expr is None:
                out[name] = Mapped(
                    name,
                    False,
                    f"{measure.get('agg')}({measure.get('expr') or mname}) is not over a field of [model.{part_name}]",
                )
            else:
                out[name] = Mapped(
                    name,
                    True,
                    f"model {part_name}, measure {expr}",
                    head + f'model = "{part_name}"\nmeasure = "{expr}"\n',
                )
        elif kind == "ratio":
            num, den = (
                (params.get("numerator") or {}).get("name", ""),
                (params.get("denominator") or {}).get("name", ""),
            )
            if out.get(num) and out[num].maps and out.get(den) and out[den].maps:
                out[name] = Mapped(
                    name,
                    True,
                    f"ratio of {num} and {den}",
                    head + f'type = "ratio"\nnumerator = "{num}"\ndenominator = "{den}"\n',
                )
            else:
                out[name] = Mapped(name, False, f"a ratio of {num} and {den}, which do not both map")
        else:
            out[name] = Mapped(name, False, f"metrics.toml has no {kind} metrics (sum and ratio only)")
    return list(out.values())
