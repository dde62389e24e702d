"""Experiment readouts: variants, sample-ratio check, conversion on a chosen event, lift and power."""

from __future__ import annotations

import pandas as pd

from portal.model import ModelError
from portal.product.stats import Readout, readout, wilson
from portal.sqlfiles import render


class ExperimentError(ValueError):
    pass


def _model(session, *parts: str):
    try:
        session.model.require(*parts)
    except ModelError as err:
        raise ExperimentError(str(err)) from None
    return session.model


def list_experiments(session) -> pd.DataFrame:
    """Experiments of the model's assignments (with their details table's words, when configured)."""
    return session.frame(_model(session, "experiments").experiments.listing())


def variant_counts(session, experiment: str, event: str) -> pd.DataFrame:
    if not isinstance(event, str) or not event.strip():
        raise ExperimentError("Choose the conversion event.")
    model = _model(session, "experiments", "events")
    sql = render("experiments/readout", **model.slots("experiments", "events"))
    return session.frame(sql, {"experiment": experiment, "event": event})


def experiment_readouts(counts: pd.DataFrame, control: str) -> list[Readout]:
    """Each non-control variant against the control."""
    if control not in set(counts["variant"]):
        raise ExperimentError(f"The control variant {control!r} has no users.")
    c = counts.set_index("variant").loc[control]
    return [
        readout(control, int(c.users), int(c.converted), r.variant, int(r.users), int(r.converted))
        for r in counts.itertuples()
        if r.variant != control
    ]


def with_intervals(counts: pd.DataFrame) -> pd.DataFrame:
    """Conversion per variant with its 95% Wilson interval (what the Experiments page tabulates)."""
    out = counts.copy()
    out["conversion"] = out["converted"] / out["users"]
    bounds = [wilson(int(x), int(n)) for x, n in zip(out["converted"], out["users"], strict=True)]
    out["ci_low"] = [lo for lo, _ in bounds]
    out["ci_high"] = [hi for _, hi in bounds]
    return out


def cumulative_lift(session, experiment: str, event: str, control: str) -> pd.DataFrame:
    """By day: each variant's lift over the control on everyone assigned so far and their conversions
    so far, with its 95% interval: whether the effect settled or is still moving. The last day is the
    readout's own numbers."""
    from portal.product.stats import relative_change_ci

    model = _model(session, "experiments", "events")
    daily = session.frame(
        render("experiments/daily", **model.slots("experiments", "events")), {"experiment": experiment, "event": event}
    )
    columns = ["day", "variant", "users", "converted", "lift", "lift_low", "lift_high"]
    if daily.empty or control not in set(daily["variant"]):
        return pd.DataFrame(columns=columns)
    wide = daily.pivot_table(index="day", columns="variant", values=["users", "converted"], aggfunc="sum", fill_value=0)
    running = wide.sort_index().cumsum()
    rows = []
    for day, r in running.iterrows():
        n1, x1 = int(r[("users", control)]), int(r[("converted", control)])
        for v in sorted(set(daily["variant"]) - {control}):
            n2, x2 = int(r[("users", v)]), int(r[("converted", v)])
            if min(n1, n2) == 0 or x1 == 0:
                continue
            lo, hi = relative_change_ci(x1, n1, x2, n2)
            rows.append([day, v, n2, x2, (x2 / n2) / (x1 / n1) - 1, lo, hi])
    return pd.DataFrame(rows, columns=columns)


def settling_sentence(lift: pd.DataFrame, days: int = 7) -> str:
    """Whether each variant's cumulative lift has settled: how far it moved over its last `days` days."""
    parts = []
    for v, g in lift.groupby("variant", sort=True):
        last = g.sort_values("day").tail(days)
        lo, hi = float(last["lift"].min()), float(last["lift"].max())
        end = last.iloc[-1]
        straddles = end["lift_low"] < 0 < end["lift_high"]
        parts.append(
            f"{v}: {end['lift']:+.1%} on the last day (95% CI {end['lift_low']:+.1%} to {end['lift_high']:+.1%}"
            + (", still straddling zero" if straddles else "")
            + f"); over its last {len(last)} days it moved between {lo:+.1%} and {hi:+.1%}"
            + (", so it has settled." if hi - lo < 0.02 else ", so it is still moving.")
        )
    return " ".join(parts) + " Each day counts everyone assigned so far and their conversions so far."
