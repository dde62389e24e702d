"""Reading `[model]` of a settings file into a `portal.model.Model`: each part's keys checked (a
typo gets the nearest name), each expression parsed, identity attached to every part keyed by person."""

from __future__ import annotations

import re
from dataclasses import fields, replace

from portal.model import _CANONICAL, PARTS, TIME_UNITS, Identity, Model, ModelError, ident
from portal.model_expr import ExprError, Source, load_joins, parse

_TABLES = ("table", "details")  # fields that name a table
_VALUES = ("control", "counted", "default_steps", "time_unit")  # fields that hold values, not SQL
_NAMES = ("properties",)  # fields that list plain column names


def did_you_mean(word: str, known) -> str:
    """' (did you mean X?)' for the nearest known name, or ''."""
    import difflib

    near = difflib.get_close_matches(str(word), [str(k) for k in known], n=1, cutoff=0.6)
    return f" (did you mean {near[0]}?)" if near else ""


def _part(name: str, data: dict, where: str, cls=None):
    cls = cls or PARTS[name]
    known = {f.name for f in fields(cls)} - {"identity", "event_links"}
    unknown = set(data) - known
    if unknown:
        bad = sorted(unknown)
        raise ModelError(
            f"{where} [model.{name}]: unknown key {bad[0]}{did_you_mean(bad[0], known)}; known: {', '.join(sorted(known))}."
        )
    data = dict(data)
    try:
        joins = load_joins(data.pop("joins", None), f"{where} [model.{name}]")
    except ExprError as exc:
        raise ModelError(str(exc)) from None
    try:
        values = {
            k: tuple(map(str, v)) if isinstance(v, list) else (str(v) if v is not None else None)
            for k, v in data.items()
        }
        part = cls(**values, joins=joins)
    except TypeError as exc:
        missing = re.findall(r"'(\w+)'", str(exc))
        raise ModelError(f"{where} [model.{name}]: missing key(s) {', '.join(missing) or str(exc)}.") from None
    # check every field now, so a typo is reported at start, not on the first page view
    for f in fields(cls):
        value = getattr(part, f.name)
        w = f"{where} [model.{name}] {f.name}"
        if value is None or f.name in ("joins", "identity", "event_links"):
            continue
        if f.name == "time_unit":
            if value not in TIME_UNITS:
                raise ModelError(f"{w} must be one of {', '.join(TIME_UNITS)}.")
        elif f.name in _VALUES:
            continue
        elif f.name in _TABLES:
            ident(value, w)
        elif f.name in _NAMES:
            for v in value:
                ident(v, w)
        else:
            try:
                parse(value, w).sql(Source(part.table).alias, frozenset(j.alias for j in joins))
            except ExprError as exc:
                raise ModelError(str(exc)) from None
    clash = set(getattr(part, "properties", ())) & set(_CANONICAL.get(name, ()))
    if clash:
        raise ModelError(f"{where} [model.{name}]: properties may not be named {', '.join(sorted(clash))}.")
    return part


SECTIONS = ("search_path", "freshness", "filters", "identity", *PARTS)


def load_model(data: dict, where: str) -> Model:
    """`[model]` of a settings file as a Model; raises ModelError naming the file and key."""
    data = dict(data or {})
    parts = {name: _part(name, data.pop(name), where) for name in list(data) if name in PARTS}
    identity = _part("identity", data.pop("identity"), where, Identity) if "identity" in data else None
    events = parts.get("events")
    if events is not None and events.user:  # events carrying both ids link them too
        link = (events.table, events.person, events.user, events.time, events.time_unit)
        identity = replace(identity or Identity(), event_links=(link,))
    if identity is not None:
        if identity.table is None and not identity.event_links:
            raise ModelError(
                f"{where} [model.identity]: name the table linking anonymous and user ids, or set user in [model.events]."
            )
        parts = {k: replace(v, identity=identity) if k != "spend" else v for k, v in parts.items()}
    search_path = data.pop("search_path", ["main"])
    if isinstance(search_path, str):
        search_path = [s.strip() for s in search_path.split(",")]
    for s in search_path:
        ident(s, f"{where} [model] search_path")
    freshness = data.pop("freshness", None)
    filters = data.pop("filters", {})
    if not isinstance(filters, dict):
        raise ModelError(f'{where} [model] filters must be a table of name = "part.column".')
    for fname, target in filters.items():
        part, _, col = str(target).partition(".")
        if part not in ("people", "events", "spend") or not col:
            raise ModelError(
                f"{where} [model.filters] {fname}: write it as people.<column>, events.<column> or spend.campaign."
            )
        ident(col, f"{where} [model.filters] {fname}")
    if data:
        bad = sorted(data)[0]
        raise ModelError(f"{where} [model]: unknown key {bad}{did_you_mean(bad, SECTIONS)}.")
    return Model(
        **parts, identity=identity, search_path=tuple(map(str, search_path)), freshness=freshness, filters=dict(filters)
    )
