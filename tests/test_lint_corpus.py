"""Issue #22: lint precision on realistic analyst SQL (tests/lint_corpus/*.sql, a case per title).

Every planted finding is found; no case gets an error it does not expect (a false error blocks Run);
at most one false warning per ten cases. The counts by rule are printed for the closing note."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import session_for

from portal.workbench.lint import lint
from portal.workbench.lint.core import LintConfig

CORPUS = Path(__file__).parent / "lint_corpus"
CASE = re.compile(r"^-- case: (.+)\n-- expect: (.+)\n", re.MULTILINE)


def cases(folder: Path = CORPUS) -> list[tuple[str, str, frozenset[str], str]]:
    """(title, sql, expected codes, file) of every case in `folder`'s *.sql files."""
    out = []
    for path in sorted(folder.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        marks = list(CASE.finditer(text))
        if not marks:
            continue  # a schema, not cases
        for m, nxt in zip(marks, [*marks[1:], None], strict=True):
            sql = text[m.end() : nxt.start() if nxt else len(text)].strip()
            expect = frozenset() if m.group(2).strip() == "none" else frozenset(m.group(2).replace(" ", "").split(","))
            out.append((f"{path.stem}: {m.group(1)}", sql, expect, path.name))
    return out


def precision(linted: dict) -> tuple[list[str], list[str], list[str]]:
    """Missed planted findings, false errors (a false error blocks Run) and false warnings."""
    missed, false_errors, false_warnings = [], [], []
    for title, (expect, findings) in linted.items():
        got = {f.code for f in findings if f.severity in ("error", "warning")}
        missed += [f"{title}: {code}" for code in expect - got]
        for f in findings:
            if f.code not in expect and f.severity in ("error", "warning"):
                (false_errors if f.severity == "error" else false_warnings).append(f"{title}: {f.code} {f.message}")
    return missed, false_errors, false_warnings


CASES = cases()


def test_the_corpus_is_large_enough_and_titled_uniquely():
    assert len(CASES) >= 150
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def linted(warehouse):
    session = session_for(warehouse)
    cat = session.catalog()
    config = LintConfig(raw_schemas=("raw",))
    return {title: (expect, lint(sql, cat, session, config)) for title, sql, expect, _ in CASES}


def test_every_planted_finding_is_found_and_no_false_error_blocks_a_run(linted):
    missed, false_errors, _ = precision(linted)
    assert missed == []
    assert false_errors == []


def test_false_warnings_stay_under_one_in_ten(linted):
    false_warnings = precision(linted)[2]
    by_rule = Counter(re.search(r": (L\d{3}) ", w).group(1) for w in false_warnings)
    print(f"\nfalse warnings: {len(false_warnings)} over {len(linted)} cases, by rule {dict(by_rule)}")
    assert len(false_warnings) <= len(linted) // 10, false_warnings
