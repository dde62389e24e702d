"""The shape the architecture note promises, checked on the source tree itself (no imports run)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP_CODE = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").rglob("*.py"))]
PORTAL = sorted((ROOT / "portal").rglob("*.py"))
# The only modules that may hold a DuckDB connection: the seam itself, and the demo build that writes
# the warehouse file (the data team's build step, never reached by analysts' SQL).
SEAM = (ROOT / "portal" / "warehouse", ROOT / "portal" / "demo")
KEY_PREFIXES = (
    "au_",
    "wb_",
    "lib_",
    "fn_",
    "co_",
    "ex_",
    "im_",
    "chk_",
    "m_",
    "home_",
    "dash_",
    "sv_",
    "fn_sv",
    "app_",
)


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", [p for p in PORTAL + APP_CODE if not any(s in p.parents for s in SEAM)], ids=rel)
def test_only_the_warehouse_package_touches_duckdb(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert "duckdb" not in imports(tree), f"{rel(path)} imports duckdb: go through portal.warehouse.Session"
    private = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)} & {"_cursor", "_con", "cursor", "con"}
    assert not private, f"{rel(path)} reaches for a connection or cursor ({', '.join(sorted(private))})"


@pytest.mark.parametrize("path", PORTAL, ids=rel)
def test_the_logic_package_never_imports_streamlit(path):
    assert "streamlit" not in imports(ast.parse(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")), ids=rel)
def test_pages_stay_thin(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 150, f"{rel(path)} has {lines} lines: move decisions into the portal package"


@pytest.mark.parametrize("path", APP_CODE, ids=rel)
def test_every_widget_key_is_prefixed_by_its_page(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.keyword) or node.arg != "key":
            continue
        v = node.value
        text = (
            v.value
            if isinstance(v, ast.Constant) and isinstance(v.value, str)
            else (
                v.values[0].value
                if isinstance(v, ast.JoinedStr) and v.values and isinstance(v.values[0], ast.Constant)
                else None
            )
        )
        if text is not None:
            assert text.startswith(KEY_PREFIXES), (
                f"{rel(path)}:{node.value.lineno}: widget key {text!r} has no page prefix"
            )


def test_the_no_bypass_check_would_catch_a_bypass(tmp_path):
    """The checks above are not vacuous: a page that opens DuckDB itself is caught."""
    bad = ast.parse("import duckdb\ncon = duckdb.connect('x')\nrows = session._cursor().execute('SELECT 1')\n")
    assert "duckdb" in imports(bad)
    assert "_cursor" in {n.attr for n in ast.walk(bad) if isinstance(n, ast.Attribute)}
