"""Issue #22: rule tests that can fail. Each mutation below breaks one rule or one branch of a rule
(a rule that finds nothing, a `!=` half removed, an exemption ignored); the corpus must notice every
one: some case's findings change. A mutation nobody notices is a branch no test covers."""

from __future__ import annotations

import pytest
from sqlglot import exp
from test_lint_corpus import CASES

from portal.workbench.lint import lint, rules, shapes
from portal.workbench.lint.core import LintConfig

CONFIG = LintConfig(raw_schemas=("raw",))


def outcome(cat) -> dict[str, tuple]:
    return {
        title: tuple(sorted((f.code, f.severity) for f in lint(sql, cat, None, CONFIG))) for title, sql, _, _ in CASES
    }


def _silenced(code):
    return lambda mp: mp.setitem(rules.RULES, code, lambda ctx: iter(()))


def _filtered(code, drop):
    def apply(mp):
        original = rules.RULES[code]
        mp.setitem(rules.RULES, code, lambda ctx: (f for f in original(ctx) if not drop(f)))

    return apply


MUTATIONS = {
    **{
        f"{code} finds nothing": _silenced(code)
        for code in ("L002", "L003", "L004", "L005", "L006", "L007", "L008", "L009", "L010", "L011")
    },
    "L005 without its != half": _filtered("L005", lambda f: "!=" in f.message or "<>" in f.message),
    "L005 without its = half": _filtered("L005", lambda f: "!=" not in f.message and "<>" not in f.message),
    "L004 without its CROSS JOIN branch": _filtered("L004", lambda f: f.severity == "info"),
    "L004 ignores conditions in WHERE": lambda mp: mp.setattr(shapes, "condition_links", lambda *a: None),
    "set operations named by their last arm": lambda mp: mp.setattr(shapes, "first_arm", lambda q: q.find(exp.Select)),
    "one-row aggregates not recognised": lambda mp: mp.setattr(shapes, "one_row", lambda q: False),
    "L009 ignores anti-joins and aggregated sides": lambda mp: mp.setattr(shapes, "fans_out", lambda *a: True),
    "L008 flags names only one table has": lambda mp: mp.setattr(
        shapes, "owners_of", lambda col, sources: set(sources) if not col.table else {col.table.lower()}
    ),
    "L003 flags EXISTS (SELECT *)": lambda mp: mp.setattr(shapes, "in_exists", lambda select: False),
}


@pytest.fixture(scope="module")
def catalog(warehouse):
    from conftest import session_for

    return session_for(warehouse).catalog()


@pytest.fixture(scope="module")
def baseline(catalog):
    return outcome(catalog)


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_the_corpus_notices_every_mutation(name, catalog, baseline, monkeypatch):
    MUTATIONS[name](monkeypatch)
    changed = [t for t, found in outcome(catalog).items() if found != baseline[t]]
    assert changed, f"no corpus case noticed the mutation {name!r}"
