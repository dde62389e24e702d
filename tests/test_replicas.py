"""The replica pair (issue #23): two portal servers behind nginx with sticky sessions, app state in
one PostgreSQL database, saved queries in one shared folder. A person runs a query through the
proxy on one server and sees its history and audit row from the other; a query saved on one
server is there on the other."""

from __future__ import annotations

import os
import shutil
import sys
import urllib.request

import pytest
from conftest import ROOT, free_port, open_editor, wait_for_app

sys.path.insert(0, str(ROOT / "deploy"))
from pair import start_nginx, start_server  # noqa: E402

pytestmark = pytest.mark.browser
EMAIL = "ana@example.com"
SQL = "SELECT platform, count(*) AS n_replica FROM analytics.users GROUP BY 1"


@pytest.fixture(scope="module")
def pair(demo_db, postgres, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pair")
    for name in ("queries", "dashboards"):
        shutil.copytree(ROOT / name, folder / name)
    config = folder / "portal.toml"
    config.write_text(
        (ROOT / "portal.toml")
        .read_text()
        .replace("demo = true ", "demo = false")
        .replace('# user_header = "X-Forwarded-Email"', 'user_header = "X-Forwarded-Email"')
    )
    url = postgres.new_database()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(
        {
            "PORTAL_CONFIG": str(config),
            "PORTAL_DB": str(demo_db),
            "PORTAL_STATE_URL": url,
            "PORTAL_STATE_DIR": str(folder / "state"),  # revisions and trash: the shared volume
            "PORTAL_QUERIES_DIR": str(folder / "queries"),
            "PORTAL_DASHBOARDS_DIR": str(folder / "dashboards"),
            "PORTAL_METRICS": str(ROOT / "metrics.toml"),
            "PORTAL_ANNOTATIONS": str(ROOT / "annotations.toml"),
        }
    )
    ports = [free_port(), free_port()]
    servers = [start_server(p, env, folder / f"server{i}.log") for i, p in enumerate(ports)]
    listen = free_port()
    (folder / "nginx").mkdir()
    proxy = start_nginx(folder / "nginx", listen, ports, sso_cookie="test_sso_user", show_upstream=True)
    try:
        yield f"http://127.0.0.1:{listen}", ports, url, folder
    finally:
        for p in (proxy, *servers):
            p.terminate()
            p.wait(10)


def upstream_of(base: str, node: str) -> str:
    req = urllib.request.Request(base + "/_stcore/health", headers={"Cookie": f"portal_node={node}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.headers["X-Portal-Upstream"]


def nodes_for_each_server(base: str, ports: list[int]) -> dict[int, str]:
    """A portal_node cookie value that the proxy sends to each server."""
    found: dict[int, str] = {}
    for i in range(200):
        port = int(upstream_of(base, f"n{i}").rsplit(":", 1)[1])
        found.setdefault(port, f"n{i}")
        if len(found) == len(ports):
            return found
    raise AssertionError(f"the proxy sent every cookie to {found}")


def test_the_proxy_is_sticky_and_sets_its_cookie(pair):
    base, ports, _, _ = pair
    node = nodes_for_each_server(base, ports)
    assert {upstream_of(base, node[ports[0]]) for _ in range(5)} == {f"127.0.0.1:{ports[0]}"}
    with urllib.request.urlopen(base + "/_stcore/health", timeout=10) as r:  # a first visit gets its node
        cookies = [c for c in r.headers.get_all("Set-Cookie") if c.startswith("portal_node=")]
        assert len(cookies) == 1 and "HttpOnly" in cookies[0]


def browser_on(browser, base: str, node: str):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.add_cookies(
        [{"name": "portal_node", "value": node, "url": base}, {"name": "test_sso_user", "value": EMAIL, "url": base}]
    )
    ctx.route("**/*", lambda r: r.abort() if not r.request.url.startswith(base) else r.continue_())
    return ctx, ctx.new_page()


def test_history_audit_and_saved_queries_follow_the_person_across_servers(pair, browser):
    base, ports, url, folder = pair
    node = nodes_for_each_server(base, ports)
    one, page = browser_on(browser, base, node[ports[0]])
    open_editor(page, base, 60_000)
    page.keyboard.type(SQL)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("text=Result 1", timeout=60_000)
    wait_for_app(page, 60_000)
    page.locator('[data-testid="stExpander"] summary', has_text="Save").first.click()
    page.get_by_label("Title").fill("Users by platform across replicas")
    page.get_by_label("Title").press("Tab")
    wait_for_app(page, 60_000)
    page.get_by_role("button", name="Save as new").click()
    page.get_by_text("Saved as").first.wait_for(timeout=30_000)
    one.close()

    two, other = browser_on(browser, base, node[ports[1]])
    other.goto(base + "/workbench")
    wait_for_app(other, 60_000)
    other.locator('[data-testid="stExpander"] summary', has_text="History").first.click()
    wait_for_app(other, 60_000)
    other.get_by_text("n_replica").first.wait_for(timeout=30_000)  # the statement run on the other server
    other.goto(base + "/library")
    wait_for_app(other, 60_000)
    other.get_by_text("Users by platform across replicas").first.wait_for(timeout=30_000)
    two.close()

    from portal.audit import AuditFilter, AuditLog

    rows = AuditLog(url).query(AuditFilter(user=EMAIL, limit=100))
    assert any(r["kind"] == "statement" and "n_replica" in (r["sql"] or "") for r in rows)
    assert any(r["kind"] == "save" for r in rows)
    assert any(r["kind"] == "sign-in" for r in rows)
    logs = [(folder / f"server{i}.log").read_text() for i in range(2)]
    assert all("Traceback" not in log for log in logs), logs
    assert list((folder / "state").glob("*.sqlite")) == [], "no server kept app state of its own"
