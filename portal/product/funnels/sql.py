"""The funnel in plain SQL (ASOF chains, or window leads in strict mode): for reading, for saving as
a saved query, and as the reference the compiled pass is held to (see docs/FUNNELS.md)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from portal.product.funnels.spec import FunnelError, FunnelSpec, breakdown_columns, check_model, is_variant
from portal.sqlfiles import Fragment, Ident, fill, render


def segment_sql(breakdown: str, model) -> Fragment:
    """The breakdown's value of an event `e` as text; a two-way breakdown joins its two values with
    " / " (NULL when either is missing). Columns are the model's event properties, never pasted text."""
    cols = [Ident.of(c, model.event_properties) for c in breakdown_columns(breakdown)]
    return Fragment(" || ' / ' || ".join(fill("CAST(e.{{col}} AS VARCHAR)", col=c) for c in cols))


def _events_sql(spec: FunnelSpec, model) -> tuple[str, dict]:
    check_model(spec, model)
    params: dict = {
        "start": spec.start,
        "end_exclusive": spec.end + timedelta(days=1),
        "end_window": spec.end + timedelta(days=1) + timedelta(days=spec.window_days),
        "window_s": spec.window_days * 86400.0,
    }
    names = sorted({s.event for s in spec.steps})
    for i, n in enumerate(names):
        params[f"ev{i}"] = n
    if is_variant(spec.breakdown):
        params["experiment"] = spec.breakdown[8:]
        segment = (
            f"coalesce((SELECT min(a.variant) FROM {model.slots('experiments')['assignments']} AS a "
            "WHERE a.user_id = e.user_id AND a.experiment = $experiment), 'not in experiment')"
        )
    elif spec.breakdown:
        segment = f"coalesce({segment_sql(spec.breakdown, model)}, '(none)')"
    else:
        segment = "'all users'"
    flags = []
    for i, s in enumerate(spec.steps, 1):
        cond = f"e.event_name = $step{i}_event"
        params[f"step{i}_event"] = s.event
        if s.column:
            cond += fill(
                " AND CAST(e.{{col}} AS VARCHAR) = $step{{i}}_value",
                col=Ident.of(s.column, model.event_properties),
                i=i,
            )
            params[f"step{i}_value"] = s.value
        flags.append(f"({cond}) AS is_s{i}")
    events = Fragment(
        f"SELECT e.user_id, e.event_at AS t, {segment} AS segment, {', '.join(flags)}\n"
        f"    FROM {model.events.relation()} AS e\n"
        f"    WHERE e.event_at >= $start AND e.event_at < $end_window\n"
        f"      AND e.event_name IN ({', '.join(f'$ev{i}' for i in range(len(names)))})"
    )
    return events, params


def funnel_sql(spec: FunnelSpec, model) -> tuple[str, dict]:
    """One row per user who did step 1 in the range: segment, t1..tn (NULL when not reached), level.

    The same answer as `user_levels` in plain SQL, for reading and for saving as a saved query; the
    page uses `user_levels`, which is much faster on large event tables."""
    events, params = _events_sql(spec, model)
    n = len(spec.steps)
    window = "t1 + to_seconds($window_s)"
    if spec.mode == "sequential":
        step_ctes = ",\n".join(
            f"s{k} AS (SELECT user_id, t, segment FROM ev WHERE is_s{k}"
            + (" AND t >= $start AND t < $end_exclusive" if k == 1 else "")
            + ")"
            for k in range(1, n + 1)
        )
        chain_selects = "".join(f", c{k}.t AS t{k}" for k in range(2, n + 1))
        asof = "\n    ".join(
            f"ASOF LEFT JOIN s{k} AS c{k} ON c{k}.user_id = s1.user_id AND c{k}.t >= {'s1.t' if k == 2 else f'c{k - 1}.t'}"
            for k in range(2, n + 1)
        )
        times = "".join(f", CASE WHEN t{k} <= {window} THEN t{k} END AS t{k}" for k in range(2, n + 1))
        levels = "".join(f" + CAST(coalesce(t{k} <= {window}, false) AS INTEGER)" for k in range(2, n + 1))
        completion = "CASE level " + " ".join(f"WHEN {k} THEN t{k}" for k in range(1, n + 1)) + " END"
        return render(
            "funnels/sequential",
            events=events,
            step_ctes=Fragment(step_ctes),
            chain_selects=Fragment(chain_selects),
            asof_joins=Fragment(asof),
            times=Fragment(times),
            levels=Fragment(levels),
            completion=Fragment(completion),
        ), params
    label = "CASE " + " ".join(f"WHEN is_s{k} THEN {k}" for k in range(1, n + 1)) + " END"
    leads = "".join(f", lead(step, {j}) OVER w AS s_{j}, lead(t, {j}) OVER w AS t_{j}" for j in range(1, n))
    ok = [
        " AND ".join(f"s_{i} = {i + 1}" for i in range(1, j + 1)) + f" AND t_{j} <= t + to_seconds($window_s)"
        for j in range(1, n)
    ]
    times = "".join(f", CASE WHEN {ok[j - 1]} THEN t_{j} END AS t{j + 1}" for j in range(1, n))
    levels = "".join(f" + CAST(coalesce({ok[j - 1]}, false) AS INTEGER)" for j in range(1, n))
    return render(
        "funnels/strict",
        events=events,
        label=Fragment(label),
        leads=Fragment(leads),
        times=Fragment(times),
        levels=Fragment(levels),
    ), params


def saved_query_sql(spec: FunnelSpec, model) -> str:
    """The funnel as a self-contained saved query: users per segment and step (segment 'all' too).
    The steps, filters and window are written in, since they define the funnel; the date range
    stays `$start` / `$end`, so a dashboard filter or a link can move it."""
    sql, params = funnel_sql(spec, model)
    n = len(spec.steps)
    fixed = {k: v for k, v in params.items() if k not in {"start", "end_exclusive", "end_window"}}
    window = f"to_seconds({float(params['window_s'])})"
    swaps = {
        **{k: _literal(v) for k, v in fixed.items()},
        "end_exclusive": "(CAST($end AS DATE) + INTERVAL 1 DAY)",
        "end_window": f"(CAST($end AS DATE) + INTERVAL 1 DAY + {window})",
    }
    for name in sorted(swaps, key=len, reverse=True):
        sql = re.sub(rf"\${name}\b", lambda _m, v=swaps[name]: v, sql)
    steps = " → ".join(s.label for s in spec.steps)
    body = "\n".join("    " + line for line in sql.strip().splitlines())
    return (
        f"-- Funnel ({spec.mode}, {spec.window_days:g}-day window"
        + (f", by {spec.breakdown}" if spec.breakdown else "")
        + f"): {steps}\n"
        f"-- Generated by the Funnels page; same counts as the page (docs/FUNNELS.md).\n"
        f"WITH levels AS (\n{body}\n)\n"
        f"SELECT coalesce(segment, 'all') AS segment, s.step, count(*) FILTER (WHERE level >= s.step) AS users\n"
        f"FROM levels CROSS JOIN range(1, {n + 1}) AS s(step)\n"
        f"GROUP BY GROUPING SETS ((segment, s.step), (s.step))\n"
        f"ORDER BY segment NULLS FIRST, s.step\n"
    )


def _literal(value) -> str:
    if isinstance(value, bool) or value is None:
        raise FunnelError(f"Cannot write {value!r} into a saved query.")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"
