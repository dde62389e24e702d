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
STATE = ROOT / "portal" / "state"  # the only modules that open app state (SQLite files or PostgreSQL)
KEY_PREFIXES = (
    "au_",
    "wb_",
    "lib_",
    "fn_",
    "co_",
    "lc_",
    "pa_",
    "ex_",
    "im_",
    "chk_",
    "m_",
    "home_",
    "dash_",
    "sv_",
    "fn_sv",
    "app_",
    "tk_",
    "al_",
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
    if STATE in path.parents:
        return  # the one way into app state holds its own (SQLite / PostgreSQL) connections
    private = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)} & {"_cursor", "_con", "cursor", "con"}
    assert not private, f"{rel(path)} reaches for a connection or cursor ({', '.join(sorted(private))})"


@pytest.mark.parametrize("path", [p for p in PORTAL + APP_CODE if STATE not in p.parents], ids=rel)
def test_only_the_state_package_opens_app_state(path):
    """History, audit, tokens, sign-outs and alert checks go through portal.state, so every store
    works on both backends (issue #23)."""
    found = imports(ast.parse(path.read_text(encoding="utf-8"))) & {"sqlite3", "psycopg"}
    assert not found, f"{rel(path)} imports {', '.join(sorted(found))}: go through portal.state.open_state"


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


_TEXT_CALLS = {
    "title",
    "header",
    "subheader",
    "caption",
    "markdown",
    "write",
    "error",
    "warning",
    "info",
    "success",
    "toast",
}


def _literal_or_escaped(node) -> bool:
    """Text Streamlit will interpret as Markdown is a literal, or escaped with ui.text.plain; numbers
    in f-strings carry a format spec (`{n:,}`); len() is a number."""
    import ast

    def called(n, name):
        return isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", "")) == name

    if isinstance(node, ast.Constant) or called(node, "plain"):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(
            not isinstance(v, ast.FormattedValue)
            or v.format_spec is not None
            or called(v.value, "plain")
            or called(v.value, "len")
            or isinstance(v.value, ast.Subscript)
            and _literal_or_escaped(v.value)
            for v in node.values
        )
    if isinstance(node, ast.BinOp):
        return _literal_or_escaped(node.left) and _literal_or_escaped(node.right)
    if isinstance(node, ast.IfExp):
        return _literal_or_escaped(node.body) and _literal_or_escaped(node.orelse)
    if isinstance(node, ast.Subscript):  # a constant table such as BADGES[status]
        return isinstance(node.value, ast.Name) and node.value.id.isupper()
    return False


def test_every_streamlit_text_call_shows_user_and_data_text_as_text():
    """Issue #21, finding 9: a dashboard title and the identity provider's name reached the browser as
    Markdown (remote images load). Every st.title/caption/markdown/error/... call in the pages and ui
    takes a literal or text escaped by ui.text (or goes through ui.text's helpers)."""
    import ast

    found = []
    for path in [*ROOT.glob("pages/*.py"), *ROOT.glob("ui/**/*.py"), ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _TEXT_CALLS
                and node.args
                and not _literal_or_escaped(node.args[0])
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:100]}")
    assert found == []
