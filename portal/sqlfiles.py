"""Long SQL lives in `.sql` files under portal/sql; this is the one way to read and fill them.

Values are always bound (`$name` parameters), never written into SQL. What a template may have
filled in are *slots* written `{{name}}`, and a slot takes only:
- an `Ident`: a name checked against an allow-list when it is made (a column, a date part);
- a `Fragment`: SQL the portal's own code assembled from Idents, numbers and `$parameters`;
- an `int`.
A plain `str` is refused, so user text can never reach SQL through a template.

Example: render("cohorts/members", grain=Ident.of("week", GRAINS), anchor=Ident.of("signup_at", ANCHOR_COLUMNS))
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"
_SLOT = re.compile(r"\{\{(\w+)\}\}")


class TemplateError(ValueError):
    """A template filled with something it must not take, or missing a slot."""


class Ident(str):
    """An identifier known to be safe: made only through `Ident.of` with its allow-list."""

    @classmethod
    def of(cls, name: str, allowed) -> Ident:
        if name not in allowed:
            raise TemplateError(f"{name!r} is not one of the allowed names: {', '.join(map(str, allowed))}.")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name):
            raise TemplateError(f"{name!r} is not a plain identifier.")
        return cls(name)


class Fragment(str):
    """SQL assembled by the portal's own code (from Idents, numbers and $parameters), never from user text."""


@cache
def load_sql(name: str) -> str:
    """Example: load_sql("catalog/tables") reads portal/sql/catalog/tables.sql."""
    path = (SQL_DIR / f"{name}.sql").resolve()
    if SQL_DIR not in path.parents:
        raise ValueError(f"SQL file name escapes the sql folder: {name}")
    return path.read_text(encoding="utf-8")


def fill(template: str, **slots: Ident | Fragment | int) -> Fragment:
    """Fill every `{{slot}}` of `template`; refuses missing and plain-text slots (slots a template
    does not name are ignored, so one set of slots can serve a family of templates)."""
    for name, value in slots.items():
        if isinstance(value, bool) or not isinstance(value, Ident | Fragment | int):
            raise TemplateError(f"Slot {name} takes an Ident, a Fragment or an int, not {type(value).__name__}.")
    missing = set(_SLOT.findall(template)) - set(slots)
    if missing:
        raise TemplateError(f"Template slots without a value: {', '.join(sorted(missing))}.")
    return Fragment(_SLOT.sub(lambda m: str(slots[m.group(1)]), template))


def render(name: str, **slots: Ident | Fragment | int) -> Fragment:
    """`fill` applied to the file `portal/sql/<name>.sql`."""
    return fill(load_sql(name), **slots)
