"""Dashboard tiles behind the result store (issue #33): a saved-query tile reads the newest stored
answer for (its query's version, the page's dates and filters, the role, the warehouse version) and
says when it was computed; without one it computes, stores and shows it, so the next visitor, and
every replica, reads it. `python -m portal refresh` computes each team's tiles ahead of the visitors."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pyarrow as pa

from portal.library import run_saved
from portal.reporting import tiles as view
from portal.results.store import ResultStore, Stored

TILE = "tile"


@dataclass(frozen=True)
class TileRows:
    frame: pd.DataFrame
    computed_at: float
    stored: bool  # read from the store rather than computed for this request

    def computed_text(self, data_through: str | None) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.computed_at))
        return f"computed {when}" + (f" · data through {data_through}" if data_through else "")


def tile_params(query, start: date, end: date, filters: dict) -> dict:
    return {"query": query.id, "version": query.version, "start": str(start), "end": str(end),
            "filters": {k: v for k, v in sorted(filters.items()) if v}}  # fmt: skip


def tile_rows(store: ResultStore, session, role_key: str, query, start: date, end: date, filters: dict,
              version: str, fresh_after: float = 0.0) -> TileRows:  # fmt: skip
    """The tile's rows: stored for this role and warehouse version (computed after `fresh_after`),
    else computed now and stored."""
    params = tile_params(query, start, end, filters)
    found: Stored | None = store.latest(TILE, role_key, query.sql, params, version)
    if found is not None and (found.computed_at or 0) < fresh_after:
        found = None
    if found is not None:
        try:
            return TileRows(store.read(found).to_pandas(), found.computed_at, True)
        except FileNotFoundError:  # evicted or expired meanwhile: compute again
            pass
    frame = run_saved(
        session, query, view.query_values(query, start, end, filters), max_rows=5000, origin="dashboard"
    ).frame
    kept = store.put(
        TILE,
        session.user.name,
        role_key,
        query.sql,
        params,
        version,
        "dashboard",
        pa.Table.from_pandas(frame, preserve_index=False),
    )
    return TileRows(frame, kept.computed_at if kept else time.time(), False)


def role_keys(settings) -> list[tuple[bool, tuple[str, ...]]]:
    """The distinct (pii, denied schemas) of the configured people: what refresh computes for."""
    from portal.identity import denied_schemas, make_user

    people = {*settings.people.demo_users, *settings.people.data_team, *settings.people.pii_access}
    keys = set()
    for name in sorted(people):
        user = make_user(name, settings, "refresh")
        keys.add((user.has_pii, tuple(denied_schemas(settings, user))))
    return sorted(keys)


def tile_kpi(store: ResultStore, session, role_key: str, metrics, name: str, start: date, end: date, filters: dict,
             version: str, fresh_after: float = 0.0):  # fmt: skip
    """A metric tile's KPI: an additive metric's days are stored (and its KPI recomputed from them,
    the same arithmetic as `kpi`); others are computed each time."""
    from portal.reporting.metrics import daily, kpi, kpi_of_days, kpi_window

    if not metrics.additive(name):
        return kpi(session, metrics, name, start, end, filters)
    first = kpi_window(start, end)
    params = {
        "metric": name,
        "start": str(first),
        "end": str(end),
        "filters": {k: v for k, v in sorted(filters.items()) if v},
    }
    sql = f"metric {name} daily\n{metrics[name].sql}"
    found = store.latest(TILE, role_key, sql, params, version)
    frame = None
    if found is not None and (found.computed_at or 0) >= fresh_after:
        try:
            frame = store.read(found).to_pandas()
            frame["day"] = pd.to_datetime(frame["day"]).dt.date
        except FileNotFoundError:
            frame = None
    if frame is None:
        frame = daily(session, metrics, name, first, end, filters)
        store.put(TILE, session.user.name, role_key, sql, params, version, "dashboard",
                  pa.Table.from_pandas(frame, preserve_index=False))  # fmt: skip
    return kpi_of_days(metrics[name], frame, start, end)
