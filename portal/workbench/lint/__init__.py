"""SQL linting on a parsed syntax tree (sqlglot, DuckDB dialect) plus a bind against the live schema.

Each rule is a small function in `portal.workbench.lint.rules` registered with a code; `lint()` parses once,
runs every rule over the tree, and, when given an engine session, binds the query without running
it so unknown tables and columns come from DuckDB itself (with its "did you mean").
"""

from portal.workbench.lint.core import Finding, LintConfig, has_errors, lint
from portal.workbench.lint.rules import RULES

__all__ = ["RULES", "Finding", "LintConfig", "has_errors", "lint"]
