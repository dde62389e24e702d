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
