"""A product page's numbers through the result store, for this session's role and the warehouse's
version (`portal.results.pages`): computed once, read by every server after."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from portal.results.pages import stored_frames
from portal.results.store import role_key_text, warehouse_version
from ui.resources import result_store, settings


def stored(session, key: str, compute: Callable[[], pd.DataFrame]) -> tuple[pd.DataFrame, float]:
    """(the frame stored under `key` for this role and warehouse version, else `compute()`d and
    stored; when it was computed: the page says so)."""
    frames, at, _ = stored_frames(
        result_store(),
        session.user.name,
        role_key_text(session.user.has_pii, session.denied_schemas),
        key,
        warehouse_version(settings().warehouse_path),
        lambda: {"frame": compute()},
        names=("frame",),
    )
    return frames["frame"], at
