"""Turning what an analyst typed into a `SavedQuery`: ids from titles, parameters from the SQL, and
who may set which status. Kept out of the save dialog so the Workbench and Funnels pages (and tests)
share one way to do it."""

from __future__ import annotations

import re

from portal.identity import User
from portal.library.header import SavedQuery
from portal.workbench.params import Param, guess_type

SAVE_MODES = ("Save", "Save as new", "Fork")


def slug(text: str) -> str:
    """A file-name-safe id part: lower case letters, digits and single underscores."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60] or "query"


def save_modes(opened: SavedQuery | None, can_edit: bool) -> list[str]:
    return (["Save"] if opened is not None and can_edit else []) + ["Save as new"] + (["Fork"] if opened else [])


def allowed_statuses(user: User) -> list[str]:
    """Only the data team curates or deprecates; everyone else saves drafts."""
    return ["draft", "curated", "deprecated"] if user.is_data_team else ["draft"]


def build_query(
    sql: str,
    param_names: list[str],
    opened: SavedQuery | None,
    mode: str,
    title: str,
    description: str,
    team: str,
    tags: str,
    status: str,
    user: User,
    defaults: dict | None = None,
) -> SavedQuery:
    """The query to save; `defaults` are parameter defaults of generated SQL (a funnel's date range)."""
    base = opened if (opened is not None and mode == "Save") else None
    if status not in allowed_statuses(user):
        status = "draft"
    declared = {p.name: p for p in (opened.params if opened else ())}
    params = tuple(declared.get(n) or Param(n, guess_type(n), (defaults or {}).get(n)) for n in param_names)
    qid = base.id if base else f"{slug(team)}/{slug(title)}"
    return SavedQuery(
        id=qid,
        title=title.strip(),
        sql=sql,
        description=description,
        owner=(base.owner if base else user.name),
        team=slug(team),
        tags=tuple(t.strip() for t in tags.split(",") if t.strip()),
        status=status,
        params=params,
        chart=opened.chart if opened else None,
    )
