"""Product pages' views behind the result store (issue #33): the Funnels page opened on its default
funnel reads the answer `python -m portal refresh` computed (or the last visitor's), and Cohorts'
retention, Lifecycle, stickiness and Paths read what any visitor of their role computed on this
warehouse version, instead of every server recomputing it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
import pyarrow as pa

from portal.results.store import ResultStore

PAGE = "page"


def stored_frames(store: ResultStore, owner: str, role_key: str, key: str, version: str,
                  compute: Callable[[], dict[str, pd.DataFrame]], fresh_after: float = 0.0,
                  names: tuple[str, ...] = ("frame",)) -> tuple[dict, float, bool]:  # fmt: skip
    """({name: frame}, computed at, read from the store): every named frame of `key` stored for
    this role and warehouse version (computed after `fresh_after`), else computed now and stored
    (every frame `compute` returns is stored, so one computation can fill several views)."""
    found = {}
    for name in names:
        hit = store.latest(PAGE, role_key, f"{key}#{name}", {}, version)
        if hit is None or (hit.computed_at or 0) < fresh_after:
            break
        try:
            found[name] = (store.read(hit).to_pandas(), hit.computed_at)
        except FileNotFoundError:
            break
    else:
        return {n: f for n, (f, _) in found.items()}, min(at for _, at in found.values()), True
    frames = compute()
    for name, frame in frames.items():
        store.put(
            PAGE,
            owner,
            role_key,
            f"{key}#{name}",
            {},
            version,
            "page",
            pa.Table.from_pandas(frame, preserve_index=False),
        )
    return frames, time.time(), False


def computed_words(at: float, data_through=None) -> str:
    """ "computed 2026-12-05 06:00 · data through 2026-11-15": when a stored answer was computed, on
    every page that shows one."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(at))
    return f"computed {when}" + (f" · data through {str(data_through)[:10]}" if data_through else "")


def stored_value(store: ResultStore, owner: str, role_key: str, key: str, version: str,
                 compute: Callable[[], object], fresh_after: float = 0.0) -> object:  # fmt: skip
    """A JSON value (a fact about the data, a chart's Vega-Lite spec) stored under `key` for this
    role and warehouse version, else computed now and stored: the same lookup as `stored_frames`."""
    frames, _, _ = stored_frames(
        store, owner, role_key, key, version,
        lambda: {"json": pd.DataFrame({"json": [json.dumps(compute())]})}, fresh_after, names=("json",),
    )  # fmt: skip
    return json.loads(frames["json"]["json"].iloc[0])


LIFECYCLE_DAYS = {"day": 30, "week": 7 * 16, "month": 365}  # how far back each grain opens


def lifecycle_range(span, grain: str):
    """The Lifecycle page's opening periods for `grain`: the last LIFECYCLE_DAYS of the data's span."""
    first, last = span
    return max(first, last - timedelta(days=LIFECYCLE_DAYS[grain])), last


def lifecycle_key(kind: str, grain: str, start, end) -> str:
    """Lifecycle's or stickiness's counts (`kind`) as the store keys them."""
    return f"{kind} {grain} {start} {end}"


def retention_key(spec, through: str) -> str:
    """A cohort retention table as the store keys it: the page's choices and the data's last day."""
    return f"cohorts retention {spec!r} {through}"


COHORT_PERIODS = 12


def default_cohort(model):
    """The Cohorts page's first view: the first of each of its pickers, 12 periods."""
    from portal.product.cohorts import ANCHORS, GRAINS, CohortSpec, splits

    return CohortSpec(GRAINS[0], next(iter(ANCHORS)), splits(model)[0], None, COHORT_PERIODS)


def product_views(session, model, span, through: str | None) -> dict[str, Callable[[], pd.DataFrame]]:
    """The product pages' first views besides Funnels, by store key: Lifecycle and stickiness by week,
    and Cohorts' retention: what `refresh` fills and the pages then read."""
    from portal.product.cohorts import retention
    from portal.product.lifecycle import lifecycle, stickiness

    views = {}
    if model.events is not None and span is not None:
        start, end = lifecycle_range(span, "week")
        views[lifecycle_key("lifecycle", "week", start, end)] = lambda: lifecycle(session, "week", start, end)
        views[lifecycle_key("stickiness", "week", start, end)] = lambda: stickiness(session, "week", start, end)
    if model.people is not None and model.events is not None and through:
        spec = default_cohort(model)
        views[retention_key(spec, through)] = lambda: retention(session, spec, date.fromisoformat(through[:10]))
    return views


def funnel_key(spec) -> str:
    """The funnel as the store keys it: every choice of the page (steps, filters, dates, window, order,
    breakdowns) in the dataclass's own stable repr."""
    return f"funnel {spec!r}"


HEADLINE = ("counts", "segments")  # what the Funnels page draws first
DETAILS = ("time", "weeks")  # what its other tabs read
FUNNEL = HEADLINE + DETAILS


def funnel_frames(levels, spec, names: tuple[str, ...] = FUNNEL) -> dict[str, pd.DataFrame]:
    """The Funnels page's tables of the per-person chains `levels` (`user_levels`), by store name."""
    from portal.product.funnels import conversion_by_week, segment_table, step_counts, time_to_convert

    tables = {"counts": step_counts, "segments": segment_table, "time": time_to_convert, "weeks": conversion_by_week}
    return {name: tables[name](levels, spec) for name in names}


def default_funnel(model, names: list[str], span):
    """The Funnels page's first view: the model's default steps (else the two most frequent of the
    event `names`), over the data's whole `span`, 14-day window, in order, no breakdown."""
    from portal.product.funnels import spec_from_form

    if model.events is None or span is None or len(names) < 2:
        return None
    steps = [e for e in model.events.default_steps if e in names] or names[:2]
    return spec_from_form(steps, "none", "none", "", span[0], span[1], 14, "sequential", "none", "none")
