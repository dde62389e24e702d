"""Issue #33: anyone subscribes to a team dashboard from its page (daily or weekly); mail goes through
the digest's path, computed with the subscriber's own role; its link unsubscribes without signing in;
every subscription, unsubscription and send is audited."""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, shown, streamlit_server

from portal.audit import AuditFilter, AuditLog
from portal.config import load_settings
from portal.identity import make_user
from portal.reporting.subscriptions import SubscriptionError, Subscriptions


@pytest.fixture
def subs(tmp_path):
    return Subscriptions(tmp_path, AuditLog(tmp_path)), AuditLog(tmp_path)


def test_subscribe_replace_unsubscribe_and_the_audit_trail(subs):
    store, audit = subs
    alex = make_user("alex", load_settings(), "t")
    teams = ["executive", "marketing"]
    store.subscribe(alex, "alex@shop.test", "executive", "weekly", teams)
    again = store.subscribe(alex, "alex@work.test", "executive", "daily", teams)
    assert [(s.team, s.every, s.email) for s in store.mine("alex")] == [("executive", "daily", "alex@work.test")]
    for bad, why in [("a@b.c, evil@x.y", "not one e-mail"), ("no-at-sign", "not one e-mail")]:
        with pytest.raises(SubscriptionError, match=why):
            store.subscribe(alex, bad, "executive", "weekly", teams)
    with pytest.raises(SubscriptionError, match="no 'nope' dashboard"):
        store.subscribe(alex, "alex@shop.test", "nope", "weekly", teams)
    assert [s.id for s in store.due()] == [again.id]  # never sent: due
    store.sent(again, True)
    assert store.due() == []  # sent just now
    token = store.link_token(again)
    assert store.unsubscribe_token("not-it") is None
    assert store.unsubscribe_token(token).team == "executive" and store.mine("alex") == []
    assert store.unsubscribe_token(token) is None  # used
    rows = [r["object"] for r in audit.query(AuditFilter(kind="subscription"))]
    assert any("executive daily to alex@work.test" in r for r in rows) and any(
        "unsubscribed from executive" in r for r in rows
    )
    assert any("digest to alex@work.test" in r for r in rows)


def test_subscribing_from_the_dashboard_page(portal_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(
        "import streamlit as st\nst.session_state.setdefault('app_user', 'priya')\nfrom pages.team import render\nrender('executive')\n",
        default_timeout=120,
    )
    at.run()
    assert all(w.key != "dash_sub_email" for w in at.text_input)  # closed: not built
    at.session_state["dash_sub_box"] = True  # the popover opened: its form is built then
    at.run()
    at.text_input(key="dash_sub_email").set_value("priya@shop.test")
    at.button(key="dash_sub_go").click().run()
    assert not at.exception, at.exception
    assert any("Subscribed: executive weekly to priya@shop.test" in shown(s) for s in at.success)
    state = Path(portal_env["PORTAL_STATE_DIR"])
    mine = Subscriptions(state, AuditLog(state)).mine("priya")
    assert [(s.team, s.email) for s in mine] == [("executive", "priya@shop.test")]


def test_the_mail_goes_out_with_a_link_that_unsubscribes_without_signing_in(portal_env, demo_db, smtp, tmp_path):
    port, received = smtp
    state = Path(portal_env["PORTAL_STATE_DIR"])
    store = Subscriptions(state, AuditLog(state))
    store.subscribe(make_user("dana", load_settings(), "t"), "dana@shop.test", "checkout", "daily", ["checkout"])
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nfrom = "portal@shop.test"\n')
    env = {**os.environ, **portal_env}
    done = subprocess.run(
        [sys.executable, "-m", "portal", "subscriptions", "send", "--secrets", str(secrets)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (mail,) = received
    assert mail.rcpt_tos == ["dana@shop.test"]
    message = email.message_from_bytes(mail.content, policy=email.policy.default)
    body = message.get_body(("html",)).get_content()
    token = re.search(r"/unsubscribe\?token=([A-Za-z0-9_-]+)", body).group(1)
    nothing = subprocess.run(
        [sys.executable, "-m", "portal", "subscriptions", "send", "--secrets", str(secrets)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "nothing due" in nothing.stdout and len(received) == 1  # daily: not twice a day
    import shutil

    folder = tmp_path / "srv"  # a server reading this test's app state (its subscriptions)
    folder.mkdir()
    shutil.copytree(state, folder / "state")
    with streamlit_server(demo_db, folder) as base:
        with urllib.request.urlopen(f"{base}/unsubscribe?token={token}", timeout=30) as r:
            page = r.read().decode()
        assert r.status == 200 and "no longer receive the checkout dashboard" in page
        with pytest.raises(urllib.error.HTTPError) as again:
            urllib.request.urlopen(f"{base}/unsubscribe?token={token}", timeout=30)
        assert again.value.code == 404
    assert Subscriptions(folder / "state", AuditLog(folder / "state")).mine("dana") == []
