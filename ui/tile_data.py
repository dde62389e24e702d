"""What the team dashboards compute, cached and shared between users of one role: each tile's data
(computed on a session of the system principal for that role, never on a caller's own session;
issue #12, finding 1) and each chart's Vega-Lite spec, built once per data version instead of on
every rerun (Altair's build and conversion were a third of the server's time under load)."""

from __future__ import annotations

import time
from datetime import date

import streamlit as st

from portal.reporting.dashboards import Tile
from portal.reporting.metrics import Metric
from ui.resources import metric_definitions, query_store, result_store, settings
from ui.sessions import role_key, role_principal
from ui.shared_cache import by_role
from ui.stored import RoleStore, role_store

TTL = 600
REFRESH_EVERY = 60  # seconds between two recomputations of the shared tiles


@by_role(ttl=TTL, show_spinner=False, max_entries=500)
def shared_kpi(session, name: str, start: date, end: date, filters: tuple, generation: float = 0.0):
    """A metric tile's KPI; an additive metric's days come from the result store when stored."""
    from portal.results.tiles import tile_kpi

    r = role_store(session)
    return tile_kpi(r.store, session, r.role_key, metric_definitions(), name, start, end, dict(filters), r.version,
                    fresh_after=_last_refresh()["at"])  # fmt: skip


@by_role(ttl=TTL, show_spinner=False, max_entries=500)
def shared_rows(session, query_id: str, version: str, start: date, end: date, filters: tuple, generation: float = 0.0):
    """The tile's rows and when they were computed: from the result store (shared by replicas and
    filled by `python -m portal refresh`), else computed now and stored for the next visitor."""
    from portal.results.tiles import tile_rows

    r = role_store(session)
    return tile_rows(
        r.store, session, r.role_key, query_store().curated(query_id), start, end, dict(filters), r.version
    )


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=500)
def query_spec(t: Tile, query_id: str, version: str, scope: tuple, annotations: tuple) -> dict:
    """A saved-query tile's chart as Vega-Lite, for this version of the query, scope and changes:
    stored with its rows, so a new server's first visitor does not build it."""
    from portal.results.tiles import query_chart_spec

    frame = shared_rows(query_id, version, *scope[:3], scope[4]).frame  # scope: start, end, filters, role, generation
    return query_chart_spec(*_spec_store(), t, query_store().curated(query_id), frame, annotations)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=500)
def metric_spec(t: Tile, m: Metric, scope: tuple, annotations: tuple, through: date) -> dict:
    """A metric tile's weekly chart as Vega-Lite (its baking window is part of `m`), stored likewise."""
    from portal.results.tiles import metric_chart_spec

    k = shared_kpi(m.name, *scope[:3], scope[4])  # scope: start, end, filters, role, generation
    return metric_chart_spec(*_spec_store(), t, m, k, annotations, through, scope[:2])


def _spec_store() -> RoleStore:
    """The store as this role's shared principal reads it (the callers' cache keys carry the role)."""
    from portal.results.store import role_key_text, warehouse_version

    pii, denied = role_key()
    return RoleStore(result_store(), role_principal(pii, denied).name, role_key_text(pii, denied),
                     warehouse_version(settings().warehouse_path))  # fmt: skip


def generation() -> float:
    """The newest stored tile's time: a refresh (or another server) storing answers changes the keys."""
    return result_store().generation("tile")


@st.cache_resource
def _last_refresh() -> dict:
    return {"at": 0.0}


def refresh_shared_results() -> None:
    """Recompute the tiles for everyone, at most once a minute: the cache is shared, so thirty people
    pressing Refresh must not make every page view recompute every tile."""
    last = _last_refresh()
    age = time.time() - last["at"]
    if age < REFRESH_EVERY:
        st.toast(f"Refreshed {age:.0f} s ago; the numbers are that fresh.", icon=":material/refresh:")
        return
    last["at"] = time.time()
    for cached in (shared_kpi, shared_rows, query_spec, metric_spec):
        cached.clear()
