"""Product pages' views behind the result store (issue #33): the Funnels page opened on its default
funnel reads the answer `python -m portal refresh` computed (or the last visitor's), and Cohorts'
retention, Lifecycle, stickiness and Paths read what any visitor of their role computed on this
warehouse version, instead of every server recomputing it."""

from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd
import pyarrow as pa

from portal.results.store import ResultStore

PAGE = "page"


def stored_frames(store: ResultStore, owner: str, role_key: str, key: str, version: str,
                  compute: Callable[[], dict[str, pd.DataFrame]], fresh_after: float = 0.0,
                  names: tuple[str, ...] = ("counts", "segments")) -> tuple[dict, float, bool]:  # fmt: skip
    """({name: frame}, computed at, read from the store): every named frame of `key` stored for
    this role and warehouse version (computed after `fresh_after`), else computed now and stored."""
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


def funnel_key(spec) -> str:
    """The funnel as the store keys it: every choice of the page (steps, filters, dates, window, order,
    breakdowns) in the dataclass's own stable repr."""
    return f"funnel {spec!r}"


def funnel_frames(session, spec) -> dict[str, pd.DataFrame]:
    from portal.product.funnels import segment_table, step_counts, user_levels

    levels = user_levels(session, spec)
    return {"counts": step_counts(levels, spec), "segments": segment_table(levels, spec)}


def default_funnel(session, model):
    """The Funnels page's first view: the model's default steps (else the two most frequent events),
    over the data's whole range, 14-day window, in order, no breakdown."""
    from portal.product.funnels import spec_from_form
    from portal.product.vocabulary import data_range, event_names

    names, span = event_names(session), data_range(session)
    if model.events is None or span is None or len(names) < 2:
        return None
    steps = [e for e in model.events.default_steps if e in names] or names[:2]
    return spec_from_form(steps, "none", "none", "", span[0], span[1], 14, "sequential", "none", "none")
