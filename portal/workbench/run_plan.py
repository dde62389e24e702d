"""What pressing Run means, decided without Streamlit: lint every statement, bind parameters, ask
the size guard, and say what runs, what must be confirmed ("Run anyway") or why nothing runs.

The page only lays out the plan and runs its statements (each through the session, in order);
unit tests drive this module with a real session and no browser.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.config import Settings
from portal.warehouse.catalog import Catalog
from portal.warehouse.errors import QueryError
from portal.warehouse.guard import Verdict, judge
from portal.warehouse.results import QueryResult
from portal.warehouse.statements import split_statements
from portal.workbench.lint import Finding, has_errors, lint
from portal.workbench.params import Param, ParamError, bind, find_params

LEVELS = ("ok", "warn", "refuse")


@dataclass(frozen=True)
class Step:
    """One statement to run, with only the parameters it uses."""

    sql: str
    params: dict


@dataclass(frozen=True)
class HistoryRecord:
    """What goes into the user's history for a statement (or for a run that never started)."""

    sql: str
    seconds: float | None
    row_count: int | None
    status: str  # ok | error | refused | timeout | cancelled
    error: str | None = None


@dataclass
class RunPlan:
    """The answer to "what happens if I press Run now"."""

    steps: list[Step] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    marks: list[dict] = field(default_factory=list)  # editor gutter annotations
    estimates: list[str] = field(default_factory=list)
    blocked: str | None = None  # why nothing runs
    confirm: str | None = None  # the guard's warning: runs only after "Run anyway"
    history: list[HistoryRecord] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return bool(self.steps) and self.blocked is None and self.confirm is None

    def confirmed(self) -> RunPlan:
        """The same plan after the analyst pressed "Run anyway"."""
        return RunPlan(self.steps, self.findings, self.marks, self.estimates)


def lint_script(sql: str, catalog: Catalog | None, session, settings: Settings) -> tuple[list[Finding], list[dict]]:
    """Findings for every statement in `sql`, and gutter marks when it is a single statement (a
    finding's line is relative to its statement)."""
    statements = split_statements(sql)
    findings = [f for stmt in statements for f in lint(stmt, catalog, session, settings.lint)]
    marks = (
        []
        if len(statements) != 1
        else [
            {"row": f.line - 1, "column": f.col - 1, "type": f.severity, "text": f"{f.code} {f.message}"}
            for f in findings
        ]
    )
    return findings, marks


def plan_run(
    sql: str, declared: list[Param], values: dict, session, catalog: Catalog | None, settings: Settings
) -> RunPlan:
    """Lint, bind and estimate `sql` (a script of one or more statements)."""
    findings, marks = lint_script(sql, catalog, session, settings)
    plan = RunPlan(findings=findings, marks=marks)
    try:
        params = bind(sql, declared, values) if find_params(sql) else {}
    except ParamError as err:
        plan.blocked = str(err)
        return plan
    statements = split_statements(sql)
    if has_errors(findings):
        plan.blocked = "Fix the lint errors above before running."
        plan.history.append(HistoryRecord(sql, None, None, "error", findings[0].message))
        session.refuse(sql, f"lint: {findings[0].code} {findings[0].message}", params, origin="workbench")
        return plan
    rows = {t.full_name: t.row_count for t in catalog.tables} if catalog else {}
    verdicts: list[Verdict] = []
    for stmt in statements:
        used = {k: v for k, v in params.items() if k in find_params(stmt)}
        plan.steps.append(Step(stmt, used))
        try:
            verdicts.append(judge(session.estimate(stmt, used, rows, origin="size guard"), settings.guard))
        except QueryError:
            continue  # the run itself reports the error, with its position
    worst = max(verdicts, key=lambda v: LEVELS.index(v.level), default=None)
    if worst and worst.level == "refuse":
        plan.blocked = worst.message
        plan.history.append(HistoryRecord(sql, None, None, "refused", worst.message))
        session.refuse(sql, worst.message, params, origin="workbench")
    elif worst and worst.level == "warn":
        plan.confirm = worst.message
    plan.estimates = [f"Estimate: {v.message}" for v in verdicts]
    return plan


def outcome(step: Step, result: QueryResult | None, error: QueryError | None, seconds: float) -> HistoryRecord:
    """The history record of one statement that ran (or failed, timed out, was cancelled)."""
    if error is not None:
        return HistoryRecord(step.sql, seconds, None, "error" if error.kind == "failed" else error.kind, error.message)
    return HistoryRecord(step.sql, result.elapsed_s, result.row_count, "ok")


def error_mark(error: QueryError, statement: str, editor_sql: str) -> dict | None:
    """A gutter mark for a run error, when the editor holds exactly that statement."""
    if not error.line or statement.strip() != editor_sql.strip():
        return None
    return {"row": error.line - 1, "column": (error.col or 1) - 1, "type": "error", "text": error.message}


def error_caret(error: QueryError, statement: str) -> str | None:
    """The offending line with a caret under the column, for the result tab."""
    lines = statement.splitlines()
    if not error.line or not 0 < error.line <= len(lines):
        return None
    return lines[error.line - 1] + "\n" + " " * ((error.col or 1) - 1) + "^"
