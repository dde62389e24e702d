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

from datetime import date

import numpy as np
import pandas as pd

from portal.model import ModelError
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


_SHIFT = 21  # period numbers (days since 1970 included) fit in 21 bits until the year 7711


def _person_periods(user: np.ndarray, day: np.ndarray, grain: str) -> tuple[np.ndarray, np.ndarray]:
    """Each person's distinct active periods, sorted by person then period: one int64 key per event;
    the event index is already in person-then-time order, so dropping repeats is one pass (a scan's
    rows are sorted first)."""
    user = np.asarray(user)
    keep = user >= 0
    key = (user[keep].astype(np.int64) << _SHIFT) | _periods(np.asarray(day)[keep], grain)
    if len(key) and not bool(np.all(key[1:] >= key[:-1])):
        key = np.sort(key)
    key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key
    return key >> _SHIFT, key & ((1 << _SHIFT) - 1)


def lifecycle(session, grain: str = "week", start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """period (its first day), new, returning, resurrecting, dormant (negative) for every period from
    `start` to `end` (default: the whole data)."""
    if grain not in GRAINS:
        raise LifecycleError(f"Unknown grain {grain!r}; use one of {', '.join(GRAINS)}.")
    person, period = _person_periods(*activity(session), grain)
    columns = ["period", "new", "returning", "resurrecting", "dormant"]
    if not len(person):
        return pd.DataFrame(columns=columns)
    same = np.r_[False, person[1:] == person[:-1]]  # the row before is the same person
    gap = np.r_[0, np.diff(period)]
    state = np.where(~same, 0, np.where(gap == 1, 1, 2))  # 0 new, 1 returning, 2 resurrecting
    # dormant in the period after each active one that the person's next activity does not follow
    follows = np.r_[same[1:], False] & (np.r_[np.diff(period), 0] == 1)
    dormant_at = period[~follows] + 1
    first = _periods(np.array([(np.datetime64(start) - _EPOCH).astype(int)]), grain)[0] if start else period.min()
    last = _periods(np.array([(np.datetime64(end) - _EPOCH).astype(int)]), grain)[0] if end else period.max()
    if last < first:
        raise LifecycleError("The range ends before it starts.")
    span = np.arange(first, last + 1)
    counts = {
        name: np.bincount(
            (period[state == k] - first)[(period[state == k] >= first) & (period[state == k] <= last)],
            minlength=len(span),
        )[: len(span)]  # fmt: skip
        for k, name in enumerate(("new", "returning", "resurrecting"))
    }
    inside = (dormant_at >= first) & (dormant_at <= last)
    dormant = np.bincount(dormant_at[inside] - first, minlength=len(span))[: len(span)]
    return pd.DataFrame(
        {
            "period": [_start(int(p), grain) for p in span],
            **{k: v.astype(np.int64) for k, v in counts.items()},
            "dormant": -dormant.astype(np.int64),
        }
    )


def stickiness(session, grain: str = "week", start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """days, people: how many person-periods (a person in one week or month) had activity on that many
    distinct days, for the periods from `start` to `end`."""
    if grain not in ("week", "month"):
        raise LifecycleError("Stickiness counts active days per week or per month.")
    user, day = activity(session)
    user, day = np.asarray(user), np.asarray(day).astype(np.int64)
    keep = user >= 0
    if start:
        keep &= day >= (np.datetime64(start) - _EPOCH).astype(int)
    if end:
        keep &= day <= (np.datetime64(end) - _EPOCH).astype(int)
    person, active_day = _person_periods(user[keep], day[keep], "day")  # distinct active days, in order
    key = (person << _SHIFT) | _periods(active_day, grain)  # runs of one person-period, in order
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, np.int64)
    days = np.diff(np.r_[starts, len(key)])
    most = 7 if grain == "week" else 31
    counts = np.bincount(days, minlength=most + 1)[1 : most + 1]
    return pd.DataFrame({"days": np.arange(1, most + 1), "people": counts.astype(np.int64)})
