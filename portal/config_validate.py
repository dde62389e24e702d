"""Validating a definitions file against its model in `portal.config_schema`, in words: an unknown
section or key with the file, the line and the nearest known name; a wrong type or value with what the
key expects. The location comes from pydantic; the line from the TOML text itself."""

from __future__ import annotations

import difflib
import re
import types
import typing
from pathlib import Path

from pydantic import BaseModel, ValidationError


def unwrap(annotation):
    """The model class (or None) inside Optional[…], list[…], dict[str, …]."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = unwrap(arg)
            if found is not None:
                return found
        return None
    if origin in (list, dict):
        return unwrap(typing.get_args(annotation)[-1])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _fields_at(schema: type[BaseModel], loc: tuple) -> list[str]:
    """Names known at `loc` (a pydantic error location, dict keys and list indices included)."""
    current: type[BaseModel] | None = schema
    for part in loc:
        if current is None:
            return []
        if isinstance(part, str) and part in current.model_fields:
            current = unwrap(current.model_fields[part].annotation)
        # other parts are dict keys or list indices: the annotation already stepped inside
    if current is None:
        return []
    return [f.alias or name for name, f in current.model_fields.items()]


def line_of(text: str, loc: tuple) -> int | None:
    """The line a location of a TOML file refers to: the key's line under its table header."""
    keys = [p for p in loc if isinstance(p, str)]
    if not keys:
        return None
    last = re.escape(keys[-1])
    lines = text.splitlines()
    header_at, best = 0, -1
    for n, line in enumerate(lines):
        m = re.match(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if m:
            path = [p.strip().strip('"') for p in m.group(1).split(".")]
            depth = len(path) if keys[: len(path)] == path else -1
            if depth > best:
                best, header_at = depth, n
            if path == keys:
                return n + 1
    for n in range(header_at, len(lines)):
        if re.search(rf"(^|[{{,\s]){last}\s*=", lines[n]):
            return n + 1
    return header_at + 1 if best > 0 else None


def describe(exc: ValidationError, schema: type[BaseModel], path, text: str) -> str:
    """The first error of `exc`, in words: where (file, line, section) and what to write."""
    errors = exc.errors()
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])  # a typo explains a missing key
    # drop pydantic's union tags ("list[constrained-str]", "str") from the location: not the file's words
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p in ("str", "constrained-str"))))
    loc = tuple(p.encode("unicode_escape").decode() if isinstance(p, str) and not p.isprintable() else p for p in loc)
    n = line_of(text, loc)
    where = f"{path}{f', line {n}' if n else ''}"
    section = "".join(f".{p}" if isinstance(p, str) else f"[{p + 1}]" for p in loc[:-1]).lstrip(".")
    inside = f"[{section}] " if section else ""
    if err["type"] == "extra_forbidden":
        key = str(loc[-1])
        known = _fields_at(schema, loc[:-1])
        near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f" (did you mean {near[0]}?)" if near else (f"; known: {', '.join(known)}" if known else "")
        what = "section" if isinstance(err.get("input"), dict) else "key"
        return f"{where}: {inside}unknown {what} {key}{hint}"
    if err["type"] == "missing":
        return f"{where}: {inside}{loc[-1]} is required"
    if err["type"] == "string_pattern_mismatch":
        key = next((p for p in reversed(loc) if isinstance(p, str)), "value")
        doc = _description(schema, loc)
        return f"{where}: {inside}{key}: {err.get('input')!r} is not allowed here" + (f" ({doc})" if doc else "")
    return f"{where}: {inside}{loc[-1]}: {err['msg']}"


def _description(schema: type[BaseModel], loc: tuple) -> str:
    """The description of the field a location names (the last named key on the way)."""
    current, found = schema, ""
    for part in loc:
        if isinstance(part, str) and current is not None and part in current.model_fields:
            found = current.model_fields[part].description or ""
            current = unwrap(current.model_fields[part].annotation)
    return found


def validate(schema: type[BaseModel], data: dict, path: str | Path, text: str, error: type[Exception]):
    """`data` (parsed from `text`, the file at `path`) against `schema`; `error` in words otherwise."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise error(describe(exc, schema, path, text)) from None
