"""Lifecycle and stickiness (issue #32): is the user base growing or churning underneath, and how
habitual is the product?

Lifecycle, per period (day, week from Monday, month): **new** people (active for the first time
ever), **returning** (active this period and the previous one), **resurrecting** (active now, not the
previous period, active before) and **dormant** (active the previous period, not now; negative, so a
chart shows it below zero, as PostHog does). Activity before the range counts as history, so a
person seen last year is resurrecting, not new. Stickiness: how many people were active on 1, 2, …
days of each period.

Both read the model's events with persons resolved (text ids and anonymous visitors who signed up
included): from the warehouse's event index when it is current, else one scan.
"""

from __future__ import annotations

import os
from datetime import date

import numpy as np
import pandas as pd

from portal.model import ModelError
from portal.product.kernels.lifecycle_pass import bounds, lifecycle_pass, stickiness_pass
from portal.product.kernels.user_slices import is_ordered, map_slices
from portal.sqlfiles import Fragment, render

GRAINS = ("day", "week", "month")
_EPOCH = np.datetime64("1970-01-01", "D")


class LifecycleError(ValueError):
    """A lifecycle request that cannot be answered; the message says why in plain words."""


def _periods(days: np.ndarray, grain: str) -> np.ndarray:
    """Days since 1970-01-01 -> period numbers (weeks start on Monday; 1970-01-01 was a Thursday)."""
    if grain == "day":
        return days.astype(np.int64)
    if grain == "week":
        return (days.astype(np.int64) + 3) // 7
    return (_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[M]").astype(np.int64)


def _start(period: int, grain: str) -> date:
    if grain == "day":
        return (_EPOCH + np.timedelta64(period, "D")).astype(date)
    if grain == "week":
        return (_EPOCH + np.timedelta64(period * 7 - 3, "D")).astype(date)
    return np.datetime64(period, "M").astype("datetime64[D]").astype(date)


def activity(session) -> tuple[np.ndarray, np.ndarray]:
    """(person code, day) of every event: the event index's arrays when current, else one scan with
    the persons coded here."""
    idx = session.event_index()
    if idx is not None:
        return np.asarray(idx.user), np.asarray(idx.day)
    try:
        slots = session.model.slots("events")
    except ModelError as err:
        raise LifecycleError(str(err)) from None
    stream = session.scan(render("cohorts/activity", activity=Fragment("true"), **slots))
    codes, _ = pd.factorize(stream.column("user_id").to_pandas(), use_na_sentinel=True)
    return codes, stream.column("event_date").cast("int32").to_numpy()


def _stream(session) -> tuple[np.ndarray, np.ndarray]:
    """(person, day) in (person, day) order: the index's arrays as they are, a scan's sorted."""
    user, day = activity(session)
    user, day = np.asarray(user), np.asarray(day)
    if not is_ordered(user, day):
        order = np.lexsort((day, user))
        user, day = user[order], day[order]
    return user, day


def _filled(out: np.ndarray, kernel, *args, a: int, b: int) -> np.ndarray:
    kernel(*args, out, a, b)
    return out


def _in_slices(user: np.ndarray, fn) -> np.ndarray:
    """fn(a, b) on slices of whole persons, one per core (the passes release the GIL), summed."""
    parts = map_slices(user, os.cpu_count() or 1, fn)
    return fn(0, len(user)) if parts is None else sum(out for _, out in parts)


def _period_number(d: date, grain: str) -> int:
    return int(_periods(np.array([(np.datetime64(d) - _EPOCH).astype(int)]), grain)[0])


def lifecycle(session, grain: str = "week", start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """period (its first day), new, returning, resurrecting, dormant (negative) for every period from
    `start` to `end` (default: the whole data)."""
    if grain not in GRAINS:
        raise LifecycleError(f"Unknown grain {grain!r}; use one of {', '.join(GRAINS)}.")
    user, day = _stream(session)
    columns = ["period", "new", "returning", "resurrecting", "dormant"]
    code = GRAINS.index(grain)
    lo, hi = bounds(user, day, code)
    if hi < lo:
        return pd.DataFrame(columns=columns)
    first = _period_number(start, grain) if start else lo
    last = _period_number(end, grain) if end else hi
    if last < first:
        raise LifecycleError("The range ends before it starts.")
    out = _in_slices(
        user,
        lambda a, b: _filled(
            np.zeros((4, last - first + 1), dtype=np.int64), lifecycle_pass, user, day, code, first, last, a=a, b=b
        ),
    )
    return pd.DataFrame(
        {
            "period": [_start(int(p), grain) for p in range(first, last + 1)],
            "new": out[0],
            "returning": out[1],
            "resurrecting": out[2],
            "dormant": -out[3],
        }
    )


def stickiness(session, grain: str = "week", start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """days, people: how many person-periods (a person in one week or month) had activity on that many
    distinct days, for the periods from `start` to `end`."""
    if grain not in ("week", "month"):
        raise LifecycleError("Stickiness counts active days per week or per month.")
    user, day = _stream(session)
    most = 7 if grain == "week" else 31
    day_lo = int((np.datetime64(start) - _EPOCH).astype(int)) if start else -(1 << 40)
    day_hi = int((np.datetime64(end) - _EPOCH).astype(int)) if end else 1 << 40
    code = GRAINS.index(grain)
    hist = _in_slices(
        user,
        lambda a, b: _filled(
            np.zeros(most + 1, dtype=np.int64), stickiness_pass, user, day, code, day_lo, day_hi, a=a, b=b
        ),
    )
    return pd.DataFrame({"days": np.arange(1, most + 1), "people": hist[1:]})
