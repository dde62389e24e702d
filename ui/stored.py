"""A product page's numbers through the result store, for this session's role and the warehouse's
version (`portal.results.pages`): computed once, read by every server after."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import pandas as pd

from portal.results.pages import stored_frames
from portal.results.store import ResultStore, role_key_text, warehouse_version
from ui.resources import result_store, settings


class RoleStore(NamedTuple):
    """Where a role's shared answers are kept and under which keys: what every stored lookup takes."""

    store: ResultStore
    owner: str
    role_key: str
    version: str  # the warehouse's


def role_store(session) -> RoleStore:
    """The result store as `session`'s role reads it, on this version of the warehouse."""
    return RoleStore(
        result_store(),
        session.user.name,
        role_key_text(session.user.has_pii, session.denied_schemas),
        warehouse_version(settings().warehouse_path),
    )


def stored(session, key: str, compute: Callable[[], pd.DataFrame]) -> tuple[pd.DataFrame, float]:
    """(the frame stored under `key` for this role and warehouse version, else `compute()`d and
    stored; when it was computed: the page says so)."""
    r = role_store(session)
    frames, at, _ = stored_frames(r.store, r.owner, r.role_key, key, r.version, lambda: {"frame": compute()})
    return frames["frame"], at
