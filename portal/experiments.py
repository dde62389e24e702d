"""Experiment readouts: variants, sample-ratio check, conversion on a chosen event, lift and power."""

from __future__ import annotations

import pandas as pd

from portal.funnels import EVENTS
from portal.sqlfiles import load_sql
from portal.stats import Readout, readout


class ExperimentError(ValueError):
    pass


def list_experiments(session) -> pd.DataFrame:
    return session.run("SELECT experiment, description, started_at, ended_at, target_event, control_variant, variants "
                       "FROM analytics.experiments ORDER BY started_at DESC").frame


def variant_counts(session, experiment: str, event: str) -> pd.DataFrame:
    if event not in EVENTS:
        raise ExperimentError(f"Unknown event {event!r}.")
    return session.run(load_sql("experiments/readout"), {"experiment": experiment, "event": event}).frame


def experiment_readouts(counts: pd.DataFrame, control: str) -> list[Readout]:
    """Each non-control variant against the control."""
    if control not in set(counts["variant"]):
        raise ExperimentError(f"The control variant {control!r} has no users.")
    c = counts.set_index("variant").loc[control]
    return [readout(control, int(c.users), int(c.converted), r.variant, int(r.users), int(r.converted))
            for r in counts.itertuples() if r.variant != control]
