"""Funnels with ClickHouse `windowFunnel` semantics, computed in DuckDB (see docs/FUNNELS.md).

Step event names and breakdown columns are identifiers, so they are checked against allow-lists
(the event vocabulary and the columns of analytics.events) before they reach SQL; filter values,
dates and the window are always bound parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from portal.product.kernels import funnel_scan
from portal.sqlfiles import load_sql

EVENTS = ("page_view", "signup", "onboarding_start", "address_step", "onboarding_complete", "product_view",
          "add_to_cart", "checkout_start", "purchase", "support_contact")
BREAKDOWNS = ("platform", "browser", "device", "country", "utm_source", "utm_medium", "utm_campaign", "page")
FILTER_COLUMNS = ("page", "platform", "browser", "device", "country", "utm_source", "utm_medium", "utm_campaign")
MODES = ("sequential", "strict")


class FunnelError(ValueError):
    """A funnel definition that cannot run; the message says which part and why."""


@dataclass(frozen=True)
class Step:
    event: str
    column: str | None = None  # optional property filter: column = value
    value: str | None = None

    @property
    def label(self) -> str:
        return f"{self.event} ({self.column} = {self.value})" if self.column else self.event


@dataclass(frozen=True)
class FunnelSpec:
    steps: tuple[Step, ...]
    start: date
    end: date
    window_days: float = 14
    mode: str = "sequential"
    breakdown: str | None = None  # a column of analytics.events, or "variant:<experiment>"
    extra: dict = field(default_factory=dict)

    def validate(self) -> None:
        if not 2 <= len(self.steps) <= 10:
            raise FunnelError("A funnel needs between 2 and 10 steps.")
        for i, s in enumerate(self.steps, 1):
            if s.event not in EVENTS:
                raise FunnelError(f"Step {i}: unknown event {s.event!r}. Known events: {', '.join(EVENTS)}.")
            if s.column and s.column not in FILTER_COLUMNS:
                raise FunnelError(f"Step {i}: cannot filter on {s.column!r}; use one of {', '.join(FILTER_COLUMNS)}.")
            if s.column and not s.value:
                raise FunnelError(f"Step {i}: the filter on {s.column} needs a value.")
        if self.mode not in MODES:
            raise FunnelError(f"Unknown mode {self.mode!r}; use sequential or strict.")
        if not 0 < self.window_days <= 365:
            raise FunnelError("The conversion window must be between 1 second and 365 days.")
        if self.end < self.start:
            raise FunnelError("The date range ends before it starts.")
        b = self.breakdown
        if b and b not in BREAKDOWNS and not (b.startswith("variant:") and b[8:].replace("_", "").isalnum()):
            raise FunnelError(f"Cannot break down by {b!r}; use one of {', '.join(BREAKDOWNS)} or an experiment variant.")


def parse_window(text: str) -> float:
    """'7d', '36h', '90m' or a number of days."""
    t = str(text).strip().lower()
    try:
        if t.endswith("d"):
            return float(t[:-1])
        if t.endswith("h"):
            return float(t[:-1]) / 24
        if t.endswith("m"):
            return float(t[:-1]) / 1440
        return float(t)
    except ValueError:
        raise FunnelError(f"Cannot read the window {text!r}; write it like 7d, 36h or 90m.") from None


def _events_sql(spec: FunnelSpec) -> tuple[str, dict]:
    params: dict = {
        "start": spec.start,
        "end_exclusive": spec.end + timedelta(days=1),
        "end_window": spec.end + timedelta(days=1) + timedelta(days=spec.window_days),
        "window_s": spec.window_days * 86400.0,
    }
    names = sorted({s.event for s in spec.steps})
    for i, n in enumerate(names):
        params[f"ev{i}"] = n
    if spec.breakdown and spec.breakdown.startswith("variant:"):
        params["experiment"] = spec.breakdown[8:]
        segment = ("coalesce((SELECT a.variant FROM analytics.experiment_assignments AS a "
                   "WHERE a.user_id = e.user_id AND a.experiment = $experiment), 'not in experiment')")
    elif spec.breakdown:
        segment = f"coalesce(CAST(e.{spec.breakdown} AS VARCHAR), '(none)')"
    else:
        segment = "'all users'"
    flags = []
    for i, s in enumerate(spec.steps, 1):
        cond = f"e.event_name = $step{i}_event"
        params[f"step{i}_event"] = s.event
        if s.column:
            cond += f" AND CAST(e.{s.column} AS VARCHAR) = $step{i}_value"
            params[f"step{i}_value"] = s.value
        flags.append(f"({cond}) AS is_s{i}")
    events = (f"SELECT e.user_id, e.event_at AS t, {segment} AS segment, {', '.join(flags)}\n"
              f"    FROM analytics.events AS e\n"
              f"    WHERE e.event_at >= $start AND e.event_at < $end_window\n"
              f"      AND e.event_name IN ({', '.join(f'$ev{i}' for i in range(len(names)))})")
    return events, params


def funnel_sql(spec: FunnelSpec) -> tuple[str, dict]:
    """One row per user who did step 1 in the range: segment, t1..tn (NULL when not reached), level.

    The same answer as `user_levels` in plain SQL, for reading and for saving as a saved query; the
    page uses `user_levels`, which is much faster on large event tables."""
    spec.validate()
    events, params = _events_sql(spec)
    n = len(spec.steps)
    window = "t1 + to_seconds($window_s)"
    if spec.mode == "sequential":
        step_ctes = ",\n".join(
            f"s{k} AS (SELECT user_id, t, segment FROM ev WHERE is_s{k}"
            + (" AND t >= $start AND t < $end_exclusive" if k == 1 else "") + ")"
            for k in range(1, n + 1))
        chain_selects = "".join(f", c{k}.t AS t{k}" for k in range(2, n + 1))
        asof = "\n    ".join(
            f"ASOF LEFT JOIN s{k} AS c{k} ON c{k}.user_id = s1.user_id AND c{k}.t >= {'s1.t' if k == 2 else f'c{k - 1}.t'}"
            for k in range(2, n + 1))
        times = "".join(f", CASE WHEN t{k} <= {window} THEN t{k} END AS t{k}" for k in range(2, n + 1))
        levels = "".join(f" + CAST(coalesce(t{k} <= {window}, false) AS INTEGER)" for k in range(2, n + 1))
        completion = "CASE level " + " ".join(f"WHEN {k} THEN t{k}" for k in range(1, n + 1)) + " END"
        sql = load_sql("funnels/sequential")
        for key, value in (("{events}", events), ("{step_ctes}", step_ctes), ("{chain_selects}", chain_selects),
                           ("{asof_joins}", asof), ("{times}", times), ("{levels}", levels),
                           ("{completion}", completion)):
            sql = sql.replace(key, value)
        return sql, params
    label = "CASE " + " ".join(f"WHEN is_s{k} THEN {k}" for k in range(1, n + 1)) + " END"
    leads = "".join(f", lead(step, {j}) OVER w AS s_{j}, lead(t, {j}) OVER w AS t_{j}" for j in range(1, n))
    ok = [" AND ".join(f"s_{i} = {i + 1}" for i in range(1, j + 1)) + f" AND t_{j} <= t + to_seconds($window_s)"
          for j in range(1, n)]
    times = "".join(f", CASE WHEN {ok[j - 1]} THEN t_{j} END AS t{j + 1}" for j in range(1, n))
    levels = "".join(f" + CAST(coalesce({ok[j - 1]}, false) AS INTEGER)" for j in range(1, n))
    sql = load_sql("funnels/strict")
    for key, value in (("{events}", events), ("{label}", label), ("{leads}", leads), ("{times}", times),
                       ("{levels}", levels)):
        sql = sql.replace(key, value)
    return sql, params


def saved_query_sql(spec: FunnelSpec) -> str:
    """The funnel as a self-contained saved query: users per segment and step (segment 'all' too).
    The steps, filters and window are written in, since they define the funnel; the date range
    stays `$start` / `$end`, so a dashboard filter or a link can move it."""
    sql, params = funnel_sql(spec)
    n = len(spec.steps)
    fixed = {k: v for k, v in params.items() if k not in {"start", "end_exclusive", "end_window"}}
    window = f"to_seconds({float(params['window_s'])})"
    swaps = {**{k: _literal(v) for k, v in fixed.items()},
             "end_exclusive": "(CAST($end AS DATE) + INTERVAL 1 DAY)",
             "end_window": f"(CAST($end AS DATE) + INTERVAL 1 DAY + {window})"}
    for name in sorted(swaps, key=len, reverse=True):
        sql = re.sub(rf"\${name}\b", lambda _m, v=swaps[name]: v, sql)
    steps = " → ".join(s.label for s in spec.steps)
    body = "\n".join("    " + line for line in sql.strip().splitlines())
    return (f"-- Funnel ({spec.mode}, {spec.window_days:g}-day window"
            + (f", by {spec.breakdown}" if spec.breakdown else "") + f"): {steps}\n"
            f"-- Generated by the Funnels page; same counts as the page (docs/FUNNELS.md).\n"
            f"WITH levels AS (\n{body}\n)\n"
            f"SELECT coalesce(segment, 'all') AS segment, s.step, count(*) FILTER (WHERE level >= s.step) AS users\n"
            f"FROM levels CROSS JOIN range(1, {n + 1}) AS s(step)\n"
            f"GROUP BY GROUPING SETS ((segment, s.step), (s.step))\n"
            f"ORDER BY segment NULLS FIRST, s.step\n")


def _literal(value) -> str:
    if isinstance(value, bool) or value is None:
        raise FunnelError(f"Cannot write {value!r} into a saved query.")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def stream_sql(spec: FunnelSpec, segment_values: list[str] | None = None, narrow_ids: bool = False) -> tuple[str, dict]:
    """The funnel's events in storage (person, time) order: user, time in µs, the position of the
    event name in `$names`, one flag per step filter, and the breakdown value on possible first steps
    (as a position in `$segments` when `segment_values` is given, else as text)."""
    spec.validate()
    names = sorted({s.event for s in spec.steps})
    params: dict = {"names": names, "start": spec.start,
                    "end_window": spec.end + timedelta(days=1) + timedelta(days=spec.window_days)}
    # t stays a microsecond TIMESTAMP: Arrow hands it over as int64 µs without a conversion per row
    cols = ["CAST(e.user_id AS INTEGER) AS user_id" if narrow_ids else "e.user_id", "CAST(e.event_at AS TIMESTAMP) AS t", "CAST(list_position($names, e.event_name) AS UTINYINT) AS ev"]
    for i, s in enumerate(spec.steps, 1):
        if s.column:
            cols.append(f"coalesce(CAST(e.{s.column} AS VARCHAR) = $step{i}_value, false) AS f{i}")
            params[f"step{i}_value"] = s.value
    if spec.breakdown and not spec.breakdown.startswith("variant:"):
        value = f"CAST(e.{spec.breakdown} AS VARCHAR)"
        if segment_values is not None:
            value = f"CAST(coalesce(list_position($segments, {value}), 0) AS USMALLINT)"
            params["segments"] = segment_values
        cols.append(f"CASE WHEN ev = {names.index(spec.steps[0].event) + 1} THEN {value} END AS segment")
    # The name filter sits outside the projection on purpose: DuckDB turns a list filter on the scan
    # into a join, whose parallel output loses the storage order the funnel pass relies on.
    sql = (f"SELECT * FROM (\n"
           f"    SELECT {', '.join(cols)}\n"
           f"    FROM analytics.events AS e\n"
           f"    WHERE e.event_at >= $start AND e.event_at < $end_window\n"
           f") WHERE ev > 0")
    return sql, params


def step_bits(spec: FunnelSpec, table) -> tuple[np.ndarray, np.ndarray]:
    """Which steps each stream row matches, as `lut[ev] | extra`: the lookup table covers steps
    without a filter; `extra` (empty when no step has a filter) adds filtered steps row by row."""
    names = sorted({s.event for s in spec.steps})
    lut = np.zeros(len(names) + 1, dtype=np.uint16)
    extra = np.zeros(0, dtype=np.uint16)
    for i, s in enumerate(spec.steps):
        if not s.column:
            lut[names.index(s.event) + 1] |= 1 << i
            continue
        ev = table.column("ev").to_numpy()
        if not extra.size:
            extra = np.zeros(len(ev), dtype=np.uint16)
        hit = (ev == names.index(s.event) + 1) & table.column(f"f{i + 1}").to_numpy()
        extra |= np.where(hit, np.uint16(1 << i), np.uint16(0))
    return lut, extra


_FACTS: dict[tuple, object] = {}


def _warehouse_fact(session, key: tuple, compute):
    """Metadata that only changes when the warehouse file does (remembered per file version; not
    remembered for connections without a file, such as tests' in-memory ones)."""
    path = getattr(getattr(session, "warehouse", None), "path", None)
    if not path:
        return compute()
    full = (str(path), path.stat().st_mtime_ns, *key)
    if full not in _FACTS:
        _FACTS[full] = compute()
    return _FACTS[full]


def _segment_values(session, spec: FunnelSpec) -> list[str] | None:
    """Distinct breakdown values, so the stream carries small codes instead of text (None when there
    are too many to code cheaply)."""
    if not spec.breakdown or spec.breakdown.startswith("variant:"):
        return None

    def compute():
        sql = (f"SELECT DISTINCT CAST({spec.breakdown} AS VARCHAR) FROM analytics.events "
               f"WHERE event_name = $first AND {spec.breakdown} IS NOT NULL LIMIT 257")
        values = sorted(session.frame(sql, {"first": spec.steps[0].event}).iloc[:, 0])
        return values if len(values) <= 256 else None

    return _warehouse_fact(session, ("values", spec.breakdown, spec.steps[0].event), compute)


def _ids_fit_32_bits(session) -> bool:
    """Whether user ids fit in 32 bits: then the stream moves half the bytes for them."""
    def compute():
        low, high = session.frame("SELECT min(user_id), max(user_id) FROM analytics.events").iloc[0]
        return bool(pd.notna(low) and -(2**31) < low and high < 2**31)

    return _warehouse_fact(session, ("narrow ids",), compute)


def user_levels(session, spec: FunnelSpec) -> pd.DataFrame:
    """Per-user best chain (user_id, segment, t1..tn, level): the stream from one scan, the state
    machine in `portal.product.kernels.funnel_scan`. The engine's row cap is a safety net only."""
    values = _segment_values(session, spec)
    sql, params = stream_sql(spec, values, _ids_fit_32_bits(session))
    table = session.scan(sql, params)
    lut, extra = step_bits(spec, table)
    chains = funnel_scan.run(spec.mode, table.column("user_id").to_numpy(), table.column("t").to_numpy().view(np.int64),
                             table.column("ev").to_numpy(), lut, extra, len(spec.steps),
                             int(round(spec.window_days * 86_400_000_000)), _epoch_us(spec.start),
                             _epoch_us(spec.end + timedelta(days=1)))
    out: dict = {"user_id": chains.users}
    if "segment" in table.column_names:
        if values is not None:
            codes = pc.fill_null(table.column("segment").take(chains.start_rows), 0).to_numpy()
            out["segment"] = pd.Categorical.from_codes(codes.astype(np.int64), ["(none)", *values])
        else:
            picked = table.column("segment").take(chains.start_rows).to_numpy(zero_copy_only=False)
            out["segment"] = np.where(pd.isna(picked), "(none)", picked)
    elif spec.breakdown:
        assigned = session.scan("SELECT user_id, variant FROM analytics.experiment_assignments WHERE experiment = $e "
                                 "ORDER BY user_id", {"e": spec.breakdown[8:]})
        ids = assigned.column("user_id").to_numpy()
        variants, codes = np.unique(assigned.column("variant").to_numpy(zero_copy_only=False), return_inverse=True)
        at = np.minimum(np.searchsorted(ids, chains.users), max(len(ids) - 1, 0))
        found = (ids[at] == chains.users) if len(ids) else np.zeros(len(chains.users), dtype=bool)
        out["segment"] = pd.Categorical.from_codes(np.where(found, codes[at] + 1 if len(ids) else 0, 0),
                                                   ["not in experiment", *variants])
    else:
        out["segment"] = pd.Categorical.from_codes(np.zeros(len(chains.users), dtype=np.int8), ["all users"])
    for k in range(len(spec.steps)):
        out[f"t{k + 1}"] = chains.times[k].view("datetime64[us]")
    out["level"] = chains.level.astype(np.int64)
    return pd.DataFrame(out, copy=False)


def _epoch_us(d: date) -> int:
    return int((datetime.combine(d, datetime.min.time()) - datetime(1970, 1, 1)).total_seconds()) * 1_000_000


def step_counts(levels: pd.DataFrame, spec: FunnelSpec) -> pd.DataFrame:
    """Users reaching each step, per segment, with % of first step and step-to-step %."""
    rows = []
    for segment, group in [("all", levels), *sorted(levels.groupby("segment"))] if spec.breakdown else [("all", levels)]:
        first = len(group)
        prev = first
        for k, step in enumerate(spec.steps, 1):
            users = int((group["level"] >= k).sum())
            rows.append({"segment": segment, "step": k, "step_label": step.label, "users": users,
                         "pct_of_first": users / first if first else 0.0,
                         "pct_of_previous": users / prev if prev else 0.0,
                         "dropped": prev - users})
            prev = users
    return pd.DataFrame(rows)


def time_to_convert(levels: pd.DataFrame, spec: FunnelSpec) -> pd.DataFrame:
    """Median and 90th percentile time from the previous step, for users who reached each step."""
    rows = []
    for k in range(2, len(spec.steps) + 1):
        prev = levels["t1"] if k == 2 else levels[f"t{k - 1}"]
        delta = (levels[f"t{k}"] - prev).dropna().dt.total_seconds()
        rows.append({"step": k, "step_label": spec.steps[k - 1].label, "users": int(delta.size),
                     "median_minutes": float(delta.median() / 60) if delta.size else None,
                     "p90_minutes": float(delta.quantile(0.9) / 60) if delta.size else None})
    return pd.DataFrame(rows)


def conversion_by_week(levels: pd.DataFrame, spec: FunnelSpec) -> pd.DataFrame:
    """Share of each week's starters who completed the whole funnel (week of the first step)."""
    if levels.empty:
        return pd.DataFrame(columns=["week", "started", "converted", "conversion"])
    week = levels["t1"].dt.to_period("W-SUN").dt.start_time
    g = levels.assign(week=week, done=levels["level"] >= len(spec.steps)).groupby("week")
    out = g.agg(started=("done", "size"), converted=("done", "sum")).reset_index()
    out["conversion"] = out["converted"] / out["started"]
    return out


def segment_table(levels: pd.DataFrame, spec: FunnelSpec) -> pd.DataFrame:
    """Per segment: users who started and who completed the whole funnel (for the segment tests)."""
    done = levels["level"].to_numpy() >= len(spec.steps)
    g = pd.DataFrame({"segment": levels["segment"].astype(str), "done": done}).groupby("segment", sort=True)["done"]
    return pd.DataFrame({"started": g.size(), "converted": g.sum().astype(int)}).reset_index()


def summary(levels: pd.DataFrame, spec: FunnelSpec) -> dict[str, pd.DataFrame]:
    """Everything the Funnels page draws, small enough to cache (the per-user table is not kept)."""
    return {"counts": step_counts(levels, spec), "time": time_to_convert(levels, spec),
            "weeks": conversion_by_week(levels, spec), "segments": segment_table(levels, spec)}


def dropped_users(levels: pd.DataFrame, step: int) -> pd.DataFrame:
    """Users who reached `step` but not the next one (to contact, or to inspect in the workbench)."""
    return levels.loc[levels["level"] == step, ["user_id", "segment", "t1"]].sort_values("user_id").reset_index(drop=True)


def counts_csv_rows(levels: pd.DataFrame, spec: FunnelSpec) -> list[tuple[str, int, int]]:
    """(segment, step, users) rows as the CLI prints them."""
    counts = step_counts(levels, spec)
    return [(r.segment, int(r.step), int(r.users)) for r in counts.itertuples()]
