"""Ask without SQL (issue #36): the question corpus on the demo and on the Segment-shaped warehouse,
answers against plain SQL over the canonical metric definitions, Explore and ask agreeing, the CLI and
the API, and the pages."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import ROOT, run_page, session_for, shown
from test_foreign_warehouse import cli

from portal.config import load_settings
from portal.explore.answer import answer, statement, statement_values
from portal.explore.ask import parse
from portal.explore.question import Question, QuestionError, resolve
from portal.explore.service import answer_table, ask, vocabulary_for
from portal.reporting.metrics import load_metrics

CORPUS = ROOT / "tests" / "ask_corpus"


def corpus(name: str) -> list[dict]:
    return [json.loads(line) for line in (CORPUS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def demo(warehouse):
    settings = load_settings(ROOT / "portal.toml")
    metrics = load_metrics(ROOT / "metrics.toml", settings.model)
    session = session_for(warehouse)
    through = date.fromisoformat(session.catalog().data_through[:10])
    return session, metrics, through


@pytest.fixture(scope="module")
def segment_company(tmp_path_factory):
    from test_segment_warehouse import build_segment

    config = build_segment(tmp_path_factory.mktemp("segment_ask"))
    assert cli(config, "twin").returncode == 0
    return config


def test_the_corpus_is_big_enough_and_refuses_enough():
    rows = corpus("demo") + corpus("segment")
    assert len(rows) >= 200 and sum(r["expect"] == "refuse" for r in rows) >= 40
    assert len({r["q"] for r in rows}) > 0.9 * len(rows)


def test_every_demo_question_is_read_as_expected(demo):
    session, metrics, _ = demo
    vocab = vocabulary_for(session, metrics)
    wrong = [(r["q"], r["expect"], parse(r["q"], vocab).interpretation()) for r in corpus("demo")]
    assert [w for w in wrong if w[1] != w[2]] == []


def test_every_segment_question_is_read_as_expected(segment_company):
    from portal.warehouse.connect import open_warehouse

    settings = load_settings(segment_company)
    metrics = load_metrics(settings.metrics_path, settings.model)
    session = session_for(open_warehouse(settings, pii=False))
    vocab = vocabulary_for(session, metrics)
    wrong = [(r["q"], r["expect"], parse(r["q"], vocab).interpretation()) for r in corpus("segment")]
    assert [w for w in wrong if w[1] != w[2]] == []


def test_a_refusal_names_the_word_and_the_closest_names(demo):
    session, metrics, _ = demo
    vocab = vocabulary_for(session, metrics)
    p = parse("revenue by favourite colour", vocab)
    assert p.question is None and "I don't know 'favourite'" in p.message() and "country" in p.message()
    p = parse("signups in Octember 2026", vocab)
    assert p.question is None and "'octember'" in p.message()
    p = parse("revenue in march", vocab)  # a month without a year: which March?
    assert p.question is None and "'march'" in p.message()
    p = parse("by week last month", vocab)
    assert p.question is None and "name a metric" in p.message()


def test_a_phrase_with_two_readings_is_asked_not_picked():
    from portal.explore.ask import Vocabulary

    vocab = Vocabulary(
        {"revenue": "revenue"}, {"plan": "plan", "tier": "tier"}, {"gold": [("plan", "gold"), ("tier", "gold")]}
    )
    p = parse("revenue for gold last month", vocab)
    assert p.question is None and len(p.choices) == 2 and "'gold' can mean two things" in p.message()
    assert {q.filters for q in p.choices} == {(("plan", "gold"),), (("tier", "gold"),)}


def test_explore_links_and_ask_agree_on_every_corpus_question(demo):
    """Every answered question travels through the URL unchanged (Explore's share link), and for a
    sample the page's answer (from the link) equals ask's."""
    session, metrics, through = demo
    vocab = vocabulary_for(session, metrics)
    answered = [parse(r["q"], vocab) for r in corpus("demo") if r["expect"] != "refuse"]
    for p in answered:
        assert Question.from_params(p.question.to_params()) == p.question, p.text
    for p in answered[::25]:
        via_ask = ask(session, metrics, p.text, through)[1]
        via_link = answer(session, metrics, Question.from_params(p.question.to_params()), through)
        assert via_ask.frame.equals(via_link.frame), p.text


@pytest.mark.parametrize(
    ("question", "sql"),
    [
        (
            "orders by country since 2026-08-01",
            "SELECT u.country AS k, count(*) AS v FROM analytics.orders o JOIN analytics.users u USING (user_id) "
            "WHERE o.status = 'completed' AND o.order_date BETWEEN DATE '2026-08-01' AND $through GROUP BY 1",
        ),
        (
            "sales on iOS by month in 2026",
            "SELECT CAST(date_trunc('month', order_date) AS DATE) AS k, sum(revenue) AS v FROM analytics.orders "
            "WHERE platform = 'iOS' AND status = 'completed' AND order_date BETWEEN DATE '2026-01-01' AND $through GROUP BY 1",
        ),
        (
            "signups per channel in Q3 2026",
            "SELECT acquisition_channel AS k, count(*) AS v FROM analytics.users "
            "WHERE signup_date BETWEEN DATE '2026-07-01' AND DATE '2026-09-30' GROUP BY 1",
        ),
        (
            "ad spend by campaign last 4 weeks",
            "SELECT utm_campaign AS k, sum(spend) AS v FROM analytics.campaign_daily "
            "WHERE date BETWEEN $through - INTERVAL 27 DAY AND $through GROUP BY 1",
        ),
        (
            "average order value by quarter in 2026",
            "SELECT CAST(date_trunc('quarter', order_date) AS DATE) AS k, sum(revenue) / count(*) AS v "
            "FROM analytics.orders WHERE status = 'completed' AND order_date BETWEEN DATE '2026-01-01' AND $through GROUP BY 1",
        ),
        (
            "new customers from email customers in Germany in 2026",
            "SELECT 'all' AS k, count(*) AS v FROM analytics.users WHERE acquisition_channel = 'email' AND country = 'DE' "
            "AND CAST(first_order_at AS DATE) BETWEEN DATE '2026-01-01' AND $through",
        ),
    ],
)
def test_answers_equal_plain_sql_over_the_canonical_definitions(demo, question, sql):
    session, metrics, through = demo
    parsed, a = ask(session, metrics, question, through)
    assert a is not None, parsed.message()
    rows = session.frame(sql, {"through": through} if "$through" in sql else None).itertuples(index=False)
    want = {str(k): round(float(v), 6) for k, v in rows}
    columns, rows = answer_table(a)
    got = {str(r[0]) if len(columns) > 1 else "all": round(float(r[-1]), 6) for r in rows if r[-1] is not None}
    assert got == {k: v for k, v in want.items() if v}
    # the statement the page shows (and saves) gives the same numbers
    sql_text, params = statement(session.model, metrics, a.question)
    shown_rows = session.run(sql_text, statement_values(a.question, a.start, a.end, params)).frame
    assert sorted(round(float(v), 6) for v in shown_rows.iloc[:, -1] if v == v and v) == sorted(got.values())


def test_relative_dates_count_back_from_the_data(demo):
    _, _, through = demo
    assert resolve("last 4 weeks", through) == (through - timedelta(days=27), through)
    assert resolve("yesterday", through) == (through - timedelta(days=1),) * 2
    assert resolve("2026-Q1", through) == (date(2026, 1, 1), date(2026, 3, 31))
    assert resolve("last month", date(2026, 3, 15)) == (date(2026, 2, 1), date(2026, 2, 28))
    with pytest.raises(QuestionError, match="not a date range"):
        resolve("the summer", through)


def test_compare_and_top_n(demo):
    session, metrics, through = demo
    q = Question(("signups",), ("channel",), "", "last 30 days", compare=True, top=2)
    a = answer(session, metrics, q, through)
    assert list(a.frame.columns) == ["channel", "signups", "signups_previous", "signups_change", "still_baking"]
    assert len(a.frame) == 2 and a.frame["signups"].is_monotonic_decreasing
    prev = answer(
        session,
        metrics,
        Question(("signups",), ("channel",), "", f"{through - timedelta(days=59)}..{through - timedelta(days=30)}"),
        through,
    )
    top = a.frame.iloc[0]
    assert top["signups_previous"] == prev.frame.set_index("channel").loc[top["channel"], "signups"]


def test_the_cli_answers_with_a_header_and_refuses_with_exit_3(segment_company):
    done = cli(segment_company, "ask", "revenue by plan by month in 2026")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "period,plan,revenue" and "understood: metric: revenue" in done.stderr
    assert all(line.split(",")[0].endswith("-01") for line in lines[1:])  # a month as its first day
    refused = cli(segment_company, "ask", "revenue by favourite colour")
    assert refused.returncode == 3 and "I don't know 'favourite'" in refused.stderr and refused.stdout == ""
    as_json = cli(segment_company, "ask", "active people on Android in 2026", "--format", "json")
    body = json.loads(as_json.stdout)
    assert body["columns"] == ["active_people"] and body["understood"]["ex_f_context_os_name"] == "Android"


def test_the_api_answers_a_question_as_the_tokens_owner(segment_company, tmp_path):
    import urllib.error
    import urllib.parse
    import urllib.request

    from conftest import streamlit_server

    made = cli(segment_company, "token", "create", "--as", "alex")
    secret = made.stdout.strip()
    with streamlit_server(None, tmp_path, config=segment_company) as url:
        q = urllib.parse.quote("revenue by channel in 2026")
        req = urllib.request.Request(f"{url}/api/ask.csv?q={q}", headers={"Authorization": f"Bearer {secret}"})
        with urllib.request.urlopen(req, timeout=60) as r:
            body = r.read().decode()
        assert body.splitlines()[0] == "channel,revenue" and len(body.splitlines()) >= 3
        bad = urllib.request.Request(f"{url}/api/ask?q=profit+by+week", headers={"Authorization": f"Bearer {secret}"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(bad, timeout=60)
        assert err.value.code == 422 and "I don't know 'profit'" in err.value.read().decode()
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{url}/api/ask?q=revenue", timeout=60)
        assert err.value.code == 401
    audit = cli(segment_company, "audit", "--kind", "api")
    assert "ask revenue by channel in 2026" in audit.stdout and "ask profit by week" in audit.stdout


def test_the_explore_page_answers_the_question_in_its_link(portal_env):
    at = run_page(
        "pages/explore.py", {"ex_metrics": "orders", "ex_by": "country", "ex_range": "since 2026-08-01"}, user="alex"
    )
    assert not at.exception and not at.error, [shown(e) for e in at.error]
    grid = at.dataframe[0].value
    assert list(grid.columns) == ["country", "orders"] and len(grid) >= 3
    assert at.multiselect(key="ex_metrics").value == ["orders"] and at.multiselect(key="ex_by").value == ["country"]
    assert any("Open in workbench" in str(link.proto.label) for link in at.get("page_link"))
    broken = run_page("pages/explore.py", {"ex_metrics": "orders", "ex_range": "the summer"}, user="alex")
    assert not broken.exception and "not a date range" in " ".join(shown(e) for e in broken.error)


def test_the_home_question_box_refuses_in_words(portal_env):
    at = run_page("pages/home.py", user="alex")
    at.text_input(key="home_ask").input("revenue by favourite colour")
    at.button(key="FormSubmitter:home_ask_form-Ask").click().run()
    assert not at.exception
    assert "I don't know 'favourite'" in " ".join(shown(e) for e in at.error)


@pytest.mark.browser
def test_a_question_from_home_edited_and_saved_as_a_tile(page, tmp_path, demo_db):
    """Type a question on Home, press Enter: Explore shows what it understood and the answer; change
    the grain chip; as the data team, add it to a team dashboard: the dashboard file has the tile."""
    import os

    from conftest import streamlit_server, wait_for_app

    shots = Path(os.environ.get("PORTAL_SHOTS", tmp_path))
    with streamlit_server(demo_db, tmp_path) as url:
        page.goto(url + "/")
        wait_for_app(page, 60_000)
        persona = page.get_by_role("combobox", name="Demo persona")
        persona.click()
        persona.fill("dana")  # the picker filters as one types; Enter takes the match
        persona.press("Enter")
        page.wait_for_function("() => document.body.innerText.includes('Role: data team')", timeout=60_000)
        wait_for_app(page, 60_000)
        box = page.get_by_label("Ask a question")
        box.fill("orders by country since 2026-08-01")
        box.press("Enter")
        page.wait_for_url("**/explore?**", timeout=60_000)
        wait_for_app(page, 60_000)
        page.wait_for_selector('[data-testid="stDataFrame"]', timeout=60_000)
        assert "ex_by=country" in page.url and "orders" in page.inner_text("body")
        page.screenshot(path=str(shots / "explore-question.png"), full_page=True)
        page.get_by_role("combobox", name="Time grain").click()  # edit a chip: by month
        page.get_by_role("option", name="month", exact=True).click()
        page.wait_for_url("**ex_grain=month**", timeout=60_000)
        wait_for_app(page, 60_000)
        page.get_by_text("Add to a team dashboard").click()
        page.get_by_label("Tile title").fill("Orders by country, monthly")
        page.get_by_role("button", name="Add tile").click()
        page.wait_for_function("() => document.body.innerText.includes('Added to the')", timeout=60_000)
        page.screenshot(path=str(shots / "explore-saved.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
    board = (tmp_path / "dashboards" / "checkout.toml").read_text()
    assert 'title = "Orders by country, monthly"' in board and 'query = "checkout/orders_by_country_monthly"' in board
    saved = (tmp_path / "queries" / "checkout" / "orders_by_country_monthly.sql").read_text()
    assert "-- status: curated" in saved and "$start" in saved
    assert page.page_errors == [] and page.external_requests == []


def test_a_question_saved_as_a_tile_renders_on_the_team_page(portal_env, warehouse):
    """add_to_dashboard: a curated saved query (the statement, dates and filters as parameters) and
    a tile; the team page draws it with the page's own dates and filters, without an error."""
    from streamlit.testing.v1 import AppTest

    from portal.audit import AuditLog
    from portal.explore.publish import add_to_dashboard
    from portal.identity import User
    from portal.library import QueryStore
    from portal.reporting.dashboards import DashboardStore

    settings = load_settings(ROOT / "portal.toml")
    metrics = load_metrics(ROOT / "metrics.toml", settings.model)
    session = session_for(warehouse)
    through = date.fromisoformat(session.catalog().data_through[:10])
    a = answer(session, metrics, Question(("revenue", "orders"), ("platform",), "week", "last 12 weeks"), through)
    folder = Path(portal_env["PORTAL_DASHBOARDS_DIR"])
    audit = AuditLog(Path(portal_env["PORTAL_STATE_DIR"]))
    queries = QueryStore(Path(portal_env["PORTAL_QUERIES_DIR"]), Path(portal_env["PORTAL_STATE_DIR"]), audit=audit)
    dana = User("dana", frozenset({"analyst", "data_team", "pii"}))
    alex = User("alex", frozenset({"analyst"}))
    with pytest.raises(PermissionError):
        add_to_dashboard(queries, DashboardStore(folder, audit), alex, settings.model, metrics, a, "executive", "Nope")
    saved, board = add_to_dashboard(
        queries,
        DashboardStore(folder, audit),
        dana,
        settings.model,
        metrics,
        a,
        "executive",
        "Revenue and orders by platform",
    )
    assert saved.status == "curated" and [p.name for p in saved.params][:2] == ["start", "end"]
    tile = board.rows[-1][0]
    assert (tile.query, tile.chart, tile.x, tile.y, tile.color) == (saved.id, "line", "period", "revenue", "platform")
    script = 'import streamlit as st\nst.session_state.setdefault("app_user", "alex")\nfrom pages.team import render\nrender("executive")\n'
    at = AppTest.from_string(script, default_timeout=120)
    at.run()
    assert not at.exception and not at.error, [shown(e) for e in at.error]
    assert "Revenue and orders by platform" in " ".join(str(s.value) for s in at.subheader) + " ".join(
        shown(m) for m in at.markdown
    )


def test_a_period_cut_by_the_range_is_said_to_be_partial(demo):
    """Monthly revenue this year: the data ends mid-month, so the last month is partial (a drop there
    is not news) and the answer says how many of its days it has."""
    session, metrics, through = demo
    a = answer(session, metrics, Question(("revenue",), (), "month", "this year"), through)
    last = a.frame["period"].max()
    import calendar

    days = calendar.monthrange(last.year, last.month)[1]
    assert through.day < days  # the demo's data ends mid-month
    assert a.partial == ((last, through.day, days),)
    assert all(p != a.frame["period"].min() for p, _, _ in a.partial)  # January starts with the range
