"""The metadata header of a saved query: `-- key: value` lines before the SQL, in the same file.

One file holds both, so a query and its description, owner, parameters and chart can never drift
apart, and the file stays valid SQL that any DuckDB client can run (the header is a comment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from portal.workbench.params import TYPES, Param, ParamError

STATUSES = ("draft", "curated", "deprecated")
CHART_KINDS = ("bar", "line", "area", "scatter")
KEYS = ("title", "description", "owner", "team", "tags", "status", "param", "chart", "bakes")
BAKES = ("conversion",)  # a result about recent signups is not final until they have had time to buy
_LINE = re.compile(r"^--\s*([A-Za-z_]+)\s*:\s*(.*)$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class HeaderError(ValueError):
    """A malformed header: names the file and line so the author can fix it."""

    def __init__(self, path: str, line: int, message: str):
        super().__init__(f"{path}, line {line}: {message}")
        self.path, self.line, self.reason = path, line, message


@dataclass(frozen=True)
class Chart:
    kind: str
    x: str
    y: str
    color: str | None = None


@dataclass(frozen=True)
class SavedQuery:
    id: str
    title: str
    sql: str
    description: str = ""
    owner: str = ""
    team: str = ""
    tags: tuple[str, ...] = ()
    status: str = "draft"
    params: tuple[Param, ...] = ()
    chart: Chart | None = None
    version: str = ""  # content hash of the file when it was read (optimistic concurrency)
    bakes: str = ""  # "conversion": about signups, so not final within the measured baking window
    extra: dict = field(default_factory=dict)

    @property
    def is_curated(self) -> bool:
        return self.status == "curated"


def _kv(tokens: list[str], path: str, line: int) -> dict[str, str]:
    out = {}
    for tok in tokens:
        if "=" not in tok:
            raise HeaderError(path, line, f"expected key=value, got {tok!r}")
        k, v = tok.split("=", 1)
        out[k.strip().lower()] = v.strip()
    return out


def _param(value: str, path: str, line: int) -> Param:
    tokens = value.split()
    if len(tokens) < 2:
        raise HeaderError(path, line, "param needs a name and a type, e.g. `-- param: start date default=2026-01-01`")
    name, typ, rest = tokens[0].lstrip("$"), tokens[1].lower(), _kv(tokens[2:], path, line)
    if not _NAME.match(name):
        raise HeaderError(path, line, f"parameter name {name!r} must be letters, digits and underscores")
    if typ not in TYPES:
        raise HeaderError(path, line, f"unknown parameter type {typ!r}; use one of {', '.join(TYPES)}")
    unknown = set(rest) - {"default", "choices", "label"}
    if unknown:
        raise HeaderError(path, line, f"unknown parameter option(s): {', '.join(sorted(unknown))}")
    choices = tuple(c for c in rest.get("choices", "").split("|") if c)
    default: object = rest.get("default")
    if typ == "list" and isinstance(default, str):
        default = [d for d in default.split("|") if d]
    try:
        return Param(name, typ, default, choices, rest.get("label", ""))
    except ParamError as err:
        raise HeaderError(path, line, str(err)) from None


def _chart(value: str, path: str, line: int) -> Chart:
    tokens = value.split()
    if not tokens or tokens[0] not in CHART_KINDS:
        raise HeaderError(path, line, f"chart must start with one of {', '.join(CHART_KINDS)}")
    kv = _kv(tokens[1:], path, line)
    if "x" not in kv or "y" not in kv:
        raise HeaderError(path, line, "chart needs x=COLUMN and y=COLUMN")
    return Chart(tokens[0], kv["x"], kv["y"], kv.get("color"))


def parse_query(text: str, query_id: str, version: str = "") -> SavedQuery:
    """Parse a saved-query file; raises HeaderError naming the file and line.

    The header is the run of `-- key: value` lines (known keys only) at the very top, ended by a blank
    line or by the first other line. Everything after it is the SQL, comments included, so a query
    whose SQL starts with `-- status: curated` or `-- note: x` keeps those as comments (issue #12,
    finding 4). A key given twice is an error, never "the last one wins"."""
    path = f"queries/{query_id}.sql"
    meta: dict[str, object] = {"params": [], "tags": ()}
    lines = text.splitlines()
    body_start = 0
    last_key = None
    for i, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not stripped:
            body_start = i  # the blank line that ends the header
            break
        if last_key == "description" and stripped.startswith("-- |"):
            meta["description"] = f"{meta['description']}\n{stripped[4:].removeprefix(' ')}"
            body_start = i
            continue
        m = _LINE.match(stripped)
        if not m or m.group(1).lower() not in KEYS:
            break
        body_start = i
        key, value = m.group(1).lower(), m.group(2).strip()
        last_key = key
        if key == "param":
            meta["params"].append(_param(value, path, i))
            continue
        if key in meta and key not in ("params", "tags") or (key == "tags" and meta["tags"]):
            raise HeaderError(path, i, f"{key} is given twice")
        if key == "chart":
            meta["chart"] = _chart(value, path, i)
        elif key == "tags":
            meta["tags"] = tuple(t.strip() for t in value.split(",") if t.strip())
        elif key == "bakes":
            if value not in BAKES:
                raise HeaderError(path, i, f"bakes must be one of {', '.join(BAKES)}, not {value!r}")
            meta["bakes"] = value
        elif key == "status":
            if value not in STATUSES:
                raise HeaderError(path, i, f"status must be one of {', '.join(STATUSES)}, not {value!r}")
            meta["status"] = value
        else:
            meta[key] = value
    sql = "\n".join(lines[body_start:]).strip()
    if not meta.get("title"):
        raise HeaderError(path, 1, "the header needs a `-- title: ...` line")
    if not sql:
        raise HeaderError(path, len(lines) or 1, "there is no SQL after the header")
    names = [p.name for p in meta["params"]]
    if len(set(names)) != len(names):
        raise HeaderError(path, 1, "a parameter is declared twice")
    return SavedQuery(
        id=query_id,
        title=str(meta["title"]),
        sql=sql + "\n",
        description=str(meta.get("description", "")),
        owner=str(meta.get("owner", "")),
        team=str(meta.get("team", query_id.split("/")[0] if "/" in query_id else "")),
        tags=tuple(meta["tags"]),
        status=str(meta.get("status", "draft")),
        params=tuple(meta["params"]),
        chart=meta.get("chart"),
        version=version,
        bakes=str(meta.get("bakes", "")),
    )


def render_query(q: SavedQuery) -> str:
    """The file text for `q`; parse_query(render_query(q)) gives `q` back."""
    out = [f"-- title: {q.title}"]
    if q.description:
        first, *more = q.description.strip().splitlines()
        out += [f"-- description: {first}", *(f"-- | {line}" for line in more)]
    for key in ("owner", "team"):
        if getattr(q, key):
            out.append(f"-- {key}: {getattr(q, key)}")
    if q.tags:
        out.append(f"-- tags: {', '.join(q.tags)}")
    out.append(f"-- status: {q.status}")
    for p in q.params:
        line = f"-- param: {p.name} {p.type}"
        if p.default not in (None, "", []):
            d = "|".join(map(str, p.default)) if isinstance(p.default, list | tuple) else str(p.default)
            line += f" default={d}"
        if p.choices:
            line += f" choices={'|'.join(map(str, p.choices))}"
        out.append(line)
    if q.bakes:
        out.append(f"-- bakes: {q.bakes}")
    if q.chart:
        c = q.chart
        out.append(f"-- chart: {c.kind} x={c.x} y={c.y}" + (f" color={c.color}" if c.color else ""))
    return "\n".join(out) + "\n\n" + q.sql.strip() + "\n"  # the blank line ends the header
