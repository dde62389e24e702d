"""Cohorts: retention, orders per user and cumulative revenue per user by signup (or first purchase)
cohort, with incomplete periods marked so young cohorts read as "still baking", not as bad."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from portal.product.kernels import retention_scan
from portal.sqlfiles import Fragment, Ident, load_sql, render
from portal.warehouse.vocabulary import EVENTS

GRAINS = ("week", "month")
ANCHORS = {"signup": "signup_at", "first purchase": "first_order_at"}
SPLITS = {
    "none": "'all users'",
    "acquisition_channel": "acquisition_channel",
    "utm_campaign": "coalesce(utm_campaign, '(none)')",
    "platform": "platform",
}


class CohortError(ValueError):
    pass


@dataclass(frozen=True)
class CohortSpec:
    grain: str = "week"
    anchor: str = "signup"
    split: str = "none"
    event: str | None = None  # None: any event counts as active
    periods: int = 12
    since: date | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if self.grain not in GRAINS:
            raise CohortError(f"Cohorts are by week or month, not {self.grain!r}.")
        if self.anchor not in ANCHORS:
            raise CohortError(f"Cohorts start at signup or first purchase, not {self.anchor!r}.")
        if self.split not in SPLITS:
            raise CohortError(f"Cannot split cohorts by {self.split!r}.")
        if self.event is not None and self.event not in EVENTS:
            raise CohortError(f"Unknown event {self.event!r}.")
        if not 1 <= self.periods <= 52:
            raise CohortError("Choose between 1 and 52 periods.")


def _sql(name: str, spec: CohortSpec) -> str:
    return render(
        f"cohorts/{name}",
        grain=Ident.of(spec.grain, GRAINS),
        anchor=Ident.of(ANCHORS[spec.anchor], ANCHORS.values()),
        split=Fragment(SPLITS[spec.split]),
        activity=Fragment("e.event_name = $event" if spec.event else "true"),
    )


def _complete(frame: pd.DataFrame, spec: CohortSpec, data_through: date) -> pd.DataFrame:
    """A period is complete when it has fully ended by the last day of data."""
    p = frame["period"].to_numpy().astype(np.int64)
    if spec.grain == "week":
        start = pd.to_datetime(frame["cohort"]).to_numpy().astype("datetime64[D]")
        begins, ends = start + 7 * p, start + 7 * (p + 1)
    else:
        start = pd.to_datetime(frame["cohort"]).to_numpy().astype("datetime64[M]")
        begins, ends = (start + p).astype("datetime64[D]"), (start + p + 1).astype("datetime64[D]")
    last = np.datetime64(data_through, "D")
    frame["complete"] = ends <= last + 1
    frame["future"] = begins > last
    return frame


def _activity(session, spec: CohortSpec) -> tuple[np.ndarray, np.ndarray]:
    """(person, day) of every qualifying event in person-then-time order: from the warehouse's
    memory-mapped event index when it is current (no query, no sort), else from one scan."""
    idx = session.event_index()
    if idx is not None:
        if not spec.event:
            return idx.user, idx.day
        keep = idx.ev == (idx.names.index(spec.event) + 1 if spec.event in idx.names else -1)
        return idx.user[keep], idx.day[keep]
    stream = session.scan(_sql("activity", spec), {"event": spec.event} if spec.event else None)
    return stream.column("user_id").to_numpy(), stream.column("event_date").cast("int32").to_numpy()


def retention(session, spec: CohortSpec, data_through: date) -> pd.DataFrame:
    """Share of each cohort active in each later period: the members (small) come from SQL, the
    activity stream is counted by `portal.product.kernels.retention_scan` (same result as cohorts/retention.sql).
    On a cluster, cohorts/retention.sql itself runs there: one grouped query, no events travel."""
    if getattr(session, "engine", "duckdb") == "spark":
        return _finish(_on_cluster(session, spec), spec, data_through)
    segments = session.frame(_sql("segments", spec))["segment"].tolist()
    members = session.scan(_sql("members", spec), {"segments": segments})
    user, day = _activity(session, spec)
    m_period = members.column("cohort_period").to_numpy()
    m_segment = members.column("segment").to_numpy()
    first = int(m_period.min()) if len(m_period) else 0
    n_seg = len(segments) + 1  # code 0: no value
    group = (m_period - first).astype(np.int64) * n_seg + m_segment
    n_groups = int(group.max()) + 1 if len(group) else 0
    counts = retention_scan.active_counts(
        user,
        day,
        spec.grain,
        members.column("user_id").to_numpy(),
        group,
        m_period,
        n_groups,
        spec.periods,
    )
    sizes = np.bincount(group, minlength=n_groups)
    used = np.flatnonzero(sizes)  # ordered by cohort, then segment (segments are sorted)
    origin = retention_scan.ORIGIN
    starts = (
        origin + 7 * (used // n_seg + first)
        if spec.grain == "week"
        else (origin.astype("datetime64[M]") + (used // n_seg + first)).astype("datetime64[D]")
    )
    labels = np.array(["(none)", *segments], dtype=object)
    n = spec.periods + 1
    frame = pd.DataFrame(
        {
            "cohort": np.repeat(pd.to_datetime(starts).date, n),
            "segment": np.repeat(labels[used % n_seg], n),
            "period": np.tile(np.arange(n), len(used)),
            "cohort_size": np.repeat(sizes[used], n),
            "active_users": counts[used].reshape(-1),
        }
    )
    frame["retention"] = frame["active_users"] / frame["cohort_size"]
    return _finish(frame, spec, data_through)


def _on_cluster(session, spec: CohortSpec) -> pd.DataFrame:
    params = {"periods": spec.periods, **({"event": spec.event} if spec.event else {})}
    frame = session.frame(_sql("retention", spec), params)
    frame["cohort"] = pd.to_datetime(frame["cohort"]).dt.date
    frame["segment"] = frame["segment"].fillna("(none)").astype(str)
    for col in ("period", "cohort_size", "active_users"):
        frame[col] = frame[col].astype(np.int64)
    frame["retention"] = frame["active_users"] / frame["cohort_size"]
    return frame[["cohort", "segment", "period", "cohort_size", "active_users", "retention"]]


def _finish(frame: pd.DataFrame, spec: CohortSpec, data_through: date) -> pd.DataFrame:
    frame = _complete(frame, spec, data_through)
    if spec.since:
        frame = frame[pd.to_datetime(frame["cohort"]) >= pd.Timestamp(spec.since)]
    return frame.reset_index(drop=True)


def revenue(session, spec: CohortSpec, data_through: date) -> pd.DataFrame:
    frame = session.frame(_sql("revenue", spec), {"periods": spec.periods})
    frame = _complete(frame, spec, data_through)
    if spec.since:
        frame = frame[pd.to_datetime(frame["cohort"]) >= pd.Timestamp(spec.since)]
    return frame.reset_index(drop=True)


def cac_by_channel(session) -> pd.DataFrame:
    return session.frame(load_sql("cohorts/cac"))


def average_curve(frame: pd.DataFrame, value: str, cumulative: bool = False) -> pd.DataFrame:
    """Mean of `value` per period and segment over complete cells only, weighted by cohort size.

    For cumulative measures, each period's average increment is taken over the cohorts that have
    completed that period and the increments are summed (the chain-ladder way), so the curve never
    dips just because older, smaller cohorts are all that reach the later periods."""
    done = frame[frame["complete"]].sort_values(["cohort", "segment", "period"])
    if done.empty:
        return pd.DataFrame(columns=["segment", "period", value, "cohorts"])
    if cumulative:
        done = done.assign(**{value: done[value] - done.groupby(["cohort", "segment"])[value].shift(fill_value=0)})
    g = done.assign(w=done[value] * done["cohort_size"]).groupby(["segment", "period"])
    out = (g["w"].sum() / g["cohort_size"].sum()).rename(value).reset_index()
    out["cohorts"] = g.size().values
    if cumulative:
        out[value] = out.groupby("segment")[value].cumsum()
    return out


CAC_BAKES_DAYS = 30  # as the metric cac: a signup's first purchase can take weeks


def cac_payback(session, data_through: date, campaign: str | None = None, months: int = 12) -> pd.DataFrame:
    """Per signup month: CAC (the metric cac over that month), cumulative revenue per paying customer
    by months since signup, and the payback month, the first month whose cumulative revenue per
    customer covers the CAC (revenue, not margin). A cohort is still baking while its customers are
    still arriving (CAC not final) or it has not paid back yet but is too young to say it will not."""
    raw = session.frame(load_sql("cohorts/cac_payback"), {"campaign": campaign})
    if raw.empty:
        return pd.DataFrame(
            columns=["cohort", "signups", "customers", "spend", "cac", "payback_month", "status", "still_baking"]
        )
    raw["cohort"] = pd.to_datetime(raw["cohort"])
    through = pd.Timestamp(data_through)
    rows = []
    for cohort, g in raw.groupby("cohort", sort=True):
        first = g.iloc[0]
        customers = int(first["customers"])
        cac = float(first["spend"]) / customers if customers else float("nan")
        by_month = g.dropna(subset=["month"]).set_index("month")["revenue"].astype(float)
        age = (through.year - cohort.year) * 12 + through.month - cohort.month  # months since the cohort began
        cumulative = by_month.reindex(range(age + 1), fill_value=0.0).cumsum() / customers if customers else None
        payback = next((int(m) for m, v in cumulative.items() if v >= cac), None) if cumulative is not None else None
        cac_final = (cohort + pd.offsets.MonthEnd(0) + pd.Timedelta(days=CAC_BAKES_DAYS)) <= through
        row = {
            "cohort": cohort,
            "signups": int(first["signups"]),
            "customers": customers,
            "spend": float(first["spend"]),
            "cac": cac,
            "payback_month": payback,
        }
        for m in (1, 3, 6, 12):
            row[f"revenue_per_customer_m{m}"] = float(cumulative[m]) if cumulative is not None and m <= age else None
        if payback is not None:
            row["status"] = f"paid back in month {payback}" + ("" if cac_final else " (CAC still baking)")
        elif not cac_final or age < months:
            row["status"] = "still baking: not paid back yet"
        else:
            row["status"] = f"not paid back within {months} months"
        row["still_baking"] = not cac_final or (payback is None and age < months)
        rows.append(row)
    out = pd.DataFrame(rows)
    return out.assign(payback_month=out["payback_month"].astype("Int64"))
