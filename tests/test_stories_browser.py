"""Issue #14: every planted story of docs/WAREHOUSE.md answered on a page, with its uncertainty in
words, within three interactions from the home page and without SQL. A real browser walks each one
and checks the number on screen against the warehouse (independent SQL in the test)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from conftest import session_for, wait_for_app

pytestmark = pytest.mark.browser


def home(page, url):
    page.goto(url)
    wait_for_app(page, 60_000)


def open_page(page, label: str) -> None:
    """Interaction: a click in the sidebar."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=label).first.click()
    wait_for_app(page, 60_000)


def choose(page, box: str, option: str) -> None:
    """Interaction: pick an option of a select box."""
    page.get_by_role("combobox", name=box, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page, 60_000)


def alerts(page, needle: str) -> str:
    """The text of every alert, once one containing `needle` is on screen."""
    page.locator('[data-testid="stAlert"]', has_text=needle).first.wait_for(timeout=60_000)
    return "\n".join(page.locator('[data-testid="stAlert"]').all_inner_texts())


def percent(text: str, pattern: str) -> float:
    m = re.search(pattern, text)
    assert m, f"{pattern!r} not in {text!r}"
    return float(m.group(1)) / 100


def grid_text(page, needle: str) -> str:
    """Every grid cell's text, once a cell reading `needle` is there (grids draw after the script)."""
    page.wait_for_function(
        f"() => Array.from(document.querySelectorAll('[data-testid=stDataFrame] table td')).some(td => td.innerText === {needle!r})",
        timeout=60_000,
    )
    return " | ".join(page.locator('[data-testid="stDataFrame"] table td').all_inner_texts())


def test_story_1_ios_safari_checkout(app_server, page, warehouse):
    from portal.product.funnels import FunnelSpec, Step, funnel_sql

    home(page, app_server)
    open_page(page, "Funnels")
    choose(page, "Breakdown", "platform")
    choose(page, "and by", "browser")
    text = alerts(page, "iOS / Safari")
    shown = percent(text, r"iOS / Safari: ([\d.]+)% complete the funnel")
    assert "significantly worse" in text and "95% CI" in text
    steps = tuple(Step(e) for e in ("product_view", "add_to_cart", "checkout_start", "purchase"))
    sql, params = funnel_sql(
        FunnelSpec(steps, date(2025, 1, 6), date(2026, 11, 15), 14.0, breakdown="platform+browser"), warehouse.model
    )
    x, n = (
        session_for(warehouse)
        .frame(
            f"SELECT count(*) FILTER (WHERE level >= 4), count(*) FROM ({sql}) WHERE segment = 'iOS / Safari'", params
        )
        .iloc[0]
    )
    assert shown == pytest.approx(x / n, abs=0.0005)


def test_story_2_cheap_clicks_expensive_customers(app_server, page, warehouse):
    home(page, app_server)
    open_page(page, "Marketing")
    cells = grid_text(page, "google_brand")
    from portal.product.baking import conversion_window

    through = date.fromisoformat(session_for(warehouse).catalog().data_through[:10])
    # the dashboard opens on the last four whole weeks CAC is final for (issue #32): they end a window
    # before the data, on a Sunday (its charts are weekly)
    through = date.fromordinal(through.toordinal() - conversion_window(session_for(warehouse), through).days)
    through = date.fromordinal(through.toordinal() - (through.weekday() + 1) % 7)
    start = date.fromordinal(through.toordinal() - 27)
    rows = session_for(warehouse).frame(
        """WITH s AS (SELECT utm_campaign, sum(spend) AS spend FROM analytics.campaign_daily
                      WHERE date BETWEEN $a AND $b GROUP BY 1),
                c AS (SELECT utm_campaign, count(*) FILTER (WHERE is_customer) AS customers FROM analytics.users
                      WHERE signup_date BETWEEN $a AND $b GROUP BY 1)
           SELECT utm_campaign, round(spend / nullif(customers, 0), 2) AS cac,
                  round(spend / pow(sqrt(customers) + 0.98, 2), 2) AS low
           FROM s JOIN c USING (utm_campaign)""",
        {"a": start, "b": through},
    )
    rows = rows.set_index("utm_campaign")
    for campaign in ("tiktok_creators", "google_brand"):  # each CAC with the low end of its range
        assert campaign in cells
        assert f"{rows.loc[campaign, 'cac']:g}" in cells and f"{rows.loc[campaign, 'low']:g}" in cells
    assert rows.loc["tiktok_creators", "cac"] > 2 * rows.loc["google_brand", "cac"]  # cheap clicks, dear customers


def test_story_3_experiments(app_server, page, warehouse):
    home(page, app_server)
    open_page(page, "Experiments")
    text = alerts(page, "converts")
    lift = percent(text, r"no_address_step converts ([\d.]+)% better than control")
    assert "statistically significant" in text and "95% CI" in text
    rates = (
        session_for(warehouse)
        .frame(
            """SELECT a.variant, avg(CASE WHEN c.user_id IS NULL THEN 0 ELSE 1 END) AS rate
           FROM analytics.experiment_assignments AS a
           LEFT JOIN (SELECT DISTINCT a2.user_id FROM analytics.experiment_assignments AS a2
                      JOIN analytics.events AS e ON e.user_id = a2.user_id AND e.event_name = 'onboarding_complete'
                       AND e.event_at >= a2.assigned_at WHERE a2.experiment = 'onboarding_address_step') AS c
             ON c.user_id = a.user_id
           WHERE a.experiment = 'onboarding_address_step' GROUP BY 1"""
        )
        .set_index("variant")["rate"]
    )
    assert lift == pytest.approx(rates["no_address_step"] / rates["control"] - 1, abs=0.006)
    choose(page, "Experiment", "checkout_button_color")
    assert "could be noise" in alerts(page, "could be noise")


@pytest.mark.parametrize(
    ("change", "clicks", "word", "low", "high"),
    [("Start page redesign", 1, "rose", 0.05, 0.25), ("Checkout back-button bug", 2, "fell", -0.6, -0.2)],
)
def test_stories_4_and_5_before_after(app_server, page, warehouse, change, clicks, word, low, high):
    home(page, app_server)
    open_page(page, "Before/after")
    if clicks == 2:
        choose(page, "Change", change)
    text = alerts(page, word)
    m = re.search(rf"{word} from ([\d.]+)% to ([\d.]+)% \(([+-][\d.]+)%, 95% CI", text)
    assert m and "significant" in text, text
    before, after, rel = (float(g) / 100 for g in m.groups())
    assert low < rel < high
    page.get_by_text(re.compile(r"After: \d{4}-\d\d-\d\d to")).first.wait_for(timeout=60_000)
    caption = page.inner_text("body")
    dates = re.search(r"After: (\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d) \(([\d,]+) of ([\d,]+)", caption)
    assert dates, caption
    start, end = date.fromisoformat(dates.group(1)), date.fromisoformat(dates.group(2))
    if change == "Start page redesign":
        sql = """WITH v AS (SELECT user_id, min(event_date) AS d FROM analytics.events GROUP BY 1)
                 SELECT count(u.user_id), count(*) FROM v LEFT JOIN analytics.users u USING (user_id)
                 WHERE d BETWEEN $s AND $e"""
    else:
        sql = """WITH v AS (SELECT session_id, min(event_date) FILTER (WHERE event_name = 'checkout_start') AS d,
                        bool_or(event_name = 'purchase') AS p FROM analytics.events
                        WHERE event_name IN ('checkout_start', 'purchase') AND event_date BETWEEN $s AND $e GROUP BY 1)
                 SELECT count(*) FILTER (WHERE p), count(*) FROM v WHERE d IS NOT NULL"""
    x, n = session_for(warehouse).frame(sql, {"s": start, "e": end}).iloc[0]
    assert (int(dates.group(3).replace(",", "")), int(dates.group(4).replace(",", ""))) == (x, n)
    assert after == pytest.approx(x / n, abs=0.0005)
    assert before > after if word == "fell" else before < after


def test_story_6_fast_support_converts(app_server, page, warehouse):
    from conftest import ROOT

    from portal.library import QueryStore, run_saved

    home(page, app_server)
    open_page(page, "Support")
    cells = grid_text(page, "under 1 hour")
    q = QueryStore(ROOT / "queries", ROOT / "state").get("support/conversion_by_resolution_speed")
    frame = run_saved(session_for(warehouse), q, {"window_days": 7}).frame
    wide = frame.pivot(index="cart_bucket", columns="resolution", values="conversion").dropna()
    assert (wide["under 1 hour"] > wide["1 hour or more"]).all()  # in every bucket
    first = frame.iloc[0]
    assert (
        first["cart_bucket"] in cells
        and f"{first['conversion']:g}" in cells
        and f"{first['conversion_low']:g}" in cells
    )


def test_story_7_young_data_is_still_baking(app_server, page, warehouse):
    from conftest import ROOT

    from portal.reporting.metrics import format_value, kpi, load_metrics

    home(page, app_server)
    open_page(page, "Executive")  # it opens on settled days and says how to see the latest (issue #32)
    page.get_by_text("the last weeks every number here is final for").first.wait_for(timeout=60_000)
    through = date.fromisoformat(session_for(warehouse).catalog().data_through[:10])
    page.goto(f"{app_server}/team-executive?dash_from={date.fromordinal(through.toordinal() - 27)}&dash_to={through}")
    tile = page.locator('[data-testid="stMetric"]', has_text="CAC").first
    tile.wait_for(timeout=60_000)
    page.wait_for_function(  # the tile is drawn before its value: wait for the words under it
        "() => Array.from(document.querySelectorAll('[data-testid=stMetric]')).some(m => m.innerText.includes('baking'))",
        timeout=60_000,
    )
    cac = tile.inner_text()
    k = kpi(
        session_for(warehouse),
        load_metrics(ROOT / "metrics.toml"),
        "cac",
        date.fromordinal(through.toordinal() - 27),
        through,
    )
    assert format_value(k.current, "usd") in cac and "still baking" in cac
    open_page(page, "Cohorts")
    page.get_by_text("still baking").first.wait_for(timeout=60_000)


SHOTS = None  # set PORTAL_SCREENSHOTS to a folder to keep the walk's screenshots (docs/screenshots)


def shot(page, name: str, at=None) -> None:
    """The viewport with `at` scrolled to its top (Streamlit scrolls inside the page, not the page)."""
    import os

    if os.environ.get("PORTAL_SCREENSHOTS"):
        if at is not None:
            at.evaluate("e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(500)
        page.screenshot(path=f"{os.environ['PORTAL_SCREENSHOTS']}/{name}.png")


def test_the_worst_converting_segment_is_two_interactions_from_home(app_server, page, warehouse, db):
    """Issue #25: the junior PM needed five interactions and had to know which properties to cross."""
    home(page, app_server)
    interactions = 0
    open_page(page, "Funnels")
    interactions += 1
    page.get_by_role("tab", name="Correlation").click()
    wait_for_app(page, 60_000)
    interactions += 1
    text = alerts(page, "complete (")
    assert interactions <= 2 and "adjusted" in text
    cells = grid_text(page, "iOS × Safari")
    first = page.get_by_label("From", exact=True).input_value()  # text fields: they apply as typed
    last = page.get_by_label("To", exact=True).input_value()
    people = db.execute(
        "SELECT count(*) FROM (SELECT user_id, arg_min(platform, event_at) p, arg_min(browser, event_at) b "
        "FROM analytics.events WHERE event_name = 'product_view' AND event_date BETWEEN ? AND ? GROUP BY 1) "
        "WHERE p = 'iOS' AND b = 'Safari'",
        [first, last],
    ).fetchone()[0]
    row = re.search(r"platform × browser \| iOS × Safari \| (\d+) \|", cells)
    assert row, cells
    assert int(row.group(1)) == people  # the grid's accessible text holds raw values of the columns in view
    shot(page, "funnel-correlation", page.get_by_role("tab", name="Correlation"))


def test_the_breakage_what_if_is_three_interactions_from_home(app_server, page):
    """Issue #25: search the column, pick the change: cents to dollars reaches the revenue metric."""
    home(page, app_server)
    open_page(page, "Breakage check")
    box = page.get_by_label("Find a source table or column")
    box.fill("total_cents")
    box.press("Enter")
    wait_for_app(page, 60_000)
    page.get_by_text("changes unit (cents to dollars)", exact=True).click()
    wait_for_app(page, 60_000)
    interactions = 3  # the sidebar click, the search, the change
    page.get_by_text("0 break,").first.wait_for(timeout=60_000)  # a unit change breaks no build
    page.wait_for_function(  # the what-if grid redraws after the caption
        "() => Array.from(document.querySelectorAll('[data-testid=stDataFrame] table td'))"
        ".some(td => td.innerText.startsWith('silently wrong'))",
        timeout=60_000,
    )
    cells = grid_text(page, "metric:revenue")
    assert "silently wrong" in cells and "reads analytics.orders.revenue" in cells and interactions <= 3
    shot(page, "breakage-unit-change", page.get_by_text("What if a source table or column changed?"))
