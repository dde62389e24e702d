"""Cohorts: retention, orders per user and cumulative revenue per user by signup (or first purchase)
cohort, with incomplete periods marked so young cohorts read as "still baking", not as bad."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats

from portal.model import ModelError
from portal.product.kernels import retention_scan
from portal.product.persons import PersonCodes
from portal.product.stats import p_text, wilson
from portal.sqlfiles import Fragment, Ident, render

GRAINS = ("week", "month")
ANCHORS = {"signup": "signup_at", "first purchase": "first_order_at"}


def splits(model) -> list[str]:
    """What cohorts can be split by: the people part's channel, campaign and properties, named as
    the company's columns (portal.toml [model.people])."""
    return list(model.people_splits)


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
        if not isinstance(self.split, str) or not self.split:
            raise CohortError("Choose what to split cohorts by.")
        if self.event is not None and (not isinstance(self.event, str) or not self.event.strip()):
            raise CohortError("Choose which event counts as active.")
        if not 1 <= self.periods <= 52:
            raise CohortError("Choose between 1 and 52 periods.")


NEEDS = {
    "activity": ("events",),
    "members": ("people",),
    "segments": ("people",),
    "retention": ("people", "events"),
    "revenue": ("people", "revenue"),
    "cac": ("people", "spend"),
    "cac_payback": ("people", "spend", "revenue"),
}


def _slots(session, name: str) -> dict:
    try:
        return session.model.slots(*NEEDS[name])
    except ModelError as err:
        raise CohortError(str(err)) from None


def _sql(name: str, spec: CohortSpec, session) -> str:
    choices = session.model.people_splits
    if spec.split not in choices:
        raise CohortError(f"Cannot split cohorts by {spec.split!r}; choose one of {', '.join(choices)}.")
    return render(
        f"cohorts/{name}",
        grain=Ident.of(spec.grain, GRAINS),
        anchor=Ident.of(ANCHORS[spec.anchor], ANCHORS.values()),
        split=Fragment(choices[spec.split]),
        activity=Fragment("e.event_name = $event" if spec.event else "true"),
        **_slots(session, name),
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


def _activity(session, spec: CohortSpec):
    """(person, day, person codes) of every qualifying event in person-then-time order: from the
    warehouse's memory-mapped event index when it is current (no query, no sort; persons as the
    index's codes), else from one scan (persons as ids, codes None)."""
    idx = session.event_index()
    if idx is not None:
        if not spec.event:
            return idx.user, idx.day, idx.persons
        keep = idx.ev == (idx.names.index(spec.event) + 1 if spec.event in idx.names else -1)
        return idx.user[keep], idx.day[keep], idx.persons
    stream = session.scan(_sql("activity", spec, session), {"event": spec.event} if spec.event else None)
    return stream.column("user_id"), stream.column("event_date").cast("int32").to_numpy(), None


def retention(session, spec: CohortSpec, data_through: date) -> pd.DataFrame:
    """Share of each cohort active in each later period: the members (small) come from SQL, the
    activity stream is counted by `portal.product.kernels.retention_scan` (same result as cohorts/retention.sql).
    On a cluster, cohorts/retention.sql itself runs there: one grouped query, no events travel."""
    if session.capabilities.pushdown:
        return _finish(_on_cluster(session, spec), spec, data_through)
    segments = session.frame(_sql("segments", spec, session))["segment"].tolist()
    members = session.scan(_sql("members", spec, session), {"segments": segments})
    user, day, coded = _activity(session, spec)
    member_ids = members.column("user_id")
    if coded is not None and coded.ids is not None:
        # a dictionary-coded index: members take the index's codes; members with no event get
        # distinct negative codes (they are counted in their cohort, never active)
        persons = PersonCodes(coded.code_of(member_ids), coded.ids)
        absent = persons.codes < 0
        persons.codes[absent] = -1 - np.arange(int(absent.sum()))
    else:
        persons = PersonCodes.of(member_ids)  # text person ids: members coded in their (sorted) order
        if persons.ids is not None or not isinstance(user, np.ndarray):
            if persons.ids is None:
                user = user.to_numpy()
            else:
                user = persons.code_of(user)
                day = day[user >= 0]
                user = user[user >= 0]
    m_period = members.column("cohort_period").to_numpy()
    m_segment = members.column("segment").to_numpy()
    m_user = persons.codes
    if len(m_user) > 1 and np.any(m_user[1:] < m_user[:-1]):  # the pass walks members in id order
        order = np.argsort(m_user, kind="stable")
        m_user, m_period, m_segment = m_user[order], m_period[order], m_segment[order]
    first = int(m_period.min()) if len(m_period) else 0
    n_seg = len(segments) + 1  # code 0: no value
    group = (m_period - first).astype(np.int64) * n_seg + m_segment
    n_groups = int(group.max()) + 1 if len(group) else 0
    counts = retention_scan.active_counts(
        user,
        day,
        spec.grain,
        m_user,
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
    frame = session.frame(_sql("retention", spec, session), params)
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
    frame = session.frame(_sql("revenue", spec, session), {"periods": spec.periods})
    frame = _complete(frame, spec, data_through)
    if spec.since:
        frame = frame[pd.to_datetime(frame["cohort"]) >= pd.Timestamp(spec.since)]
    return frame.reset_index(drop=True)


def cac_by_channel(session) -> pd.DataFrame:
    """Ad spend per channel over its signups and over its paying customers; empty when the model has
    no spend or channels. Cumulative revenue per user is compared with `cost_per_signup` (`PAYBACK`)."""
    m = session.model
    if m.spend is None or m.people is None or not (m.spend.channel and m.people.channel):
        return pd.DataFrame(
            {"channel": [], "spend": [], "signups": [], "customers": [], "cost_per_signup": [], "cac": []}
        )
    return session.frame(render("cohorts/cac", **_slots(session, "cac")))


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


def payback_note(payback: pd.DataFrame) -> str | None:
    """Why there is no CAC payback to draw (None when there is one): no cohorts, or none with a
    paying customer, so CAC (spend over customers) is undefined everywhere."""
    if payback.empty:
        return "No signup cohorts with ad spend to pay back: CAC payback needs [model.people] and [model.spend]."
    if not (payback["customers"] > 0).any():
        return (
            f"None of the {len(payback)} signup cohorts has a paying customer yet, so CAC (spend per paying "
            "customer) is not defined. If people have bought, check that revenue is keyed by the same people as "
            "signups (python -m portal model check)."
        )
    return None


PAYBACK = (
    "Payback is the first month in which a cohort's cumulative revenue covers what was spent to acquire it "
    "(revenue, not margin). Per signup or per paying customer, it is the same month: both sides are divided "
    "by the same count."
)


def cac_payback(
    session, data_through: date, campaign: str | None = None, months: int = 12, bakes_days: int | None = None
) -> pd.DataFrame:
    """Per signup month: CAC (the metric cac over that month), cumulative revenue per paying customer
    by months since signup, and the payback month (`PAYBACK`). A cohort is still baking while its
    customers are still arriving (within the measured signup-to-purchase window, `bakes_days`, by
    default `baking.conversion_window`) or it has not paid back yet but is too young to say it will not."""
    if bakes_days is None:
        from portal.product.baking import conversion_window

        bakes_days = conversion_window(session, data_through).days
    raw = session.frame(render("cohorts/cac_payback", **_slots(session, "cac_payback")), {"campaign": campaign})
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
        p_lo, p_hi = wilson(customers, int(first["signups"]))  # CAC moves with how many signups became customers
        cac_low = float(first["spend"]) / (p_hi * int(first["signups"])) if p_hi > 0 else float("nan")
        cac_high = float(first["spend"]) / (p_lo * int(first["signups"])) if p_lo > 0 else float("inf")
        by_month = g.dropna(subset=["month"]).set_index("month")["revenue"].astype(float)
        age = (through.year - cohort.year) * 12 + through.month - cohort.month  # months since the cohort began
        cumulative = by_month.reindex(range(age + 1), fill_value=0.0).cumsum() / customers if customers else None
        payback = next((int(m) for m, v in cumulative.items() if v >= cac), None) if cumulative is not None else None
        cac_final = (cohort + pd.offsets.MonthEnd(0) + pd.Timedelta(days=bakes_days)) <= through
        row = {
            "cohort": cohort,
            "signups": int(first["signups"]),
            "customers": customers,
            "spend": float(first["spend"]),
            "cac": cac,
            "cac_low": cac_low,
            "cac_high": cac_high,
            "payback_month": payback,
        }
        for m in (1, 3, 6, 12):
            row[f"revenue_per_customer_m{m}"] = float(cumulative[m]) if cumulative is not None and m <= age else None
        if payback is not None:
            when = "within the signup month" if payback == 0 else f"in month {payback} after signup"
            row["status"] = f"paid back {when}" + ("" if cac_final else " (CAC still baking)")
        elif not cac_final or age < months:
            row["status"] = "still baking: not paid back yet"
        else:
            row["status"] = f"not paid back within {months} months"
        row["still_baking"] = not cac_final or (payback is None and age < months)
        rows.append(row)
    out = pd.DataFrame(rows)
    return out.assign(payback_month=out["payback_month"].astype("Int64"), cac=out["cac"].astype(float))


def lowest_cac(payback: pd.DataFrame) -> str | None:
    """Whether the settled cohort with the lowest CAC is really cheaper than the other settled cohorts
    together, or within noise: CAC is spend over customers, so the randomness is in how many signups
    became customers (a two-proportion test on customers per dollar, the log CAC ratio by the delta
    method). None when fewer than two settled cohorts have customers."""
    done = payback[~payback["still_baking"] & (payback["customers"] > 0)]
    if len(done) < 2:
        return None
    low = done.loc[done["cac"].idxmin()]
    rest = done.drop(index=low.name)
    rest_cac = rest["spend"].sum() / rest["customers"].sum()
    var = (1 - low.customers / low.signups) / low.customers + (
        1 - rest["customers"].sum() / rest["signups"].sum()
    ) / rest["customers"].sum()
    z = (math.log(low.cac) - math.log(rest_cac)) / math.sqrt(var)
    p = float(2 * stats.norm.sf(abs(z)))
    month = pd.Timestamp(low.cohort).strftime("%B %Y")
    head = (
        f"{month}'s CAC, ${low.cac:,.2f} (95% CI ${low.cac_low:,.2f} to ${low.cac_high:,.2f}), against "
        f"${rest_cac:,.2f} for the other {len(rest)} settled cohorts together: "
    )
    if p < 0.05:
        return head + f"really lower ({p_text(p)}): more of its signups became customers for the money."
    return head + f"not clearly lower ({p_text(p)}); the difference is within what chance gives."
