"""Personal API tokens (issue #24): the store's rules as unit tests, and the API tokens and Alerts
pages in AppTest."""

from __future__ import annotations

import time

import pytest
from conftest import run_page, shown

from portal.api.service import frame_rows, principal, shaped
from portal.api.tokens import TokenError, TokenStore, owner_key
from portal.config import load_settings
from portal.csv_out import rows_csv
from portal.identity import User, system_principal

ALEX = User("alex", frozenset({"analyst"}), verified=True)
OIDC = User("ana@corp.test", frozenset({"analyst", "pii"}), verified=True, subject="https://idp|123")


def test_a_token_is_shown_once_stored_hashed_and_works_until_revoked(tmp_path):
    store = TokenStore(tmp_path)
    token, secret = store.create(ALEX, "sheet", mode="demo")
    assert secret.startswith(f"pat_{token.id}_") and len(secret) > 40
    assert secret.encode() not in store.db.path.read_bytes()
    assert store.authenticate(secret, "demo").id == token.id and store.get(token.id).last_used
    assert store.authenticate(secret[:-1] + ("A" if secret[-1] != "A" else "B"), "demo") is None
    with pytest.raises(TokenError, match="No token"):
        store.revoke(token.id, owner_key(OIDC))  # not hers
    store.revoke(token.id, owner_key(ALEX))
    assert store.authenticate(secret, "demo") is None and store.get(token.id).state() == "revoked"
    assert [t.id for t in store.owned_by("alex")] == [token.id]


def test_expiry_labels_and_owners(tmp_path):
    store = TokenStore(tmp_path)
    token, secret = store.create(ALEX, expires_days=1, mode="demo")
    assert store.authenticate(secret, "demo", now=time.time() + 86399) is not None
    assert store.authenticate(secret, "demo", now=time.time() + 86401) is None
    for bad in ({"label": "x" * 81}, {"expires_days": 0}, {"expires_days": 5000}):
        with pytest.raises(TokenError):
            store.create(ALEX, **bad, mode="demo")
    with pytest.raises(TokenError, match="Only a person"):
        store.create(system_principal("digest", False), mode="cli")
    t, _ = store.create(OIDC, mode="oidc")
    assert t.owner_key == "https://idp|123" and t.roles == frozenset({"analyst", "pii"})


def test_a_token_runs_as_its_owner_with_the_roles_they_have(tmp_path):
    settings = load_settings()
    store = TokenStore(tmp_path)
    dana, _ = store.create(
        User("dana", frozenset({"analyst"}), verified=True), mode="cli"
    )  # roles come from [people] now
    assert principal(settings, dana).has_pii and principal(settings, dana).is_data_team
    ana, _ = store.create(OIDC, mode="oidc")
    who = principal(settings, ana)
    assert who.subject == "https://idp|123" and who.has_pii and not who.is_data_team


def test_the_rate_limit_counts_a_sliding_minute_per_token(tmp_path):
    store = TokenStore(tmp_path)
    now = 1_000_000.0
    assert [store.admit("a", 3, now + i) for i in range(3)] == [0.0] * 3
    assert store.admit("a", 3, now + 3) == pytest.approx(57.0)
    assert store.admit("b", 3, now + 3) == 0.0
    assert store.admit("a", 3, now + 60.5) == 0.0  # the first call left the minute


def test_answers_are_shaped_like_datasettes():
    import pandas as pd

    frame = pd.DataFrame({"d": [pd.Timestamp("2026-01-02"), pd.NaT], "x": [1.5, float("nan")], "s": ["a", None]})
    rows = frame_rows(frame)
    assert rows == [["2026-01-02T00:00:00", 1.5, "a"], [None, None, None]]
    assert rows_csv(["d", "x", "s"], rows) == "d,x,s\n2026-01-02T00:00:00,1.5,a\n,,\n"
    import json

    assert json.loads(shaped(["d", "x", "s"], rows, "array", {}))[0] == {"d": "2026-01-02T00:00:00", "x": 1.5, "s": "a"}
    assert json.loads(shaped(["d"], [[1]], "arrays", {"query": "q"})) == {"query": "q", "columns": ["d"], "rows": [[1]]}


def test_the_tokens_page_creates_shows_once_lists_and_revokes(portal_env):
    at = run_page("pages/api_tokens.py", user="alex")
    assert any("None yet" in c.value for c in at.caption)
    at.text_input(key="tk_label").set_value("supply **sheet**")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    secret = next(c.value for c in at.code if c.value.startswith("pat_"))
    assert any(secret in c.value and "Authorization: Bearer" in c.value for c in at.code)
    assert any("IMPORTDATA" in c.value for c in at.code)
    listed = at.dataframe[0].value
    assert list(listed["For"]) == ["supply **sheet**"] and list(listed["State"]) == ["active"]
    assert "/api/queries/supply/late_deliveries_by_vendor.csv" in " ".join(at.dataframe[1].value["CSV"])
    at.run()
    assert not any(c.value.startswith("pat_") for c in at.code), "shown once"
    at.button(key="tk_revoke").click().run()
    assert list(at.dataframe[0].value["State"]) == ["revoked"]
    other = run_page("pages/api_tokens.py", user="priya")
    assert any("None yet" in c.value for c in other.caption), "each person sees only their own tokens"


def test_the_alerts_page_lists_alerts_and_their_history(portal_env, monkeypatch):
    from datetime import date

    from portal.config import ROOT
    from portal.reporting.alert_log import AlertLog
    from portal.reporting.alerts import Evaluation

    monkeypatch.setenv("PORTAL_ALERTS", str(ROOT / "alerts.toml"))
    ev = Evaluation("revenue_moves", date(2026, 11, 9), date(2026, 11, 15), 1234.5, 1000.0, 0.00001, True, "it *moved*")
    AlertLog(portal_env["PORTAL_STATE_DIR"]).record(ev, "fire", "leadership@example.com")
    at = run_page("pages/alerts.py", user="dana")
    names = [shown(m) for m in at.markdown if m.value.startswith("**")]
    assert len(names) == 3 and "revenue_moves" in names[0] and "beyond noise" in names[0]
    assert ":red-badge[firing]" in [m.value for m in at.markdown] and not at.error
    assert "it *moved*" in [t.value for t in at.text]
    history = at.dataframe[0].value
    assert list(history["Value"]) == ["$1,234"] and list(history["p-value"]) == ["p < 0.0001"]
    assert list(history["Action"]) == ["fire"]


def test_concurrent_calls_with_one_token_on_sqlite_state(tmp_path):
    """Security review #3, finding 3: a spreadsheet refreshing several cells at once sends concurrent
    calls with one token; 7 of 10 got `database is locked` (a read, then a write, in a deferred
    transaction). Every call is authenticated and counted now."""
    import threading

    store = TokenStore(tmp_path)
    token, secret = store.create(ALEX, "sheet", mode="demo")
    errors: list[BaseException] = []
    answered: list[str] = []
    start = threading.Barrier(10)

    def cell() -> None:
        start.wait()
        try:
            for _ in range(15):
                t = store.authenticate(secret, "demo")
                store.admit(t.id, per_minute=10_000)
                answered.append(t.id)
        except BaseException as err:  # noqa: BLE001 - the test reports it
            errors.append(err)

    threads = [threading.Thread(target=cell) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == [] and len(answered) == 150


def test_a_change_of_sign_in_mode_retires_the_tokens_made_under_the_old_one(tmp_path):
    """Security review #3, finding 2: in demo mode anyone picks "dana" and makes a token; after OIDC
    was configured that token still read raw.users e-mails as dana, and the real dana could neither
    see nor revoke it. A token works only under a sign-in mode that vouches for its owner."""
    from portal.identity import make_user

    settings = load_settings()
    store = TokenStore(tmp_path)
    persona = make_user("dana", settings, "browser-1")  # the demo picker: anyone can be dana
    demo, demo_secret = store.create(persona, "sheet", mode="demo")
    operator, cli_secret = store.create(make_user("dana", settings, verified=True), "cron", mode="cli")
    real, real_secret = store.create(OIDC, "sheet", mode="oidc")
    assert store.authenticate(demo_secret, "demo") is not None
    assert store.authenticate(demo_secret, "oidc") is None and store.authenticate(demo_secret, "proxy") is None
    assert store.get(demo.id).state(sign_in="oidc") == "retired"
    assert store.authenticate(cli_secret, "proxy") is not None and store.authenticate(cli_secret, "oidc") is None
    assert store.authenticate(real_secret, "oidc") is not None and store.authenticate(real_secret, "demo") is None


def test_the_api_refuses_a_demo_token_once_sign_in_is_configured(tmp_path):
    from portal.api.service import Api, ApiError
    from portal.identity import make_user

    settings = load_settings()
    secrets = tmp_path / "secrets.toml"
    api = Api(settings, secrets_files=(secrets,))
    api.tokens = TokenStore(tmp_path)
    api.audit.record = lambda *a, **k: None  # the refusal's audit row is tested elsewhere
    _, secret = api.tokens.create(make_user("dana", settings, "browser-1"), "sheet", mode="demo")
    token, user = api.authenticate(f"Bearer {secret}", None, "test")
    assert user.name == "dana" and user.has_pii  # demo mode: the persona's token works
    secrets.write_text(
        '[auth]\nredirect_uri = "http://127.0.0.1/oauth2callback"\ncookie_secret = "' + "s" * 40 + '"\n'
        'client_id = "portal"\nclient_secret = "x"\nserver_metadata_url = "http://127.0.0.1/.well-known"\n'
    )
    with pytest.raises(ApiError) as refused:
        api.authenticate(f"Bearer {secret}", None, "test")
    assert refused.value.status == 401  # retired: the same answer as an unknown token
    secrets.write_text("[auth\nbroken")
    with pytest.raises(ApiError) as closed:
        api.authenticate(f"Bearer {secret}", None, "test")
    assert closed.value.status == 503 and "misconfigured" in closed.value.message  # fail closed, as the pages


def test_requests_without_a_token_cannot_grow_the_audit_trail_without_bound(tmp_path):
    """Security review #3 (low): each unauthenticated request wrote an audit row with its whole path
    (200 requests of 8 KB paths: 45 KB -> 1.7 MB). Paths are cut and rows a minute are bounded;
    the next row says how many were left out."""
    from portal.api.service import ANONYMOUS_PER_MINUTE, MAX_ORIGIN, Api, ApiError
    from portal.audit import AuditLog

    settings = load_settings()
    api = Api(settings, secrets_files=(tmp_path / "none.toml",))
    api.tokens, api.audit = TokenStore(tmp_path), AuditLog(tmp_path)
    for i in range(200):
        with pytest.raises(ApiError):
            api.authenticate(None, None, f"api /api/queries/{i}/" + "x" * 8000)
    rows = api.audit.query()
    assert len(rows) == ANONYMOUS_PER_MINUTE
    assert all(len(r["origin"]) <= MAX_ORIGIN + 1 for r in rows)
    api._refusals.clear()  # a minute later
    with pytest.raises(ApiError):
        api.authenticate(None, None, "api /api/queries/late")
    assert "140 more such requests were not recorded" in api.audit.query()[0]["detail"]
