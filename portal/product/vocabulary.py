"""What the company's data offers the product pages: its event names, the days it covers and when it
is fresh through, read from the warehouse through the semantic model, never written in code."""

from __future__ import annotations

from datetime import date

import pandas as pd

from portal.model import ModelError


def event_names(session, limit: int = 500) -> list[str]:
    """Distinct event names of the model's events, most frequent first ([] when not configured)."""
    events = session.model.events
    if events is None:
        return []
    frame = session.frame(
        f"SELECT event_name FROM {events.relation()} WHERE event_name IS NOT NULL "
        f"GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT {int(limit)}"
    )
    return [str(v) for v in frame.iloc[:, 0]]


def data_range(session) -> tuple[date, date] | None:
    """First and last day of events, or None when there are none (or no events part)."""
    sql = session.model.range_sql()
    if sql is None:
        return None
    first, last = session.frame(sql).iloc[0]
    if pd.isna(first) or pd.isna(last):
        return None
    return pd.Timestamp(first).date(), pd.Timestamp(last).date()


def data_through(session) -> date | None:
    """The last day with data: the model's freshness column, else the events' last day."""
    try:
        sql = session.model.freshness_sql()
    except ModelError:
        return None
    if sql is None:
        return None
    (value,) = session.frame(sql).iloc[0]
    return None if pd.isna(value) else pd.Timestamp(value).date()


def default_index(options: list[str], *preferred: str | None, fallback: int = 0) -> int:
    """A picker's default: the position of the first of `preferred` that the data has, else `fallback`
    (kept inside the options)."""
    for p in preferred:
        if p and p in options:
            return options.index(p)
    return min(fallback, max(len(options) - 1, 0))
