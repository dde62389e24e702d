"""Dashboard tiles behind the result store (issue #33): a saved-query tile reads the newest stored
answer for (its query's version, the page's dates and filters, the role, the warehouse version) and
says when it was computed; without one it computes, stores and shows it, so the next visitor, and
every replica, reads it. `python -m portal refresh` computes each team's tiles ahead of the visitors."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pyarrow as pa

from portal.library import run_saved
from portal.reporting import tiles as view
from portal.reporting.charts import json_spec
from portal.results.pages import computed_words, stored_value
from portal.results.store import ResultStore, Stored

TILE = "tile"


@dataclass(frozen=True)
class TileRows:
    frame: pd.DataFrame
    computed_at: float
    stored: bool  # read from the store rather than computed for this request

    def computed_text(self, data_through: str | None) -> str:
        return computed_words(self.computed_at, data_through)


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


def chart_spec(store: ResultStore, owner: str, role_key: str, version: str, parts: tuple, frame: pd.DataFrame,
               chart: Callable[[], object]) -> dict:  # fmt: skip
    """A tile's Vega-Lite spec, kept with its data: keyed by what it is drawn from (the tile, its
    metric or query version, the recorded changes, … in `parts`, and the rows themselves), so refresh,
    a replica or an earlier visitor builds it once. Building it with Altair was most of a new
    server's first dashboard view after the rows came from the store."""
    rows = pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
    digest = hashlib.sha256(repr(parts).encode() + repr(list(frame.columns)).encode() + rows).hexdigest()
    return stored_value(store, owner, role_key, f"chart {digest}", version, lambda: json_spec(chart(), validate=False))


def metric_chart_spec(store: ResultStore, owner: str, role_key: str, version: str, t, m, k, annotations: tuple,
                      through: date, span: tuple[date, date]) -> dict:  # fmt: skip
    """A metric tile's weekly chart of `span` (its KPI `k`'s series), stored: the page and refresh ask alike."""
    return chart_spec(store, owner, role_key, version, (t, m, annotations, through, span), k.series,
                      lambda: view.metric_chart(t, m, k, list(annotations), through, span))  # fmt: skip


def query_chart_spec(store: ResultStore, owner: str, role_key: str, version: str, t, q, frame: pd.DataFrame,
                     annotations: tuple) -> dict:  # fmt: skip
    """A saved-query tile's chart of its rows `frame`, stored: the page and refresh ask alike."""
    return chart_spec(store, owner, role_key, version, (t, q.id, q.version, annotations), frame,
                      lambda: view.query_chart(t, q, frame, list(annotations)))  # fmt: skip


def refresh_tiles(store: ResultStore, session, role_key: str, version: str, dashboard, metrics, queries,
                  dates: tuple[date, date], annotations: tuple, through: date) -> tuple[int, list[str]]:  # fmt: skip
    """Recompute a dashboard's tiles for its opening `dates` into the store, and their charts' specs
    as the page asks for them: (tiles stored, what failed)."""
    from portal.warehouse.errors import QueryError

    (start, end), done, errors, owner = dates, 0, [], session.user.name
    for t in (t for t in dashboard.tiles if t.metric in metrics.metrics):  # KPIs and metric charts: their days
        m = metrics[t.metric]
        k = tile_kpi(store, session, role_key, metrics, t.metric, start, end, {}, version, fresh_after=float("inf"))
        if t.type != "kpi":
            metric_chart_spec(store, owner, role_key, version, t, m, k, annotations, through, (start, end))
        done += 1
    for t in (t for t in dashboard.tiles if t.query):
        try:
            q = queries.curated(t.query)
            rows = tile_rows(store, session, role_key, q, start, end, {}, version, fresh_after=float("inf"))
        except (QueryError, ValueError) as err:
            errors.append(f"{t.query}: {getattr(err, 'message', None) or err}")
            continue
        if t.type not in ("kpi", "table"):
            query_chart_spec(store, owner, role_key, version, t, q, rows.frame, annotations)
        done += 1
    return done, errors


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
