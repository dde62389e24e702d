"""Facts about the data a role may read, kept in the result store beside the answers they frame (issue
#33): the event names, the days the events cover, the experiments, a dashboard filter's values and how
long numbers keep changing. A page's first view on any server reads them instead of scanning the
warehouse (the Funnels page's range and names were half a second of a new tab at scale 10), and
`python -m portal refresh` computes them with the answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from portal.results.pages import stored_value
from portal.results.store import ResultStore


def _event_names(session) -> list[str]:
    from portal.product.vocabulary import event_names

    return event_names(session)


def _data_range(session) -> tuple[date, date] | None:
    from portal.product.vocabulary import data_range

    return data_range(session)


def _experiment_names(session) -> list[str]:
    from portal.product.experiments import ExperimentError, list_experiments

    try:
        return list_experiments(session)["experiment"].tolist()
    except ExperimentError:
        return []  # no [model.experiments]: no variant breakdowns


def _filter_options(session, name: str) -> list[str]:
    from portal.model import filter_options_sql

    return [str(v) for v in session.frame(filter_options_sql(session.model, name)).iloc[:, 0]]


def _baking_windows(session, through: str) -> dict:
    from portal.product.baking import baking_windows

    return baking_windows(session, date.fromisoformat(through[:10]))


def _windows_back(value: dict) -> dict:
    from portal.product.baking import BakingWindow

    return {
        name: BakingWindow(**{**w, "within": {int(k): v for k, v in w["within"].items()}}) for name, w in value.items()
    }


@dataclass(frozen=True)
class Fact:
    compute: Callable[..., Any]
    encode: Callable[[Any], Any] = lambda v: v  # to JSON
    decode: Callable[[Any], Any] = lambda v: v  # from JSON


FACTS = {
    "event_names": Fact(_event_names),
    "data_range": Fact(
        _data_range,
        lambda r: None if r is None else [r[0].isoformat(), r[1].isoformat()],
        lambda v: None if v is None else (date.fromisoformat(v[0]), date.fromisoformat(v[1])),
    ),
    "experiment_names": Fact(_experiment_names),
    "filter_options": Fact(_filter_options),
    "baking_windows": Fact(_baking_windows, lambda d: {n: asdict(w) for n, w in d.items()}, _windows_back),
}


def fact(store: ResultStore, session, role_key: str, version: str, name: str, *args: str,
         fresh_after: float = 0.0) -> Any:  # fmt: skip
    """`name`(session, *args) for this role and warehouse version: stored, else computed and stored."""
    f, key = FACTS[name], f"fact {name} {json.dumps(list(args))}"
    return f.decode(
        stored_value(
            store, session.user.name, role_key, key, version, lambda: f.encode(f.compute(session, *args)), fresh_after
        )  # fmt: skip
    )
