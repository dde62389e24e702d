"""A Segment + Stripe + Google Ads warehouse (tests/segment), configured without a single view
(issue #29): anonymous visitors who sign up later, 30% switching devices after sign-up, Stripe amounts
in cents joined to people through stripe.customers, ad costs in micros, experiments keyed by user_id.
Every number is checked against plain Python or plain SQL over *resolved* persons, and the same
warehouse configured the naive way (person = anonymous_id, no identity) is caught by `model check`."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, app_reading, run_page, session_for, shown
from test_foreign_warehouse import cli, md5, reference_counts
from test_foreign_warehouse import read as read_file

from portal.product.funnels import FunnelSpec, Step, step_counts, user_levels


def read(db: Path, sql: str) -> list[tuple]:
    """Plain SQL on a copy of the company's file, as its own tools would read it (the portal may hold
    the file open in this process with its hardened settings)."""
    copy = db.with_name(db.stem + ".reference.duckdb")
    if not copy.exists() or copy.stat().st_mtime_ns < db.stat().st_mtime_ns:
        shutil.copy(db, copy)
    return read_file(copy, sql)


SEGMENT = ROOT / "tests" / "segment"
STEPS = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"]
PAGES = [
    "pages/home.py",
    "pages/workbench.py",
    "pages/funnels.py",
    "pages/cohorts.py",
    "pages/experiments.py",
    "pages/impact.py",
    "pages/metrics.py",
]


def build_segment(folder: Path, config_text: str | None = None) -> Path:
    """The company's warehouse, made from text by its own pipeline, and its configuration."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "portal.toml").write_text(config_text or (SEGMENT / "portal.toml").read_text(), encoding="utf-8")
    shutil.copy(SEGMENT / "metrics.toml", folder / "metrics.toml")
    for name in ("queries", "dashboards"):
        (folder / name).mkdir(exist_ok=True)
    con = duckdb.connect(str(folder / "company.duckdb"))
    con.execute((SEGMENT / "schema.sql").read_text(encoding="utf-8"))
    con.close()
    return folder / "portal.toml"


def naive_config() -> str:
    """ADOPTING.md's old Segment example taken literally: events by anonymous_id, no identity."""
    text = (SEGMENT / "portal.toml").read_text()
    start, end = text.index("[model.identity]"), text.index("[model.events]")
    return text[:start] + text[end:].replace('user = "user_id"', "")


@pytest.fixture(scope="module")
def segment(tmp_path_factory):
    config = build_segment(tmp_path_factory.mktemp("segment"))
    db = config.parent / "company.duckdb"
    before = md5(db)
    done = cli(config, "twin")
    assert done.returncode == 0, done.stderr
    return config, db, before


def resolved_events(db: Path) -> list[dict]:
    """Plain Python identity resolution, independent of the portal: the user id on the event, else
    the user the anonymous id was first linked to (identifies, or an event carrying both), else the
    anonymous id."""
    links = read(
        db,
        'SELECT anonymous_id, user_id, "timestamp" FROM segment.identifies '
        'UNION ALL SELECT anonymous_id, user_id, "timestamp" FROM segment.tracks WHERE user_id IS NOT NULL',
    )
    first: dict[str, tuple] = {}
    for anon, user, t in links:
        if anon not in first or t < first[anon][1]:
            first[anon] = (user, t)
    rows = read(db, 'SELECT anonymous_id, user_id, "timestamp", event, context_os_name FROM segment.tracks')
    return [
        {"user": user or (first[anon][0] if anon in first else anon), "t": t, "name": name, "os": os}
        for anon, user, t, name, os in rows
    ]


def test_the_funnel_counts_resolved_people_and_equals_the_reference(segment):
    config, db, before = segment
    done = cli(config, "funnel", "--steps", ",".join(STEPS), "--from", "2026-03-01", "--to", "2026-05-31")
    assert done.returncode == 0, done.stderr
    got = {int(r.split(",")[1]): int(r.split(",")[2]) for r in done.stdout.splitlines()[1:]}
    want = reference_counts(resolved_events(db), STEPS, timedelta(days=14))
    assert got == want
    # the naive reading (anonymous ids as people) loses everyone who ordered on a second device
    naive = {}
    for r in read(db, 'SELECT anonymous_id, "timestamp", event FROM segment.tracks'):
        naive.setdefault(r[0], []).append(r)
    naive_rows = [
        {"user": a, "t": t, "name": n}
        for a, t, n in read(db, 'SELECT anonymous_id, "timestamp", event FROM segment.tracks')
    ]
    assert reference_counts(naive_rows, STEPS, timedelta(days=14))[4] < want[4]
    assert md5(db) == before


def test_a_breakdown_and_the_in_process_funnel_agree_with_the_reference(segment):
    from portal.config import load_settings
    from portal.warehouse.connect import open_warehouse

    wh = open_warehouse(load_settings(segment[0]), pii=False)
    spec = FunnelSpec(
        tuple(Step(s) for s in STEPS), date(2026, 3, 1), date(2026, 5, 31), 14, breakdown="context_os_name"
    )
    levels = user_levels(session_for(wh), spec)
    assert levels["user_id"].str.startswith(("usr_", "anon_")).all()  # the company's own ids
    counts = step_counts(levels, spec)
    rows = resolved_events(segment[1])
    # the segment is the first step's property: the OS of the device the person first viewed a product on
    for os in ("Android", "iOS", "Mac OS X"):
        people = {r["user"] for r in rows if r["name"] == STEPS[0] and r["os"] == os}
        want = reference_counts([r for r in rows if r["user"] in people], STEPS, timedelta(days=14))
        got = counts[counts.segment == os].set_index("step")["users"].to_dict()
        assert got == want, os


def test_experiments_cohort_revenue_and_cac_equal_plain_sql(segment):
    from portal.config import load_settings
    from portal.product.cohorts import CohortSpec, cac_by_channel, revenue
    from portal.product.experiments import variant_counts
    from portal.warehouse.connect import open_warehouse

    config, db, _ = segment
    # plain SQL: an assignee converted when any event of theirs (on any device) is an order after assignment
    want = dict(
        read(
            db,
            """
            WITH links AS (
                SELECT anonymous_id, arg_min(user_id, t) AS user_id FROM (
                    SELECT anonymous_id, user_id, "timestamp" AS t FROM segment.identifies
                    UNION ALL SELECT anonymous_id, user_id, "timestamp" FROM segment.tracks WHERE user_id IS NOT NULL)
                GROUP BY 1),
            orders AS (
                SELECT coalesce(t.user_id, l.user_id, t.anonymous_id) AS person, t."timestamp" AS at
                FROM segment.tracks AS t LEFT JOIN links AS l USING (anonymous_id) WHERE event = 'Order Completed')
            SELECT variant, count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM orders AS o WHERE o.person = a.user_id AND o.at >= a.assigned_at))
            FROM experiments.assignments AS a GROUP BY 1""",
        )
    )
    assigned = dict(read(db, "SELECT variant, count(*) FROM experiments.assignments GROUP BY 1"))
    (total,) = read(
        db,
        "SELECT sum(c.amount) / 100 FROM stripe.charges c JOIN stripe.customers k ON c.customer = k.id "
        "JOIN segment.users u ON u.id = k.metadata_user_id WHERE c.status = 'succeeded'",
    )[0]
    (spend,) = read(db, "SELECT sum(cost_micros) / 1e6 FROM ads.google_ads_daily WHERE ad_network_type = 'SEARCH'")[0]
    session = session_for(open_warehouse(load_settings(config), pii=True))
    counts = variant_counts(session, "checkout_button", "Order Completed").set_index("variant")
    assert {v: int(counts.loc[v, "converted"]) for v in want} == want
    assert all(want.values()), "conversions are found across devices"
    assert {v: int(counts.loc[v, "users"]) for v in assigned} == assigned

    money = revenue(session, CohortSpec("month", "signup", "none", None, 3), date(2026, 5, 31))
    last = money[money.period == 3]
    got = (last["cumulative_revenue_per_user"] * last["cohort_size"]).sum()
    assert got == pytest.approx(float(total)) and got > 0  # dollars, not cents; succeeded charges only

    cac = cac_by_channel(session).set_index("channel")
    assert cac.loc["cpc", "spend"] == pytest.approx(spend)  # dollars, not micros


def test_model_check_passes_on_the_declared_identity(segment):
    done = cli(segment[0], "model", "check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[model.experiments] 571 of 571 experiment assignees appear among event persons (100.0%)" in done.stdout


def test_model_check_names_a_mismatched_key_space(tmp_path):
    config = build_segment(tmp_path / "naive", naive_config())
    twin = cli(config, "twin")  # the twin is built, and says the same
    assert twin.returncode == 0 and "experiment assignees appear among event persons" in twin.stderr
    done = cli(config, "model", "check")
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "0 of " in out and "experiment assignees appear among event persons" in out
    assert "Declare identity" in out


def test_model_check_names_a_typo_with_the_nearest_column(tmp_path):
    text = (SEGMENT / "portal.toml").read_text().replace('amount = "amount / 100"', 'amount = "amout / 100"')
    config = build_segment(tmp_path / "typo", text)
    assert cli(config, "twin").returncode == 0
    done = cli(config, "model", "check")
    assert done.returncode == 1
    assert "amout" in done.stdout and "did you mean amount?" in done.stdout
    assert "portal.toml" in done.stdout and "line " in done.stdout


@pytest.fixture
def segment_env(segment, monkeypatch):
    with app_reading(segment[0], monkeypatch):
        yield segment


@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens_on_the_segment_warehouse(segment_env, path):
    at = run_page(path, user="dana")
    assert not at.exception
    assert not at.error, [shown(e) for e in at.error]
    assert md5(segment_env[1]) == segment_env[2]


def test_product_pages_read_resolved_people(segment_env):
    funnels = run_page("pages/funnels.py", user="alex")
    assert funnels.multiselect(key="fn_steps").value == STEPS  # default_steps, Title-Case names
    assert "variant:checkout_button" in funnels.selectbox(key="fn_breakdown").options
    experiments = run_page("pages/experiments.py", user="alex")
    assert experiments.selectbox(key="ex_experiment").value == "checkout_button"
    text = " ".join(shown(m) for m in experiments.markdown) + " ".join(shown(c) for c in experiments.caption)
    assert "inf%" not in text
    # no demo words on a company's pages
    for path, demo_words in (
        ("pages/home.py", ("hourly", "dumps of production")),
        ("pages/funnels.py", ("checkout_conversion", "ClickHouse")),
        ("pages/experiments.py", ("start-page", "redesign")),
    ):
        at = run_page(path, user="alex")
        words = " ".join(shown(e) for kind in ("markdown", "caption") for e in getattr(at, kind))
        words += " ".join(str(link.proto.label) for link in at.get("page_link"))
        assert not [w for w in demo_words if w in words], path


@pytest.mark.parametrize("which", ["segment", "ga4"])
def test_the_text_id_event_index_equals_the_query_path(which, segment, tmp_path):
    """The index of a text-id warehouse is dictionary-coded: the same chains and retention as the
    query, with the company's own (resolved) ids, on the Segment and the GA4-shaped warehouses."""
    from test_foreign_warehouse import build_company

    from portal.config import load_settings
    from portal.product.cohorts import CohortSpec, retention
    from portal.warehouse.connect import open_warehouse

    if which == "segment":
        config, steps, split = segment[0], STEPS, "context_os_name"
    else:
        config = build_company(tmp_path / "ga4")
        assert cli(config, "twin").returncode == 0
        steps, split = ["session_start", "view_item", "begin_checkout", "purchase"], "device_category"
    session = session_for(open_warehouse(load_settings(config), pii=False))
    idx = session.event_index()
    assert idx is not None and idx.ids is not None  # built by twin, coded
    assert (
        len(idx.ids)
        == session.frame(f"SELECT count(DISTINCT user_id) FROM {session.model.events.relation()}").iloc[0, 0]
    )
    for breakdown in (None, split):
        spec = FunnelSpec(tuple(Step(s) for s in steps), date(2026, 3, 1), date(2026, 5, 31), 14, breakdown=breakdown)
        with_index = user_levels(session, spec)
        query_session = session_for(open_warehouse(load_settings(config), pii=False))
        query_session.event_index = lambda: None
        by_query = user_levels(query_session, spec)
        assert step_counts(with_index, spec).equals(step_counts(by_query, spec))
        a = with_index.sort_values("user_id").reset_index(drop=True)
        b = by_query.sort_values("user_id").reset_index(drop=True)
        assert a["user_id"].astype(str).equals(b["user_id"].astype(str)) and a["level"].equals(b["level"])
    spec = CohortSpec("week", "signup", "none", None, 4)
    through = date(2026, 5, 31)
    fast = retention(session, spec, through)
    assert fast.equals(retention(query_session, spec, through)) and fast["active_users"].sum() > 0


def test_metric_series_by_grain_and_dimension_equal_plain_sql(segment):
    """Measures of the model, grouped by a joined model's dimension at a monthly grain, equal plain SQL
    over the company's tables (cents to dollars, the Stripe-to-user join, resolved people)."""
    from portal.config import load_settings
    from portal.reporting.metrics import MetricError, load_metrics, series
    from portal.warehouse.connect import open_warehouse

    config, db, _ = segment
    want = {
        (str(m)[:7], plan): round(float(v), 2)
        for m, plan, v in read(
            db,
            "SELECT date_trunc('month', c.created), u.plan, sum(c.amount) / 100 FROM stripe.charges c "
            "JOIN stripe.customers k ON c.customer = k.id JOIN segment.users u ON u.id = k.metadata_user_id "
            "WHERE c.status = 'succeeded' GROUP BY ALL",
        )
    }
    orders = dict(
        read(db, "SELECT context_os_name, count(*) FROM segment.tracks WHERE event = 'Order Completed' GROUP BY 1")
    )
    (n,) = read(db, "SELECT count(*) FROM stripe.charges WHERE status = 'succeeded'")[0]
    settings = load_settings(config)
    metrics = load_metrics(settings.metrics_path, settings.model)
    session = session_for(open_warehouse(settings, pii=True))
    frame = series(session, metrics, "revenue", date(2026, 3, 1), date(2026, 5, 31), "month", ("plan",))
    got = {(str(r.period)[:7], r.plan): round(r.value, 2) for r in frame.itertuples() if r.value}
    assert got == want
    free = series(session, metrics, "revenue", date(2026, 3, 1), date(2026, 5, 31), "quarter", filters={"plan": "free"})
    assert round(free["value"].sum(), 2) == round(sum(v for (_, p), v in want.items() if p == "free"), 2)
    ratio = series(session, metrics, "revenue_per_charge", date(2026, 3, 1), date(2026, 5, 31), "year")
    assert ratio["value"].iloc[0] == pytest.approx(sum(want.values()) / n)
    by_os = series(session, metrics, "orders", date(2026, 3, 1), date(2026, 5, 31), "year", ("context_os_name",))
    # one order per person here, so distinct people ordering equals orders
    assert {r.context_os_name: int(r.value) for r in by_os.itertuples()} == orders
    with pytest.raises(MetricError, match="can be grouped by channel, plan"):
        series(session, metrics, "revenue", date(2026, 3, 1), date(2026, 5, 31), "month", ("country",))


def test_pages_name_a_mismatched_key_space_instead_of_inf_or_zero(tmp_path, monkeypatch):
    """The naive configuration: Experiments and the revenue tabs say what model check says, never
    "inf%" or $0."""
    config = build_segment(tmp_path / "naive", naive_config())
    assert cli(config, "twin").returncode == 0
    with app_reading(config, monkeypatch):
        experiments = run_page("pages/experiments.py", user="alex")
        errors = " ".join(shown(e) for e in experiments.error)
        assert "0 of 571 experiment assignees appear among event persons" in errors and "Declare identity" in errors
        assert "inf%" not in " ".join(shown(m) for m in experiments.markdown)
        funnels = run_page("pages/funnels.py", {"fn_breakdown": "variant:checkout_button"}, user="alex")
        assert "experiment assignees appear among event persons" in " ".join(shown(e) for e in funnels.error)
        for tab in ("Cumulative revenue per user", "CAC payback"):
            cohorts = run_page("pages/cohorts.py", {"co_tab": tab}, user="alex")
            assert not cohorts.exception
            assert "paying customers appear among event persons" in " ".join(shown(e) for e in cohorts.error), tab


def test_cac_payback_without_a_paying_customer_says_so(tmp_path, monkeypatch):
    text = (SEGMENT / "portal.toml").read_text().replace('counted = ["succeeded"]', 'counted = ["settled"]')
    config = build_segment(tmp_path / "unpaid", text)
    assert cli(config, "twin").returncode == 0
    with app_reading(config, monkeypatch):
        cohorts = run_page("pages/cohorts.py", {"co_tab": "CAC payback"}, user="alex")
        assert not cohorts.exception
        assert "has a paying customer yet" in " ".join(shown(i) for i in cohorts.info)


def test_a_readout_with_no_control_conversions_is_words_not_inf():
    from portal.product.stats import readout

    r = readout("control", 300, 0, "green", 310, 0)
    text = r.sentence("Order Completed")
    assert "inf" not in text and "Nobody in control did Order Completed" in text and "model check" in text


@pytest.mark.browser
def test_a_browser_walk_of_the_segment_warehouse(segment, page, tmp_path):
    """Every product page in a real browser, on the Segment configuration only: resolved people,
    Title-Case events, dollars from cents and micros."""
    from conftest import streamlit_server, wait_for_app

    config, db, before = segment
    shots = Path(__import__("os").environ.get("PORTAL_SHOTS", tmp_path))
    with streamlit_server(None, tmp_path, config=config) as url:
        for path, expect in (
            ("/funnels", "Order Completed"),
            ("/cohorts?co_tab=Cumulative+revenue+per+user", "Cumulative revenue per user"),
            ("/experiments", "green_button"),
            ("/metrics", "revenue"),
        ):
            page.goto(url + path)
            wait_for_app(page, 60_000)
            page.wait_for_function("t => document.body.innerText.includes(t)", arg=expect, timeout=60_000)
            if path == "/funnels":
                page.wait_for_selector('[data-testid="stMetric"]', timeout=30_000)
            if path.startswith(("/cohorts", "/experiments")):  # the charts are drawn
                page.wait_for_selector(".vega-embed canvas, .vega-embed svg", timeout=60_000)
                page.wait_for_timeout(1500)  # let the canvases paint before the screenshot (not an assertion)
            page.screenshot(path=str(shots / f"segment-{path.strip('/').split('?')[0]}.png"), full_page=True)
            assert page.locator('[data-testid="stException"]').count() == 0, path
            body = page.inner_text("body")
            assert "inf%" not in body and "Traceback" not in body, path
    assert page.page_errors == [] and page.external_requests == []
    assert md5(db) == before


def test_distinct_counts_and_averages_are_computed_per_period_not_summed(segment):
    """count(DISTINCT …) and avg() do not add up over days: a month's value is computed over the month
    (a person active on ten days is one active person), and a KPI's value over its whole period."""
    from collections import defaultdict

    from portal.config import load_settings
    from portal.reporting.metrics import kpi, load_metrics, series
    from portal.warehouse.connect import open_warehouse

    config, db, _ = segment
    months: dict[str, set] = defaultdict(set)
    for r in resolved_events(db):
        months[str(r["t"])[:7]].add(r["user"])
    avg = {
        str(m)[:7]: v
        for m, v in read(
            db,
            "SELECT date_trunc('month', created), avg(amount) / 100 FROM stripe.charges WHERE status = 'succeeded' GROUP BY 1",
        )
    }
    april = {
        r["user"] for r in resolved_events(db) if str(r["t"])[:10] >= "2026-04-01" and str(r["t"])[:10] <= "2026-04-30"
    }
    settings = load_settings(config)
    metrics = load_metrics(settings.metrics_path, settings.model)
    assert not metrics.additive("active_people") and not metrics.additive("average_charge")
    assert metrics.additive("revenue") and metrics.additive("revenue_per_charge")
    session = session_for(open_warehouse(settings, pii=True))
    frame = series(session, metrics, "active_people", date(2026, 3, 1), date(2026, 5, 31), "month")
    assert {str(r.period)[:7]: int(r.value) for r in frame.itertuples() if r.value} == {
        k: len(v) for k, v in months.items()
    }
    daily_sum = series(session, metrics, "active_people", date(2026, 3, 1), date(2026, 3, 31), "day")["value"].sum()
    assert daily_sum > len(months["2026-03"])  # what summing days would have said
    frame = series(session, metrics, "average_charge", date(2026, 3, 1), date(2026, 5, 31), "month")
    got = {str(r.period)[:7]: round(r.value, 6) for r in frame.itertuples() if r.value == r.value}
    assert got == {k: round(v, 6) for k, v in avg.items()}
    k = kpi(session, metrics, "active_people", date(2026, 4, 1), date(2026, 4, 30))
    assert k.current == len(april)


def test_alerts_run_on_the_segment_metrics(tmp_path):
    """Alerts judge the Segment company's measures (dollars from cents, resolved people) like any metric."""
    text = (
        (SEGMENT / "portal.toml")
        .read_text()
        .replace('metrics = "metrics.toml"', 'metrics = "metrics.toml"\nalerts = "alerts.toml"')
    )
    config = build_segment(tmp_path / "alerts", text)
    (config.parent / "alerts.toml").write_text(
        '[alerts.revenue_moves]\nmetric = "revenue"\nperiod_days = 14\nto = ["finance@example.com"]\n\n'
        '[alerts.active_people_low]\nmetric = "active_people"\ncondition = "below"\nthreshold = 1000000\n'
        'period_days = 7\nto = ["growth@example.com"]\nfilters = { context_os_name = "Android" }\n'
    )
    assert cli(config, "twin").returncode == 0
    assert cli(config, "config", "check").returncode == 0
    done = cli(config, "alerts", "run", "--force", "--dry-run")
    assert done.returncode == 0, done.stderr
    out = done.stdout + done.stderr
    assert "revenue_moves\tfire\trevenue was $" in out  # judged in dollars
    assert "active_people_low\tfire\tactive_people was " in out  # below a million active people: it holds


def test_impact_and_catalog_without_a_dbt_project(segment):
    """Issue #34 on a warehouse no build lineage describes: direct readers through the model are
    still found (a cents-to-dollars change makes revenue silently wrong), and the catalog lists
    every column with the warehouse's own descriptions."""
    import csv
    import io

    config, _, _ = segment
    done = cli(config, "impact", "stripe.charges.amount", "--change", "unit", "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = {r["consumer"]: r for r in csv.DictReader(io.StringIO(done.stdout))}
    assert rows["metric:revenue"]["verdict"] == "silently wrong"
    assert rows["page:Cohorts: orders and revenue"]["verdict"] == "silently wrong"
    assert "page:Funnels" not in rows
    assert "no build lineage" in done.stderr
    renamed = cli(config, "impact", "stripe.charges.amount", "--change", "rename")
    assert renamed.returncode == 1 and "BREAKS" in renamed.stdout and "metric:revenue" in renamed.stdout
    catalog = cli(config, "catalog")
    assert catalog.returncode == 0, catalog.stderr
    cols = {(r["schema"], r["table"], r["column"]) for r in csv.DictReader(io.StringIO(catalog.stdout))}
    assert ("stripe", "charges", "amount") in cols and ("segment", "tracks", "anonymous_id") in cols
