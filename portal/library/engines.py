"""Do the curated queries give the same answer on both engines? Every saved query (with its
parameters' defaults) and every metric definition (over the last 28 days of data) runs on DuckDB
and on Spark, and the results are compared: same columns, same rows in any order, numbers within
1e-9 relative. Dates compare as dates, whatever type each engine returned them as (Spark's
date_trunc returns a timestamp, DuckDB's a date)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd

from portal.warehouse.errors import QueryError
from portal.workbench.params import ParamError, bind

REL_TOL = 1e-9


@dataclass(frozen=True)
class Curated:
    """One curated piece of SQL, with the values it runs with."""

    id: str
    sql: str
    params: dict


@dataclass(frozen=True)
class Comparison:
    id: str
    status: str  # "same" | "different" | "untranslatable" | "failed"
    detail: str = ""
    rows: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "same"


def curated(queries, metrics, data_through: date) -> list[Curated]:
    """The saved queries with their defaults, and each sum metric over the last 28 days."""
    out = []
    for q in queries:
        try:
            params = bind(q.sql, q.params, {})
        except ParamError:
            params = bind(q.sql, q.params, _fallback(q.sql, data_through))
        out.append(Curated(f"query {q.id}", q.sql, params))
    start = data_through - timedelta(days=27)
    for m in metrics.metrics.values():
        if m.type == "sum":
            params = {"start": start, "end": data_through, **{f: None for f in metrics.filters_of(m.name)}}
            out.append(Curated(f"metric {m.name}", m.sql, params))
    return out


def _fallback(sql: str, data_through: date) -> dict:
    """Values for parameters without a default: the last 90 days for dates."""
    from portal.workbench.params import find_params

    values: dict = {}
    for name in find_params(sql):
        if "start" in name or "from" in name:
            values[name] = data_through - timedelta(days=89)
        elif "end" in name or "to" in name:
            values[name] = data_through
    return values


def compare(left, right, item: Curated, max_rows: int = 200_000) -> Comparison:
    """Run `item` on both sessions (left: the reference) and compare the results."""
    try:
        expected = left.run(item.sql, item.params, max_rows=max_rows).frame
    except QueryError as err:
        return Comparison(item.id, "failed", f"on the reference engine: {err.message}")
    try:
        got = right.run(item.sql, item.params, max_rows=max_rows).frame
    except QueryError as err:
        status = "untranslatable" if err.kind == "refused" or "translated" in err.message else "failed"
        return Comparison(item.id, status, err.message)
    why = difference(expected, got)
    return Comparison(item.id, "different" if why else "same", why or "", len(expected))


def difference(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    """None when the frames hold the same rows (any order); else the first difference in words."""
    if list(a.columns) != list(b.columns):
        return f"columns differ: {list(a.columns)} vs {list(b.columns)}"
    if len(a) != len(b):
        return f"{len(a)} rows vs {len(b)}"
    rows_a = sorted((tuple(_norm(v) for v in r) for r in a.itertuples(index=False)), key=_key)
    rows_b = sorted((tuple(_norm(v) for v in r) for r in b.itertuples(index=False)), key=_key)
    for ra, rb in zip(rows_a, rows_b, strict=True):
        for col, x, y in zip(a.columns, ra, rb, strict=True):
            if not _same(x, y):
                return f"column {col}: {x!r} vs {y!r}"
    return None


def _norm(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(v, pd.Timestamp | datetime):
        ts = pd.Timestamp(v).tz_localize(None) if pd.Timestamp(v).tzinfo else pd.Timestamp(v)
        return ts.date() if ts == ts.normalize() else ts.to_pydatetime()
    if isinstance(v, Decimal):
        return float(v)
    if hasattr(v, "item") and not isinstance(v, str | bytes):
        return _norm(v.item())
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return float(v)
    return v


def _key(row):
    """A sort key that survives small float differences between engines."""
    return tuple((0, "") if v is None else (1, f"{v:.6g}") if isinstance(v, float) else (1, str(v)) for v in row)


def _same(x, y) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return math.isclose(x, y, rel_tol=REL_TOL, abs_tol=1e-12)
    return x == y
