"""docs/REFERENCE.md, written from `portal.config_schema`: every file the data team writes, every
section and key, its type, default and meaning. Generated, never edited by hand, so the reference says
exactly what the loaders accept (`python -m portal config reference > docs/REFERENCE.md`; a test
compares the committed file with a fresh rendering)."""

from __future__ import annotations

import types
import typing

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from portal.config_schema import FILES
from portal.config_validate import unwrap

INTRO = """# Reference: the files the data team writes

Generated from `portal/config_schema.py` by `python -m portal config reference`: the same models the
loaders validate with, so this page cannot drift from what is accepted. An unknown section or key, or a
value of the wrong type, is refused with the file, the line and the nearest known name. Worked
examples: [ADOPTING.md](ADOPTING.md). Saved queries' headers are described in
[ADOPTING.md](ADOPTING.md#5-your-own-queries-dashboards-metrics-and-changes).
"""


def _type(annotation) -> str:
    """A field's type in words a data team reads."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f'`"{a}"`' if a != "" else '`""`' for a in args)
    if origin in (typing.Union, types.UnionType):
        parts = [_type(a) for a in args if a is not type(None)]
        return " or ".join(parts)
    if origin is list:
        inner = _type(args[0])
        return "list of tables" if inner == "table" else f"list of {inner}"
    if origin is dict:
        inner = _type(args[1])
        return "tables by name" if inner == "table" else f"table of {inner}"
    if origin is typing.Annotated:
        return _type(args[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    return {str: "text", int: "whole number", float: "number", bool: "true/false"}.get(annotation, str(annotation))


def _default(field) -> str:
    if field.is_required():
        return "**required**"
    value = field.get_default(call_default_factory=True)
    if value is None or value == PydanticUndefined:
        return ""
    if isinstance(value, BaseModel):
        return ""
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, list | dict) and not value:
        return ""
    if isinstance(value, list):
        return "`[" + ", ".join(f'"{v}"' for v in value) + "]`"
    return f"`{value}`"


def _row(key: str, field) -> str:
    return f"| `{key}` | {_type(field.annotation)} | {_default(field)} | {field.description or ''} |"


def _title(parent: str, key: str, annotation) -> str:
    """How a nested table is written in TOML: [a.b], [a.b.<name>], [[a]] or a.b = [{…}]."""
    origin = typing.get_origin(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        origin = next((typing.get_origin(a) for a in typing.get_args(annotation) if a is not type(None)), None)
    path = f"{parent}.{key}" if parent else key
    if origin is dict:
        return f"{path}.<name>"
    if origin is list:
        return f"{path}[]"
    return path


def _section(path: str, model: type[BaseModel], out: list[str], seen: dict) -> None:
    """A table's keys, then each of its nested tables (a table already described is referred to)."""
    doc = (model.__doc__ or "").strip()
    if path:
        out += [f"### `[{path}]`", ""]
    if doc:
        out += [doc, ""]
    rows, nested = [], []
    for name, field in model.model_fields.items():
        key = field.alias or name
        inner = unwrap(field.annotation)
        sub = _title(path, key, field.annotation)
        if inner is not None and inner in seen:
            rows.append(f"| `{key}` | {_type(field.annotation)} | | as `[{seen[inner]}]` |")
        elif inner is not None:
            seen[inner] = sub
            nested.append((sub, inner))
        else:
            rows.append(_row(key, field))
    if rows:
        out += ["| key | type | default | meaning |", "|---|---|---|---|", *rows, ""]
    for sub, inner in nested:
        _section(sub, inner, out, seen)


def render() -> str:
    out, seen = [INTRO], {}
    for filename, schema in FILES.items():
        out += [f"## {filename}", ""]
        _section("", schema, out, seen)
    return "\n".join(line.rstrip() for line in out).rstrip() + "\n"
