"""The funnel on a cluster: the same compiled pass, run on the executors, one group of people at a
time, so only the per-person chains come back to the app, never the events.

The events come from the funnel's own SQL (`_events_sql`: step flags, segment of each event); each
group of people (a hash of the user id) is handed to `chains_of_group` on an executor's Python,
which runs `portal.product.kernels.funnel_scan` exactly as the app does over the event index."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pyarrow as pa

from portal.product.funnels.spec import FunnelSpec
from portal.product.funnels.sql import _events_sql
from portal.sqlfiles import Fragment


def levels_on_cluster(session, spec: FunnelSpec) -> pd.DataFrame:
    """Per-user best chain (user_id, segment, t1..tn, level), the same frame `user_levels` returns."""
    from portal.product.funnels.stream import _epoch_us

    events, params = _events_sql(spec, session.model)
    n = len(spec.steps)
    bits = " + ".join(f"CASE WHEN is_s{k} THEN {1 << (k - 1)} ELSE 0 END" for k in range(1, n + 1))
    sql = Fragment(f"SELECT user_id, t, segment, {bits} AS bits FROM (\n{events}\n) AS x")
    args = (
        spec.mode,
        n,
        int(round(spec.window_days * 86_400_000_000)),
        _epoch_us(spec.start),
        _epoch_us(spec.end + timedelta(days=1)),
    )

    def fn(table: pa.Table) -> pa.Table:  # a plain function: Spark reads its signature
        return chains_of_group(*args, table)

    schema = ", ".join(
        ["user_id long", "segment string", *(f"t{k} timestamp_ntz" for k in range(1, n + 1)), "level int"]
    )
    table = session.grouped(sql, params, fn, schema, buckets=64)  # groups of a size one Python call handles well
    frame = table.to_pandas().sort_values("user_id", kind="stable").reset_index(drop=True)
    frame["segment"] = frame["segment"].fillna("(none)")
    frame["level"] = frame["level"].astype(np.int64)
    for k in range(1, n + 1):
        frame[f"t{k}"] = frame[f"t{k}"].astype("datetime64[us]")
    return frame


def chains_of_group(mode: str, n: int, window_us: int, t_lo: int, t_hi: int, table: pa.Table) -> pa.Table:
    """Runs on an executor: one group's events in, its people's best chains out."""
    from portal.product.kernels import funnel_scan

    user = table.column("user_id").to_numpy().astype(np.int64)
    t = table.column("t").cast(pa.timestamp("us")).cast(pa.int64()).to_numpy()
    patterns, ev = np.unique(table.column("bits").to_numpy().astype(np.uint16), return_inverse=True)
    if len(patterns) > 255:
        raise ValueError("too many combinations of steps for one pass")
    lut = np.concatenate([[0], patterns]).astype(np.uint16)  # code 0: no step
    chains = funnel_scan.run(
        mode, user, t, (ev + 1).astype(np.uint8), lut, np.zeros(0, np.uint16), n, window_us, t_lo, t_hi, threads=1
    )
    columns = {
        "user_id": pa.array(chains.users, pa.int64()),
        "segment": table.column("segment").take(pa.array(chains.start_rows)),
    }
    for k in range(n):
        times = chains.times[k]
        columns[f"t{k + 1}"] = pa.array(times, pa.int64(), mask=times == funnel_scan.NOT_REACHED).cast(
            pa.timestamp("us")
        )
    columns["level"] = pa.array(chains.level, pa.int32())
    return pa.table(columns)
