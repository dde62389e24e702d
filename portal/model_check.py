"""`model check`: does the semantic model fit this warehouse? Three questions, asked on the data.

1. Does every expression bind? Each column a `[model.*]` field reads must exist in its table (or the
   declared join's); a typo gets the file, the line and the nearest column name.
2. Are declared many-to-one joins many-to-one? A join that multiplies rows would multiply revenue.
3. Are the parts keyed by the same people? Experiment assignees, paying customers and people must be
   found among the events' resolved persons; when most are not, every page that joins them would
   show 0 conversions, $0 or "inf%", so the check fails and says to declare identity.

Pages, `ready` and `twin` show the same findings (`key_space_findings`) instead of silent zeros.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path

from portal.model import PARTS, Identity, Model, ModelError
from portal.model_expr import ExprError, Source, parse
from portal.model_load import did_you_mean
from portal.sqlfiles import Fragment

MOSTLY_MISSING = 0.5  # below this share found among event persons, a key space is mismatched


@dataclass(frozen=True)
class Finding:
    level: str  # "error" | "warning" | "ok"
    message: str
    part: str = ""  # the model part it is about ("experiments", "revenue", …), when one

    def line(self) -> str:
        return f"{self.level}: {self.message}"


def line_of(config: Path | None, section: str, text: str) -> int | None:
    """The line of `config` inside [section] (or a sub-table of it) that contains `text`."""
    if config is None or not Path(config).exists():
        return None
    current = ""
    for n, line in enumerate(Path(config).read_text(encoding="utf-8").splitlines(), 1):
        header = re.match(r"\s*\[+([^\]]+)\]+", line)
        if header:
            current = header.group(1).strip()
            continue
        if (current == section or current.startswith(section + ".")) and text in line:
            return n
    return None


def _where(config: Path | None, part: str, text: str) -> str:
    n = line_of(config, f"model.{part}", text)
    return f"{config or 'portal.toml'}{f', line {n}' if n else ''} [model.{part}]"


def _columns(session) -> dict[str, list[str]]:
    """schema.table (lower case) -> its columns, for every table and view this session may read."""
    frame = session.frame(
        Fragment(
            "SELECT lower(table_schema || '.' || table_name) AS t, column_name AS c "
            "FROM information_schema.columns ORDER BY t, ordinal_position"
        )
    )
    out: dict[str, list[str]] = {}
    for t, c in zip(frame["t"], frame["c"], strict=True):
        out.setdefault(t, []).append(str(c))
    return out


def _full_name(table: str, model: Model, columns: dict) -> str:
    parts = table.lower().split(".")
    if len(parts) >= 2:
        return ".".join(parts[-2:])
    for schema in model.search_path:
        if f"{schema.lower()}.{parts[0]}" in columns:
            return f"{schema.lower()}.{parts[0]}"
    return f"{(model.search_path or ('main',))[0].lower()}.{parts[0]}"


_NOT_EXPRESSIONS = {"table", "details", "time_unit", "control", "counted", "default_steps", "properties"}
_NOT_EXPRESSIONS |= {"joins", "identity", "event_links", "key", "description", "target_event", "control_column"}


def bind_findings(session, model: Model, config: Path | None) -> list[Finding]:
    """Every column of every model expression, looked up in its table; nearest names for typos."""
    columns = _columns(session)
    out: list[Finding] = []
    parts = {p: getattr(model, p) for p in PARTS if getattr(model, p) is not None}
    if model.identity is not None and model.identity.table:
        parts["identity"] = model.identity
    for name, part in parts.items():
        src = Source(part.table, part.joins)
        tables = {src.alias: part.table, **{j.alias: j.table for j in part.joins}}
        missing_table = False
        for table in tables.values():
            if _full_name(table, model, columns) not in columns:
                near = did_you_mean(table, columns)
                out.append(Finding("error", f"{_where(config, name, table)}: no table {table}{near}."))
                missing_table = True
        if missing_table:
            continue
        checks = [(f.name, getattr(part, f.name)) for f in fields(part) if f.name not in _NOT_EXPRESSIONS]
        checks += [("properties", p) for p in getattr(part, "properties", ())]
        checks += [("joins", j.on.text) for j in part.joins]
        for key, value in checks:
            if value is None:
                continue
            try:
                expr = parse(value, key)
            except ExprError as exc:
                out.append(Finding("error", f"{_where(config, name, value)}: {exc}"))
                continue
            for alias, col in expr.columns():
                table = tables.get(alias or src.alias)
                if table is None:
                    out.append(
                        Finding("error", f"{_where(config, name, value)} {key}: no table or join named {alias}.")
                    )
                    continue
                have = columns[_full_name(table, model, columns)]
                if col.lower() not in {c.lower() for c in have}:
                    out.append(
                        Finding(
                            "error",
                            f"{_where(config, name, value)} {key} = {value!r}: {table} has no column {col}"
                            f"{did_you_mean(col, have)}.",
                        )
                    )
    if not out:  # every name exists: let the engine bind types and functions too
        for name, part in parts.items():
            rel = part.map_sql() if isinstance(part, Identity) else _relation(model, name)
            try:
                session.frame(Fragment(f"SELECT * FROM {rel} AS r LIMIT 0"))
            except Exception as exc:  # the engine's own words: a bad cast, an unknown function
                out.append(Finding("error", f"{_where(config, name, '')}: {str(exc).splitlines()[0]}"))
    return out


def _relation(model: Model, name: str) -> str:
    if name == "people":
        return model.people.relation(model.revenue)
    return getattr(model, name).relation()


def join_findings(session, model: Model, config: Path | None) -> list[Finding]:
    """Declared many-to-one joins that multiply their part's rows."""
    out = []
    for name in PARTS:
        part = getattr(model, name)
        if part is None or not part.joins:
            continue
        base = Source(part.table)
        (before,) = session.frame(Fragment(f"SELECT count(*) AS n FROM {base.from_sql(name)}"))["n"]
        for j in part.joins:
            one = Source(part.table, (j,))
            (after,) = session.frame(Fragment(f"SELECT count(*) AS n FROM {one.from_sql(name)}"))["n"]
            where = _where(config, name, j.table)
            if after > before:
                out.append(
                    Finding(
                        "error",
                        f"{where}: the join to {j.table} is declared {j.relationship} but turns {before:,} rows into "
                        f"{after:,}: its key is not unique there, so sums over this part would be multiplied.",
                    )
                )
            else:
                out.append(Finding("ok", f"{where}: the join to {j.table} keeps {before:,} rows ({j.relationship})."))
    return out


_KEYED = {
    "experiments": ("experiment assignees", "SELECT DISTINCT user_id FROM {rel} WHERE user_id IS NOT NULL"),
    "revenue": ("paying customers", "SELECT DISTINCT user_id FROM {rel} WHERE counted AND user_id IS NOT NULL"),
    "people": ("people", "SELECT DISTINCT user_id FROM {rel} WHERE user_id IS NOT NULL"),
}


def key_space_findings(session, model: Model) -> list[Finding]:
    """For experiments, revenue and people: how many of their persons appear among the events'
    resolved persons. Mostly missing is an error naming both keys and what to declare."""
    if model.events is None:
        return []
    events = f"(SELECT DISTINCT user_id FROM {model.events.relation()} WHERE user_id IS NOT NULL)"
    out = []
    for name, (what, template) in _KEYED.items():
        part = getattr(model, name)
        if part is None:
            continue
        keys = template.format(rel=_relation(model, name))
        row = session.frame(
            Fragment(
                f"SELECT count(*) AS n, count(*) FILTER (WHERE k.user_id IN (SELECT CAST(user_id AS VARCHAR) FROM "
                f"{events})) AS found FROM (SELECT CAST(user_id AS VARCHAR) AS user_id FROM ({keys})) AS k"
            )
        ).iloc[0]
        n, found = int(row["n"]), int(row["found"])
        if n == 0:
            continue
        share = found / n
        text = f"[model.{name}] {found:,} of {n:,} {what} appear among event persons ({share:.1%})"
        if share < MOSTLY_MISSING:
            ev_key = model.events.person + (f" (or {model.events.user})" if model.events.user else "")
            out.append(
                Finding(
                    "error",
                    f"{text}: {what} are keyed by {part.person}, events by {ev_key}. "
                    + (
                        "Declare identity ([model.identity], or user in [model.events]) so each person's ids resolve to one."
                        if model.identity is None
                        else "Check that [model.identity] links these ids."
                    ),
                    name,
                )
            )
        elif share < 0.95:
            out.append(Finding("warning", f"{text}: the rest never did an event in the data.", name))
        else:
            out.append(Finding("ok", text, name))
    return out


def identity_findings(session, model: Model) -> list[Finding]:
    """How many event ids resolve to a known user."""
    if model.identity is None or model.events is None:
        return []
    ev = model.events
    rel = ev.relation()
    raw = Source(ev.table).expr(ev.person, "[model.events] person")
    row = session.frame(
        Fragment(
            f"SELECT (SELECT count(DISTINCT {raw}) FROM {Source(ev.table).from_sql('events')}) AS ids, "
            f"(SELECT count(DISTINCT user_id) FROM {rel}) AS persons"
        )
    ).iloc[0]
    return [
        Finding(
            "ok",
            f"identity: {int(row['ids']):,} distinct {ev.person} values resolve to {int(row['persons']):,} persons.",
        )
    ]


def check(session, model: Model, config: Path | None = None) -> list[Finding]:
    """Every finding, binding first (the later checks need the expressions to run)."""
    try:
        found = bind_findings(session, model, config)
    except ModelError as exc:
        return [Finding("error", str(exc))]
    if any(f.level == "error" for f in found):
        return found
    return (
        found
        + join_findings(session, model, config)
        + identity_findings(session, model)
        + key_space_findings(session, model)
    )


def findings_on_file(settings, path: Path) -> list[Finding]:
    """What `model check` finds wrong (errors and warnings) on the warehouse file at `path`, for
    `twin` and `ready` to print; a check that cannot run is itself a warning, never fatal."""
    from portal.audit import AuditLog
    from portal.identity import system_principal
    from portal.warehouse.connect import analysts_warehouse

    try:
        wh = analysts_warehouse(settings, db=path)
        try:
            session = wh.session(system_principal("model check", pii=False), AuditLog(settings.state), ())
            return [f for f in check(session, settings.model) if f.level != "ok"]
        finally:
            wh.close()
    except Exception as exc:
        return [Finding("warning", f"model check did not run: {str(exc).splitlines()[0]}")]
