"""`$name` query parameters: found in SQL, typed, validated and always bound, never pasted.

One syntax for the workbench, saved queries and dashboards: DuckDB's own named parameters, so the
SQL an analyst writes runs unchanged as a prepared statement and a value can never become SQL.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

TYPES = ("text", "number", "date", "list")
_NAME = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# Strings, quoted identifiers and comments, which may contain a `$` that is not a parameter.
_SKIP = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", re.DOTALL)
_DOLLAR_QUOTE = re.compile(r"\$\$.*?\$\$", re.DOTALL)


class ParamError(ValueError):
    """A parameter value or declaration that cannot be used; the message names the parameter."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str = "text"
    default: object = None
    choices: tuple = field(default_factory=tuple)
    label: str = ""

    def __post_init__(self):
        if self.type not in TYPES:
            raise ParamError(f"Parameter ${self.name}: unknown type {self.type!r}; use one of {', '.join(TYPES)}.")


def find_params(sql: str) -> list[str]:
    """Names of `$name` placeholders in order of first use, ignoring strings and comments."""
    code = _DOLLAR_QUOTE.sub(" ", _SKIP.sub(" ", sql or ""))
    return list(dict.fromkeys(_NAME.findall(code)))


def guess_type(name: str) -> str:
    """A sensible first widget for an undeclared parameter, from its name."""
    n = name.lower()
    if n in {"start", "end", "from", "to", "day", "since", "until"} or n.endswith(("_date", "_day", "_from", "_to")):
        return "date"
    if n.endswith(("s", "_list")) and not n.endswith(("ss", "us")):
        return "list"
    if n.startswith(("min", "max", "n_", "num", "limit", "top")) or n.endswith(
        ("_days", "_n", "_count", "_min", "_max")
    ):
        return "number"
    return "text"


def default_date(name: str, last_day: date) -> date:
    """A first value for an undeclared date parameter, inside the data: four weeks before its last day
    for the start of a window (`$since`, `$start_date`), its last day otherwise (`$until`, `$day`)."""
    n = name.lower()
    starts = (
        n in {"start", "from", "since"} or n.startswith(("start", "from", "since")) or n.endswith(("_from", "_start"))
    )
    return last_day - timedelta(days=28) if starts else last_day


def coerce(param: Param, value: object) -> object:
    """Turn a widget or URL value into the Python value DuckDB binds; raise ParamError in plain words."""
    if value is None or value == "":
        if param.default is None:
            raise ParamError(f"Parameter ${param.name} needs a value.")
        value = param.default
    try:
        if param.type == "number":
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
            if not math.isfinite(number):  # 1e400, inf, nan: not a number anyone means
                raise ValueError
            out: object = int(number) if number.is_integer() and abs(number) < 2**63 else number
        elif param.type == "date":
            out = (
                value
                if isinstance(value, date) and not isinstance(value, datetime)
                else date.fromisoformat(str(value)[:10])
            )
        elif param.type == "list":
            items = value if isinstance(value, list | tuple) else str(value).split(",")
            out = [str(v).strip() for v in items if str(v).strip()]
            if not out:
                raise ValueError
        else:
            out = str(value)
    except (TypeError, ValueError):
        kind = {"number": "a number", "date": "a date like 2026-01-31", "list": "a comma-separated list"}.get(
            param.type, "text"
        )
        raise ParamError(f"Parameter ${param.name} must be {kind}; got {value!r}.") from None
    if param.choices:
        allowed = [str(c) for c in param.choices]
        bad = [v for v in (out if isinstance(out, list) else [out]) if str(v) not in allowed]
        if bad:
            raise ParamError(f"Parameter ${param.name} must be one of {', '.join(allowed)}; got {bad[0]!r}.")
    return out


def bind(sql: str, declared: list[Param], values: dict[str, object]) -> dict[str, object]:
    """The parameter dict for `Session.run`: every placeholder typed and validated, nothing extra."""
    names = find_params(sql)
    by_name = {p.name: p for p in declared}
    out = {}
    for name in names:
        param = by_name.get(name) or Param(name, guess_type(name))
        out[name] = coerce(param, values.get(name))
    return out


def to_url(value: object) -> str:
    """How a parameter value is written in a share link."""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return value.isoformat() if isinstance(value, date) else str(value)
