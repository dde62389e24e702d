"""How long a number keeps changing after the fact, measured from the data instead of assumed.

A signup's first purchase can come weeks later, so CAC, paying customers and click-to-customer of a
recent period are not final. The window is the lag by which, historically, a chosen share (90%) of
eventual conversions had happened: measured on people who signed up long enough ago (`HORIZON_DAYS`)
that every conversion within the horizon could be seen. Every page that shows such a number (KPI
tiles, the digest, alerts, the API, the cohort tabs and the Marketing dashboard's CAC by campaign)
uses this one window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from portal.model import ModelError
from portal.sqlfiles import render

SHARE = 0.9
HORIZON_DAYS = 180
MIN_CUSTOMERS = 30  # fewer measured customers: the window is not measured, and a default applies
FALLBACK_DAYS = 30
MARKS = (30, 60, 90)


@dataclass(frozen=True)
class BakingWindow:
    days: int
    share: float = SHARE
    horizon_days: int = HORIZON_DAYS
    customers: int = 0  # measured on this many customers (0: not measured, the fallback)
    within: dict = field(default_factory=dict)  # {30: share of eventual customers converted by day 30, …}

    @property
    def measured(self) -> bool:
        return self.customers > 0

    def words(self) -> str:
        """The window and where it comes from, for a tooltip or caption."""
        if not self.measured:
            return (
                f"Assumed {self.days} days: too few customers with {self.horizon_days} days of history to measure "
                "how long signups take to buy."
            )
        marks = ", ".join(f"{v:.0%} within {d}" for d, v in self.within.items())
        return (
            f"{self.share:.0%} of customers buy within {self.days} days of signing up ({marks}; measured on "
            f"{self.customers:,} customers who signed up at least {self.horizon_days} days before the data ends), "
            f"so numbers about signups of the last {self.days} days are not final yet."
        )


def window_from_lags(lags: list[tuple[int, int]], share: float = SHARE, horizon: int = HORIZON_DAYS) -> BakingWindow:
    """The lag by which `share` of the counted conversions had happened, from (lag_days, people) rows."""
    total = sum(n for _, n in lags)
    if total < MIN_CUSTOMERS:
        return BakingWindow(FALLBACK_DAYS, share, horizon)
    running, days = 0, horizon
    for lag, n in sorted(lags):
        running += n
        if running >= share * total:
            days = int(lag)
            break
    within = {m: sum(n for lag, n in lags if lag <= m) / total for m in MARKS if m < horizon}
    return BakingWindow(max(days, 1), share, horizon, total, within)


def conversion_window(session, data_through: date, share: float = SHARE, horizon: int = HORIZON_DAYS) -> BakingWindow:
    """Signup to first purchase, from the model's people (and revenue); the fallback when the model
    has no people or too few old enough customers."""
    try:
        slots = session.model.slots("people")  # its first purchase comes from [model.revenue] when not a column
    except ModelError:
        return BakingWindow(FALLBACK_DAYS, share, horizon)
    rows = session.frame(
        render("cohorts/conversion_lags", **slots),
        {"cutoff": data_through - timedelta(days=horizon), "horizon": horizon},
    )
    return window_from_lags([(int(a), int(b)) for a, b in rows.itertuples(index=False)], share, horizon)


def baking_windows(session, data_through: date) -> dict[str, BakingWindow]:
    """Every measured window by the name metrics use for it (`bakes = "conversion"` in metrics.toml)."""
    return {"conversion": conversion_window(session, data_through)}
