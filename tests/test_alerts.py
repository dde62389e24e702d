"""Alerts (issue #24) on a third warehouse shape: a shop's daily sales in schema `shop`, with a
planted jump in its last week. Through `python -m portal alerts run` against a local SMTP server:
the planted change fires once, a change within noise does not, a still-baking period does not."""

from __future__ import annotations

import email
import math
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from email import policy
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, free_port

from portal.reporting.alerts import AlertError, decide, is_due, load_alerts
from portal.reporting.metrics import load_metrics

FIRST, LAST = date(2026, 6, 1), date(2026, 9, 30)
METRICS = """
[metrics.sales]
description = "Shop sales."
unit = "usd"
owner = "kim"
sql = "SELECT day, amount AS value FROM shop.daily_sales WHERE day BETWEEN $start AND $end"

[metrics.steady_sales]
description = "The other shop's sales: no change planted."
unit = "usd"
owner = "kim"
sql = "SELECT day, steady AS value FROM shop.daily_sales WHERE day BETWEEN $start AND $end"

[metrics.booked_sales]
description = "Sales as booked: the last ten days are not final."
unit = "usd"
owner = "kim"
bakes_days = 10
sql = "SELECT day, amount AS value FROM shop.daily_sales WHERE day BETWEEN $start AND $end"
"""
ALERTS = """
[alerts.sales_jump]
metric = "sales"
condition = "beyond_noise"
to = ["kim@shop.test"]
dashboard = "shop"
description = "Sales moved beyond their weekly noise."

[alerts.steady_moves]
metric = "steady_sales"
condition = "beyond_noise"
to = ["kim@shop.test"]

[alerts.booked_jump]
metric = "booked_sales"
condition = "beyond_noise"
to = ["kim@shop.test"]

[alerts.sales_above_target]
metric = "sales"
condition = "above"
threshold = 9000
to = ["ceo@shop.test", "kim@shop.test"]
"""


def build_shop(folder: Path, jump: float = 1.5) -> Path:
    """Daily sales around 1000 with deterministic noise; `amount` jumps by `jump` in the last 7 days."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range((LAST - FIRST).days + 1):
        day = FIRST + timedelta(days=i)
        noise = 40 * math.sin(i * 1.7) + 25 * math.cos(i * 0.9)
        amount = (1000 + noise) * (jump if day > LAST - timedelta(days=7) else 1.0)
        rows.append((day, round(amount, 2), round(1000 + noise, 2)))
    con = duckdb.connect(str(folder / "sales.duckdb"))
    con.execute("CREATE SCHEMA shop")
    con.execute("CREATE TABLE shop.daily_sales (day DATE, amount DOUBLE, steady DOUBLE)")
    con.executemany("INSERT INTO shop.daily_sales VALUES (?, ?, ?)", rows)
    con.close()
    (folder / "metrics.toml").write_text(METRICS)
    (folder / "alerts.toml").write_text(ALERTS)
    (folder / "dashboards").mkdir(exist_ok=True)
    (folder / "dashboards" / "shop.toml").write_text(
        'title = "Shop"\nowner = "kim"\ndescription = "The shop."\n\n[[rows]]\n[[rows.tiles]]\ntype = "kpi"\n'
        'metric = "sales"\n'
    )
    (folder / "queries").mkdir(exist_ok=True)
    config = folder / "portal.toml"
    config.write_text(
        '[warehouse]\npath = "sales.duckdb"\n\n[paths]\nqueries_dir = "queries"\ndashboards_dir = "dashboards"\n'
        'state_dir = "state"\nmetrics = "metrics.toml"\nalerts = "alerts.toml"\n\n'
        '[model]\nsearch_path = ["shop"]\nfreshness = "shop.daily_sales.day"\n\n'
        '[site]\nurl = "https://portal.shop.test"\n'
    )
    return config


def portal(config: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env["PORTAL_CONFIG"] = str(config)
    return subprocess.run(
        [sys.executable, "-m", "portal", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def secrets_for(folder: Path, port: int) -> Path:
    path = folder / "secrets.toml"
    path.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nfrom = "portal@shop.test"\nto = ["x@shop.test"]\n')
    return path


def wait_for(received: list, n: int) -> None:
    deadline = time.time() + 10
    while len(received) < n and time.time() < deadline:
        time.sleep(0.1)


def outcomes(done: subprocess.CompletedProcess) -> dict[str, str]:
    return {line.split("\t")[0]: line.split("\t")[1] for line in done.stdout.splitlines() if "\t" in line}


def test_a_planted_change_fires_once_noise_and_baking_do_not(tmp_path, smtp):
    port, received = smtp
    config = build_shop(tmp_path / "shop")
    assert portal(config, "twin").returncode == 0
    secrets = secrets_for(tmp_path / "shop", port)
    first = portal(config, "alerts", "run", "--secrets", str(secrets))
    assert first.returncode == 0, first.stderr + first.stdout
    assert outcomes(first) == {
        "sales_jump": "fire",
        "steady_moves": "stay",
        "booked_jump": "stay",
        "sales_above_target": "fire",
    }, first.stdout
    wait_for(received, 2)
    assert len(received) == 2
    mails = {tuple(e.rcpt_tos): email.message_from_bytes(e.content, policy=policy.default) for e in received}
    jump = mails[("kim@shop.test",)]
    assert jump["Subject"].startswith("[Alert] sales_jump: sales +") and "2026-09-24 to 2026-09-30" in jump["Subject"]
    body = jump.get_body(("html",)).get_content()
    assert "beyond noise" in body and "data:image/png;base64," in body
    assert "https://portal.shop.test/team-shop" in body
    assert "within noise" in first.stdout and "2026-09-14 to 2026-09-20" in first.stdout  # booked: settled days only
    assert mails[("ceo@shop.test", "kim@shop.test")]["Subject"].startswith("[Alert] sales_above_target")

    again = portal(config, "alerts", "run", "--secrets", str(secrets))  # not due yet: checked daily
    assert set(outcomes(again).values()) == {"not due"}
    forced = portal(config, "alerts", "run", "--force", "--secrets", str(secrets))  # the same change, still there
    assert outcomes(forced)["sales_jump"] == "stay" and outcomes(forced)["sales_above_target"] == "stay"
    time.sleep(0.5)
    assert len(received) == 2, "one mail per change, however often it is checked"

    from portal.audit import AuditFilter, AuditLog
    from portal.reporting.alert_log import AlertLog

    log = AlertLog(tmp_path / "shop" / "state")
    assert [h["action"] for h in log.history("sales_jump")] == ["stay", "fire"]
    assert log.state("sales_jump")[0] is True and log.state("steady_moves")[0] is False
    rows = AuditLog(tmp_path / "shop" / "state").query(AuditFilter(kind="alert"))
    assert len(rows) == 8 and {r["status"] for r in rows} == {"ok", "sent"}
    assert all(r["user"] == "system:alerts" for r in rows)
    listed = portal(config, "alerts", "list")
    assert "sales_jump" in listed.stdout and "FIRING" in listed.stdout


def test_an_alert_resolves_when_the_change_is_gone_and_fires_again_on_the_next(tmp_path, smtp):
    port, received = smtp
    folder = tmp_path / "shop"
    config = build_shop(folder)
    assert portal(config, "twin").returncode == 0
    secrets = secrets_for(folder, port)
    assert outcomes(portal(config, "alerts", "run", "--secrets", str(secrets)))["sales_jump"] == "fire"
    (folder / "sales.duckdb").unlink()
    build_shop(folder, jump=1.0)  # the pipeline restated the week: no jump any more
    assert portal(config, "twin").returncode == 0
    assert outcomes(portal(config, "alerts", "run", "--force", "--secrets", str(secrets)))["sales_jump"] == "resolve"
    (folder / "sales.duckdb").unlink()
    build_shop(folder, jump=0.5)
    assert portal(config, "twin").returncode == 0
    assert outcomes(portal(config, "alerts", "run", "--force", "--secrets", str(secrets)))["sales_jump"] == "fire"
    wait_for(received, 3)
    subjects = [email.message_from_bytes(e.content, policy=policy.default)["Subject"] for e in received]
    assert sum(s.startswith("[Alert] sales_jump: sales +") for s in subjects) == 1
    assert sum(s.startswith("[Alert] sales_jump: sales -") for s in subjects) == 1


def test_a_mail_that_could_not_be_sent_is_tried_again(tmp_path):
    config = build_shop(tmp_path / "shop")
    assert portal(config, "twin").returncode == 0
    secrets = secrets_for(tmp_path / "shop", free_port())  # nobody listens there
    done = portal(config, "alerts", "run", "--secrets", str(secrets))
    assert done.returncode == 1 and outcomes(done)["sales_jump"] == "failed" and "could not send" in done.stdout
    from portal.reporting.alert_log import AlertLog

    assert AlertLog(tmp_path / "shop" / "state").state("sales_jump")[0] is False, "not marked as sent"


def test_a_dry_run_sends_and_records_nothing(tmp_path):
    config = build_shop(tmp_path / "shop")
    assert portal(config, "twin").returncode == 0
    done = portal(config, "alerts", "run", "--dry-run")
    assert done.returncode == 0 and "would send '[Alert] sales_jump" in done.stdout
    from portal.reporting.alert_log import AlertLog

    assert AlertLog(tmp_path / "shop" / "state").history() == []


def test_bad_alert_definitions_are_refused_in_plain_words(tmp_path):
    metrics_file = tmp_path / "metrics.toml"
    metrics_file.write_text(METRICS)
    metrics = load_metrics(metrics_file)
    cases = {
        '[alerts.a]\nmetric = "nope"\nto = ["a@b.c"]\n': "Unknown metric 'nope'",
        '[alerts.a]\nmetric = "sales"\n': "[alerts.a] to is required",
        '[alerts.a]\nmetric = "sales"\nto = ["a@b.c"]\ncondition = "above"\n': "needs a number as threshold",
        '[alerts.a]\nmetric = "sales"\nto = ["a@b.c"]\nevery = "minutely"\n': "line 4: [alerts.a] every: Input should be 'hourly', 'daily' or 'weekly'",
        '[alerts.a]\nmetric = "sales"\nto = ["a@b.c"]\nfilters = { platform = "ios" }\n': "filters must be among",
        '[alerts.a]\nmetric = "sales"\nto = ["a@b.c"]\nthreshhold = 3\n': "line 4: [alerts.a] unknown key threshhold (did you mean threshold?)",
        '[alerts.a]\nmetric = "sales"\nto = ["a@b.c"]\ndashboard = "nobody"\n': "no dashboard 'nobody'",
        "[alerts.a\n": "not valid TOML",
    }
    for text, words in cases.items():
        path = tmp_path / "alerts.toml"
        path.write_text(text)
        with pytest.raises(AlertError, match="alerts.toml") as err:
            load_alerts(path, metrics, {"shop"})
        assert words in str(err.value), (text, str(err.value))
    assert load_alerts(None, metrics) == {}


def test_an_alert_fires_on_a_new_change_only_and_is_due_by_its_schedule():
    assert [decide(h, f) for h, f in [(True, False), (True, True), (False, True), (False, False)]] == [
        "fire",
        "stay",
        "resolve",
        "stay",
    ]
    from portal.reporting.alerts import Alert

    daily = Alert("a", "sales", every="daily")
    assert is_due(daily, None, 1000.0)
    assert not is_due(daily, 1000.0, 1000.0 + 3600)
    assert is_due(daily, 1000.0, 1000.0 + 86400 - 60)  # a timer a minute early still counts
