"""Facts about the data a person's role may read, cached per role through `ui.shared_cache.by_role`:
the catalog, the values of dashboard filters, event names, the data's date range, experiments,
`model check`'s key-space findings and how long numbers keep changing."""

from __future__ import annotations

import streamlit as st

from portal.warehouse.catalog import Catalog
from ui.resources import settings
from ui.shared_cache import by_role


@by_role(cache=st.cache_resource, ttl=600)
def _catalog(session) -> Catalog:
    return session.catalog()


def catalog() -> Catalog:
    """The tables this user may read (restricted schemas' tables are not listed at all), described
    by the dbt project when [dbt] target is set: its artifacts are read again when they change,
    and artifacts that cannot be read leave the warehouse's own descriptions (Home says why)."""
    from portal.dbt.artifacts import DbtError, load_project
    from portal.dbt.docs import documented

    try:
        project = load_project(settings().dbt_target)
    except DbtError:
        project = None
    return documented(_catalog(), project)


def _stored(session, name: str, *args: str):
    """A fact about the data kept in the result store for this role and warehouse version
    (`portal.results.facts`): a new server's first visitor reads it instead of scanning."""
    from portal.results.facts import fact
    from ui.stored import role_store

    r = role_store(session)
    return fact(r.store, session, r.role_key, r.version, name, *args)


@by_role(ttl=600, show_spinner=False)
def _filter_options(session, name: str) -> list[str]:
    return _stored(session, "filter_options", name)


def filter_options(name: str) -> list[str]:
    """The values a dashboard filter can take in the warehouse this user sees, from the column
    portal.toml's [model.filters] declares for it ([] when it declares none)."""
    from portal.model import ModelError

    try:
        return _filter_options(name)
    except ModelError:
        return []


@by_role(ttl=600, show_spinner=False)
def event_names(session) -> list[str]:
    """The event names in the data this user sees, most frequent first (the pickers' options)."""
    return _stored(session, "event_names")


@by_role(ttl=600, show_spinner=False)
def data_range(session):
    """(first day, last day) of events in the data this user sees; None without events."""
    return _stored(session, "data_range")


@by_role(ttl=600, show_spinner=False)
def experiment_names(session) -> list[str]:
    """Experiments in the data this user sees, newest first (variant breakdowns)."""
    return _stored(session, "experiment_names")


@by_role(ttl=600, show_spinner=False)
def _key_spaces(session) -> dict[str, str]:
    from portal.model_check import key_space_findings

    try:
        found = key_space_findings(session, settings().model)
    except Exception:  # advice only: a page never fails because the check could not run
        return {}
    return {f.part: f.message for f in found if f.level == "error"}


def key_space_problem(part: str) -> str | None:
    """`model check`'s finding when most person keys of a model part (experiments, revenue, people)
    are not among the events' persons: pages say it instead of showing inf%, $0 or empty readouts."""
    return _key_spaces().get(part)


@by_role(ttl=600, show_spinner=False, max_entries=8)
def _baking_windows(session, through: str) -> dict:
    return _stored(session, "baking_windows", through[:10])


def baking_windows() -> dict:
    """How long numbers keep changing, measured on this role's data (one window for every page)."""
    through = catalog().data_through
    return _baking_windows(through) if through else {}
