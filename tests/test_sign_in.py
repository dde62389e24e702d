"""Issue #13: real sign-in through a real OpenID Connect provider (oidc-provider-mock on 127.0.0.1),
in a real browser. Signed-out visitors get nothing; roles come from the token's groups; a tampered
cookie is as good as none."""

from __future__ import annotations

import pytest
from conftest import free_port, streamlit_server, wait_for_app

from portal.library.share import share_sql

pytestmark = pytest.mark.browser

USERS = {  # sub -> claims, as the company's identity provider would send them
    "ana@example.com": {"email": "ana@example.com", "email_verified": True, "groups": ["analysts"]},
    "pia@example.com": {"email": "pia@example.com", "email_verified": True, "groups": ["data-team", "pii-readers"]},
}
EMAILS = "SELECT count(email) AS emails_visible FROM raw.users"


@pytest.fixture(scope="module")
def oidc_portal(demo_db, tmp_path_factory):
    from oidc_provider_mock import User, run_server_in_thread

    folder = tmp_path_factory.mktemp("oidc")
    with run_server_in_thread(port=free_port(), user_claims=[User(sub=s, claims=c) for s, c in USERS.items()]) as idp:
        port = free_port()
        secrets = folder / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            'cookie_secret = "test-only-cookie-secret-0123456789abcdef0123456789"\n'
            'client_id = "portal"\nclient_secret = "portal-secret"\n'
            f'server_metadata_url = "http://127.0.0.1:{idp.server_port}/.well-known/openid-configuration"\n'
        )
        with streamlit_server(demo_db, folder, ("--secrets.files", str(secrets)), port=port) as url:
            yield url


@pytest.fixture
def local_page(browser):
    """A browser tab that may only talk to this machine: the identity provider's own page links a
    CDN stylesheet, which is blocked here (the portal itself needs nothing from outside)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    ctx.route(
        "**/*",
        lambda route: (
            route.continue_()
            if "//127.0.0.1" in route.request.url or "//localhost" in route.request.url
            else route.abort()
        ),
    )
    pg = ctx.new_page()
    yield pg
    ctx.close()


def sign_in(pg, base: str, who: str) -> None:
    pg.goto(base + "/")
    wait_for_app(pg)
    pg.get_by_role("button", name="Sign in").click()
    pg.get_by_role("button", name=who).click()  # the provider's one-click login for a known user
    pg.wait_for_url(base + "/**", timeout=30_000)
    pg.wait_for_selector("text=Signed in as " + who, timeout=30_000)
    wait_for_app(pg)


def run_sql(pg, base: str, sql: str) -> str:
    pg.goto(base + "/workbench" + share_sql(sql))
    wait_for_app(pg)
    pg.get_by_role("button", name="Run", exact=True).click()
    pg.wait_for_selector("text=Result 1", timeout=30_000)
    wait_for_app(pg)
    return pg.inner_text("[data-testid=stMain]")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/workbench",
        "/team-executive",
        "/audit",
        "/library?q=support/conversion_by_resolution_speed",
        "/workbench" + share_sql(EMAILS),
    ],
)
def test_a_signed_out_visitor_gets_nothing_by_any_link(oidc_portal, local_page, path):
    local_page.goto(oidc_portal + path)
    wait_for_app(local_page)
    local_page.wait_for_selector("text=Sign in with your company account", timeout=30_000)
    body = local_page.inner_text("body")
    assert "analytics." not in body and "Revenue" not in body and "Demo persona" not in body
    assert local_page.locator('[data-testid="stDataFrame"], [data-testid="stMetric"]').count() == 0


def test_an_analyst_gets_the_public_warehouse_and_no_curation(oidc_portal, local_page):
    sign_in(local_page, oidc_portal, "ana@example.com")
    assert "Audit trail" not in local_page.inner_text("[data-testid=stSidebar]")
    assert "Demo persona" not in local_page.inner_text("body")  # no persona picker beside real sign-in
    run_sql(local_page, oidc_portal, EMAILS)
    local_page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-testid=stDataFrame] table td')).some(td => td.innerText === '0')",
        timeout=30_000,
    )
    local_page.goto(oidc_portal + "/library?q=support/conversion_by_resolution_speed")
    wait_for_app(local_page)
    local_page.get_by_role("tab", name="Manage").click()
    local_page.get_by_text("Only the data team can curate").wait_for(timeout=30_000)
    assert local_page.get_by_role("button", name="Mark deprecated").count() == 0


def test_a_pii_reader_gets_personal_data_and_the_audit_trail(oidc_portal, local_page):
    sign_in(local_page, oidc_portal, "pia@example.com")
    run_sql(local_page, oidc_portal, EMAILS)
    local_page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-testid=stDataFrame] table td'))"
        ".some(td => parseInt(td.innerText.replace(/[^0-9]/g, '')) > 100)",
        timeout=30_000,
    )
    local_page.goto(oidc_portal + "/audit")
    wait_for_app(local_page)
    local_page.wait_for_selector("text=Audit trail", timeout=30_000)
    from portal.audit import AuditFilter, AuditLog

    rows = AuditLog(oidc_portal.state_dir).query(AuditFilter(user="pia@example.com"))
    assert {"sign-in", "statement"} <= {r["kind"] for r in rows}
    assert any(r["kind"] == "statement" and r["origin"] == "workbench link" and "raw.users" in r["sql"] for r in rows)


def test_a_tampered_cookie_gets_nothing(oidc_portal, local_page):
    sign_in(local_page, oidc_portal, "ana@example.com")
    cookies = local_page.context.cookies()
    auth = [c for c in cookies if c["name"].startswith("_streamlit_user")]
    assert auth, [c["name"] for c in cookies]
    local_page.context.clear_cookies()
    local_page.context.add_cookies(
        [{**c, "value": c["value"][:-6] + ("AAAAAA" if not c["value"].endswith("AAAAAA") else "BBBBBB")} for c in auth]
    )
    local_page.goto(oidc_portal + "/workbench")
    wait_for_app(local_page)
    local_page.wait_for_selector("text=Sign in with your company account", timeout=30_000)
    assert "Signed in as" not in local_page.inner_text("body")


def test_sign_out_ends_the_sign_in_for_every_copy_of_the_cookie(oidc_portal, local_page, browser):
    """Issue #21, finding 8: a copied sign-in cookie kept working for 30 days after Sign out."""
    sign_in(local_page, oidc_portal, "ana@example.com")
    copied = [c for c in local_page.context.cookies() if c["name"].startswith("_streamlit_user")]
    thief = browser.new_context(viewport={"width": 1400, "height": 900})
    thief.route(
        "**/*",
        lambda route: route.continue_() if "//127.0.0.1" in route.request.url else route.abort(),
    )
    thief.add_cookies(copied)
    other = thief.new_page()
    other.goto(oidc_portal + "/")
    wait_for_app(other)
    other.wait_for_selector("text=Signed in as ana@example.com", timeout=30_000)  # the copy works while signed in
    local_page.get_by_role("button", name="Sign out").click()
    local_page.wait_for_url(lambda u: "logout" in u or "end_session" in u, timeout=30_000)  # on to the provider
    other.goto(oidc_portal + "/workbench")
    wait_for_app(other)
    other.wait_for_selector("text=You signed out", timeout=30_000)
    body = other.inner_text("body")
    assert "Signed in as" not in body and "SQL workbench" not in body
    thief.close()


def test_sign_ins_expire_so_role_changes_take_effect():
    from portal.sign_outs import why_not_valid

    now = 1_000_000.0
    assert why_not_valid({"iat": now - 60}, None, 12, now) == ""
    assert "signed out" in why_not_valid({"iat": now - 60}, now - 30, 12, now)
    assert why_not_valid({"iat": now - 10}, now - 30, 12, now) == ""  # signed in again after the sign-out
    assert "12 hours" in why_not_valid({"iat": now - 13 * 3600}, None, 12, now)
    assert "no issue time" in why_not_valid({}, None, 12, now)
