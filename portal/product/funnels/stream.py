"""The fast path: one scan of the person-ordered event stream into Arrow, then the compiled
windowFunnel pass (`portal.product.kernels.funnel_scan`), one slice of users per core."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from portal.product.funnels.spec import FunnelSpec, breakdown_columns, check_model, is_variant
from portal.product.funnels.sql import segment_sql
from portal.product.kernels import funnel_scan
from portal.product.persons import PersonCodes
from portal.sqlfiles import Fragment, Ident, fill


def stream_sql(
    spec: FunnelSpec, model, segment_values: list[str] | None = None, narrow_ids: bool = False
) -> tuple[str, dict]:
    """The funnel's events in storage (person, time) order: user, time in µs, the position of the
    event name in `$names`, one flag per step filter, and the breakdown value on possible first steps
    (as a position in `$segments` when `segment_values` is given, else as text)."""
    names = sorted({s.event for s in spec.steps})
    params: dict = {
        "names": names,
        "start": spec.start,
        "end_window": spec.end + timedelta(days=1) + timedelta(days=spec.window_days),
    }
    # t stays a microsecond TIMESTAMP: Arrow hands it over as int64 µs without a conversion per row
    cols = [
        "CAST(e.user_id AS INTEGER) AS user_id" if narrow_ids else "e.user_id",
        "CAST(e.event_at AS TIMESTAMP) AS t",
        "CAST(list_position($names, e.event_name) AS UTINYINT) AS ev",
    ]
    for i, s in enumerate(spec.steps, 1):
        if s.column:
            cols.append(
                fill(
                    "coalesce(CAST(e.{{col}} AS VARCHAR) = $step{{i}}_value, false) AS f{{i}}",
                    col=Ident.of(s.column, model.event_properties),
                    i=i,
                )
            )
            params[f"step{i}_value"] = s.value
    if spec.breakdown and not is_variant(spec.breakdown):
        value = segment_sql(spec.breakdown, model)
        if segment_values is not None:
            value = f"CAST(coalesce(list_position($segments, {value}), 0) AS USMALLINT)"
            params["segments"] = segment_values
        cols.append(f"CASE WHEN ev = {names.index(spec.steps[0].event) + 1} THEN {value} END AS segment")
    # The name filter sits outside the projection on purpose: DuckDB turns a list filter on the scan
    # into a join, whose parallel output loses the storage order the funnel pass relies on.
    sql = Fragment(
        f"SELECT * FROM (\n"
        f"    SELECT {', '.join(cols)}\n"
        f"    FROM {model.events.relation()} AS e\n"
        f"    WHERE e.event_at >= $start AND e.event_at < $end_window AND e.user_id IS NOT NULL\n"
        f") WHERE ev > 0"
    )
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
    """Metadata that only changes when the data does (remembered by the session's `cache_key`; not
    remembered when it has none, such as tests' in-memory connections)."""
    if session.cache_key is None:
        return compute()
    full = (*session.cache_key, *key)
    if full not in _FACTS:
        _FACTS[full] = compute()
    return _FACTS[full]


def _segment_values(session, spec: FunnelSpec) -> list[str] | None:
    """Distinct breakdown values, so the stream carries small codes instead of text (None when there
    are too many to code cheaply)."""
    if not spec.breakdown or is_variant(spec.breakdown):
        return None

    def compute():
        sql = Fragment(
            f"SELECT DISTINCT v FROM (SELECT {segment_sql(spec.breakdown, session.model)} AS v "
            f"FROM {session.model.events.relation()} AS e "
            "WHERE e.event_name = $first) WHERE v IS NOT NULL LIMIT 257"
        )
        values = sorted(session.frame(sql, {"first": spec.steps[0].event}).iloc[:, 0])
        return values if len(values) <= 256 else None

    return _warehouse_fact(session, ("values", spec.breakdown, spec.steps[0].event), compute)


def _ids_fit_32_bits(session) -> bool:
    """Whether person ids are integers that fit in 32 bits: then the stream moves half the bytes for
    them. Text ids (a GA4 export's user_pseudo_id) never do."""

    def compute():
        rel = session.model.events.relation()
        kind, low, high = session.frame(
            f"SELECT any_value(typeof(user_id)), min(TRY_CAST(user_id AS HUGEINT)), max(TRY_CAST(user_id AS HUGEINT)) "
            f"FROM {rel}"
        ).iloc[0]
        integer = str(kind) in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")
        return bool(integer and pd.notna(low) and -(2**31) < int(low) and int(high) < 2**31)

    return _warehouse_fact(session, ("narrow ids",), compute)


def user_levels(session, spec: FunnelSpec) -> pd.DataFrame:
    """Per-user best chain (user_id, segment, t1..tn, level): the compiled pass in
    `portal.product.kernels.funnel_scan` over the warehouse's event index when it is built, current
    and covers the funnel (no step filters; breakdown by a coded column or a variant), else over the
    stream from one scan. Both give the same chains (tests/test_funnels.py)."""
    check_model(spec, session.model)
    if session.capabilities.pushdown:
        from portal.product.funnels.pushdown import levels_on_cluster

        return levels_on_cluster(session, spec)
    idx = session.event_index()
    if idx is not None and index_covers(idx, spec):
        return _levels_from_index(session, idx, spec)
    values = _segment_values(session, spec)
    sql, params = stream_sql(spec, session.model, values, _ids_fit_32_bits(session))
    table = session.scan(sql, params)
    persons = PersonCodes.of(table.column("user_id"))  # text ids become integer codes for the pass
    lut, extra = step_bits(spec, table)
    chains = _chains(
        spec,
        persons.codes,
        table.column("t").to_numpy().view(np.int64),
        table.column("ev").to_numpy(),
        lut,
        extra,
    )
    out: dict = {"user_id": chains.users}
    if "segment" in table.column_names:
        if values is not None:
            codes = pc.fill_null(table.column("segment").take(chains.start_rows), 0).to_numpy()
            out["segment"] = pd.Categorical.from_codes(codes.astype(np.int64), ["(none)", *values])
        else:
            picked = table.column("segment").take(chains.start_rows).to_numpy(zero_copy_only=False)
            out["segment"] = np.where(pd.isna(picked), "(none)", picked)
    return _frame(session, spec, chains, out, persons)


def _chains(spec: FunnelSpec, user, t, ev, lut, extra):
    return funnel_scan.run(
        spec.mode,
        user,
        t,
        ev,
        lut,
        extra,
        len(spec.steps),
        int(round(spec.window_days * 86_400_000_000)),
        _epoch_us(spec.start),
        _epoch_us(spec.end + timedelta(days=1)),
    )


def index_covers(idx, spec: FunnelSpec) -> bool:
    """Whether the index has what the funnel reads: step events by name only, and a breakdown that
    is an experiment variant or one or two of its coded columns."""
    if any(s.column for s in spec.steps):
        return False
    if spec.breakdown and not is_variant(spec.breakdown):
        return all(c in idx.codes for c in breakdown_columns(spec.breakdown))
    return True


def _levels_from_index(session, idx, spec: FunnelSpec) -> pd.DataFrame:
    """The pass over the memory-mapped index: the same state machine, no query. Events outside the
    date range are left in: step 1 counts only inside it, and later steps only within the window."""
    lut = np.zeros(len(idx.names) + 1, dtype=np.uint16)
    for i, step in enumerate(spec.steps):
        if step.event in idx.names:
            lut[idx.names.index(step.event) + 1] |= 1 << i
    chains = _chains(spec, idx.user, idx.t, idx.ev, lut, np.zeros(0, dtype=np.uint16))
    out: dict = {"user_id": chains.users}
    if spec.breakdown and not is_variant(spec.breakdown):
        (values, codes), *more = [idx.codes[c] for c in breakdown_columns(spec.breakdown)]
        picked = codes[chains.start_rows].astype(np.int64)
        names = list(values)
        if more:  # two-way: one code per pair, NULL when either is
            values2, codes2 = more[0]
            second = codes2[chains.start_rows].astype(np.int64)
            picked = np.where((picked > 0) & (second > 0), (picked - 1) * len(values2) + second, 0)
            names = [f"{a} / {b}" for a in values for b in values2]
        out["segment"] = pd.Categorical.from_codes(picked, ["(none)", *names])
    return _frame(session, spec, chains, out, idx.persons)


def _frame(session, spec: FunnelSpec, chains, out: dict, persons: PersonCodes | None = None) -> pd.DataFrame:
    """The chains as the per-user frame, with the variant or a single segment when not broken down."""
    if persons is not None:
        out["user_id"] = persons.ids_of(chains.users)
    if "segment" in out:  # already taken from the stream or the index
        pass
    elif spec.breakdown:
        assigned = session.scan(
            f"SELECT user_id, min(variant) AS variant FROM {session.model.slots('experiments')['assignments']} "
            "WHERE experiment = $e AND user_id IS NOT NULL GROUP BY user_id",
            {"e": spec.breakdown[8:]},
        )
        variants, codes = np.unique(assigned.column("variant").to_numpy(zero_copy_only=False), return_inverse=True)
        at = pd.Index(assigned.column("user_id").to_pandas()).get_indexer(pd.Index(out["user_id"]))
        out["segment"] = pd.Categorical.from_codes(
            np.where(at >= 0, codes[np.maximum(at, 0)] + 1 if len(codes) else 0, 0), ["not in experiment", *variants]
        )
    else:
        out["segment"] = pd.Categorical.from_codes(np.zeros(len(chains.users), dtype=np.int8), ["all users"])
    for k in range(len(spec.steps)):
        out[f"t{k + 1}"] = chains.times[k].view("datetime64[us]")
    out["level"] = chains.level.astype(np.int64)
    return pd.DataFrame(out, copy=False)


def _epoch_us(d: date) -> int:
    return int((datetime.combine(d, datetime.min.time()) - datetime(1970, 1, 1)).total_seconds()) * 1_000_000
