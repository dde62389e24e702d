"""The lint driver: parse, run the registered rules, bind against the schema, sort the findings."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

SEVERITIES = ("error", "warning", "info")
TOO_DEEP_FIX = "Unnest it: move inner parts into WITH clauses (CTEs)."


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # error | warning | info
    line: int
    col: int
    message: str
    fix: str = ""
    edits: tuple[tuple[int, int, str], ...] = ()  # a mechanical fix: replace sql[start:end] with text

    def format(self, path: str = "<sql>") -> str:
        return f"{path}:{self.line}:{self.col}: {self.code} {self.message}"


@dataclass(frozen=True)
class LintConfig:
    """Thresholds for the monster-query rule (configurable in portal.toml [lint])."""

    max_lines: int = 150
    max_joins: int = 8
    max_depth: int = 4
    max_ctes: int = 8
    raw_schemas: tuple[str, ...] = ()  # schemas of production dumps: reading them gets a warning


@dataclass
class Context:
    sql: str
    tree: exp.Expression
    catalog: object | None
    config: LintConfig


def position(node: exp.Expression | None) -> tuple[int, int]:
    """Line and column of the first token under `node` that sqlglot located."""
    if node is None:
        return 1, 1
    for n in node.walk():
        meta = getattr(n, "meta", None) or {}
        if "line" in meta:
            return int(meta["line"]), max(1, int(meta["col"]) - (int(meta["end"]) - int(meta["start"])))
    return 1, 1


def suggest(name: str, candidates: list[str]) -> str:
    """ "did you mean X?" for the closest candidate; never X = the name typed (that helps nobody)."""
    candidates = [c for c in candidates if c.lower() != name.lower()]
    close = difflib.get_close_matches(name.lower(), [c.lower() for c in candidates], n=1, cutoff=0.6)
    if not close:
        return ""
    original = next(c for c in candidates if c.lower() == close[0])
    return f"did you mean {original}?"


def lint(sql: str, catalog=None, session=None, config: LintConfig | None = None) -> list[Finding]:
    """All findings for one statement, errors first; a parse error stops the tree rules."""
    from portal.workbench.lint.rules import RULES, parse_error

    config = config or LintConfig()
    try:
        trees = [t for t in sqlglot.parse(sql, dialect="duckdb") if t is not None]
    except sqlglot.errors.ParseError as err:
        return [parse_error(err)]
    except sqlglot.errors.SqlglotError as err:  # tokenizer errors
        return [Finding("L001", "error", 1, 1, f"Cannot parse this SQL: {err}", "Check quotes and brackets.")]
    except RecursionError:  # e.g. a thousand nested brackets (issue #12, finding 6)
        return [Finding("L001", "error", 1, 1, "This query nests too deeply to analyse.", TOO_DEEP_FIX)]
    findings: list[Finding] = []
    try:
        for tree in trees:
            ctx = Context(sql, tree, catalog, config)
            for rule in RULES.values():
                findings.extend(rule(ctx))
    except RecursionError:
        return [Finding("L001", "error", 1, 1, "This query nests too deeply to analyse.", TOO_DEEP_FIX)]
    if session is not None and not any(f.severity == "error" and f.code != "L008" for f in findings):
        bound = bind_check(sql, session, catalog)
        if not any(f.code == "L008" for f in bound):  # the binder is the judge of ambiguity, not the rule
            findings = [f for f in findings if f.code != "L008"]
        findings.extend(f for f in bound if f.code != "L008" or not any(g.code == "L008" for g in findings))
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(set(findings), key=lambda f: (order[f.severity], f.line, f.col, f.code))


_MISSING_COLUMN = re.compile(r'column "?([^"\s]+)"? not found', re.IGNORECASE)
_CANDIDATES = re.compile(r"Candidate bindings: (.*)", re.IGNORECASE)


_QUALIFIED = re.compile(r'Table "([^"]+)" does not have a column named "([^"]+)"', re.IGNORECASE)


def _qualified_suggestion(sql: str, text: str, catalog) -> str:
    """DuckDB's candidates for `o.amout` name other tables' columns; the alias's own table's
    columns (from the catalog) are what the analyst meant."""
    m = _QUALIFIED.search(text)
    if not m or catalog is None:
        return ""
    alias, column = m.group(1).lower(), m.group(2)
    try:
        tree = sqlglot.parse_one(sql, dialect="duckdb")
    except sqlglot.errors.SqlglotError:
        return ""
    for table in tree.find_all(exp.Table):
        if alias in {(table.alias or "").lower(), table.name.lower()}:
            t = catalog.table(f"{table.db}.{table.name}" if table.db else table.name)
            if t is not None:
                return suggest(column, [c.name for c in t.columns]) or f"columns of {t.full_name}: " + ", ".join(
                    c.name for c in t.columns[:8]
                )
    return ""


def bind_check(sql: str, session, catalog=None) -> list[Finding]:
    """Ask DuckDB to bind the query (nothing runs) and turn a binder error into an L002 finding."""
    from portal.warehouse.errors import QueryError
    from portal.workbench.params import find_params

    try:  # placeholders bind as NULL: only names and types are being checked here
        session.check(sql, {name: None for name in find_params(sql)} or None, origin="lint")
    except QueryError as err:
        if err.kind == "refused":
            return [Finding("L000", "error", err.line or 1, err.col or 1, err.message)]
        text = err.message
        fix = ""
        m, c = _MISSING_COLUMN.search(text), _CANDIDATES.search(text)
        if _QUALIFIED.search(text):
            fix = _qualified_suggestion(sql, text, catalog)
        elif m and c:
            cands = [x.strip().strip('"') for x in c.group(1).split(",")]
            fix = (
                suggest(m.group(1).split(".")[-1], [x.split(".")[-1] for x in cands])
                or f"columns here: {', '.join(cands[:5])}"
            )
        elif "Did you mean" in text:
            fix = text[text.index("Did you mean") :].splitlines()[0].replace("Did you mean", "did you mean")
            typed = re.search(r'(?:with name|named|column) "?([\w.]+)"?', text)
            if typed and typed.group(1).lower() in fix.lower().split('"'):
                fix = ""  # "did you mean X?" where X is what was typed helps nobody
        first = text.splitlines()[0]
        if "Ambiguous reference" in text:  # DuckDB refuses an unqualified name two tables have
            return [
                Finding(
                    "L008",
                    "error",
                    err.line or 1,
                    err.col or 1,
                    first.split(": ", 1)[-1],
                    "Qualify it with its table's alias.",
                )
            ]
        if "syntax error" in text.lower():  # DuckDB's parser is stricter than sqlglot's in places
            return [
                Finding(
                    "L001",
                    "error",
                    err.line or 1,
                    err.col or 1,
                    first,
                    "Check commas, brackets and keywords around this spot.",
                )
            ]
        if "No function matches" in text:  # a type error, not an unknown name
            return [
                Finding(
                    "L013",
                    "error",
                    err.line or 1,
                    err.col or 1,
                    "Type error: " + first.split(": ", 1)[-1],
                    "Cast the argument to the type the function takes, e.g. CAST(x AS VARCHAR).",
                )
            ]
        return [Finding("L002", "error", err.line or 1, err.col or 1, first, fix)]
    return []


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
