"""Funnel counts equal an independent per-user reference (windowFunnel semantics) on random event logs,
plus the funnel statistics, CLI and page."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, session_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.demo.build import demo_model
from portal.product.funnels import FunnelError, FunnelSpec, Step, funnel_sql, parse_window, step_counts, user_levels
from portal.product.funnels.spec import check_model
from portal.product.kernels import funnel_scan
from portal.warehouse.contract import DUCKDB

T0 = datetime(2026, 1, 1)
EVENTS = ["page_view", "product_view", "add_to_cart", "purchase"]
MODEL = demo_model()


def reference_levels(rows, steps, start, end, window_s, mode):
    """Plain-Python windowFunnel: per user, the longest chain of steps in order (each at or after the
    previous), all within `window_s` of the chain's first event; the first event inside [start, end]."""
    matches = [
        lambda r, s=s: r["event_name"] == s.event and (not s.column or str(r[s.column]) == s.value) for s in steps
    ]
    by_user: dict[int, list] = {}
    for r in rows:
        by_user.setdefault(r["user_id"], []).append(r)
    out = {}
    end_exclusive = datetime.combine(end + timedelta(days=1), datetime.min.time())
    start_dt = datetime.combine(start, datetime.min.time())
    for user, evs in by_user.items():
        evs = [e for e in evs if start_dt <= e["event_at"] < end_exclusive + timedelta(seconds=window_s)]
        best = 0
        if mode == "sequential":
            for e0 in evs:
                if not matches[0](e0) or not (start_dt <= e0["event_at"] < end_exclusive):
                    continue
                level, prev = 1, e0["event_at"]
                for k in range(1, len(steps)):
                    nxt = [e["event_at"] for e in evs if matches[k](e) and e["event_at"] >= prev]
                    if not nxt or min(nxt) > e0["event_at"] + timedelta(seconds=window_s):
                        break
                    prev, level = min(nxt), level + 1
                best = max(best, level)
        else:
            labelled = []
            for e in evs:
                label = next((k for k, m in enumerate(matches) if m(e)), None)
                if label is not None:
                    labelled.append((e["event_at"], label))
            labelled.sort()
            for i, (t, label) in enumerate(labelled):
                if label != 0 or not (start_dt <= t < end_exclusive):
                    continue
                level = 1
                for j in range(1, len(steps)):
                    if i + j >= len(labelled):
                        break
                    tj, lj = labelled[i + j]
                    if lj != j or tj > t + timedelta(seconds=window_s):
                        break
                    level += 1
                best = max(best, level)
        if best:
            out[user] = best
    return out


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute(
        "CREATE SCHEMA analytics; CREATE TABLE analytics.events (user_id BIGINT, event_at TIMESTAMP, "
        "event_name VARCHAR, platform VARCHAR, page VARCHAR, browser VARCHAR, device VARCHAR, country VARCHAR, "
        "utm_source VARCHAR, utm_medium VARCHAR, utm_campaign VARCHAR, event_date DATE)"
    )
    c.execute("CREATE TABLE analytics.experiment_assignments (experiment VARCHAR, user_id BIGINT, variant VARCHAR)")
    yield c
    c.close()


def load(con, rows):
    con.execute("DELETE FROM analytics.events")
    if rows:
        df = pd.DataFrame(rows)
        con.register("incoming", df)
        con.execute(
            "INSERT INTO analytics.events (user_id, event_at, event_name, platform, page) "
            "SELECT user_id, event_at, event_name, platform, page FROM incoming"
        )
        con.unregister("incoming")


def sql_levels(con, spec):
    sql, params = funnel_sql(spec, MODEL)
    return {u: lv for u, lv in con.execute(f"SELECT user_id, level FROM ({sql})", params).fetchall()}


class ConSession:
    """The two engine-session methods `user_levels` uses, over a plain test connection."""

    model = MODEL  # the demo's semantic model: these logs are shaped like its analytics.events
    capabilities = DUCKDB
    cache_key = None  # the logs change between examples: remember nothing

    def __init__(self, con, index=None):
        self.con = con
        self.index = index

    def event_index(self):
        return self.index

    def scan(self, sql, params=None):
        return self.con.sql(sql, params=params).to_arrow_table()

    def frame(self, sql, params=None):
        return self.con.execute(sql, params).df()


def fast_levels(con, spec):
    return dict(zip(*[user_levels(ConSession(con), spec)[c].tolist() for c in ("user_id", "level")], strict=True))


event_rows = st.lists(
    st.fixed_dictionaries(
        {
            "user_id": st.integers(1, 6),
            "event_at": st.integers(-3 * 1440, 20 * 1440).map(
                lambda m: T0 + timedelta(minutes=m // 30 * 30)
            ),  # many ties
            "event_name": st.sampled_from(EVENTS),
            "platform": st.sampled_from(["iOS", "Android"]),
            "page": st.sampled_from(["/", "/checkout"]),
        }
    ),
    max_size=60,
)
step_lists = st.lists(st.sampled_from(EVENTS), min_size=2, max_size=4)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=event_rows,
    steps=step_lists,
    window_h=st.sampled_from([1, 12, 48, 24 * 7]),
    mode=st.sampled_from(["sequential", "strict"]),
    filtered=st.booleans(),
)
def test_sql_matches_reference(con, rows, steps, window_h, mode, filtered):
    spec_steps = tuple(Step(e) for e in steps)
    if filtered:
        spec_steps = (Step(steps[0], "page", "/checkout"), *spec_steps[1:])
    spec = FunnelSpec(spec_steps, date(2026, 1, 1), date(2026, 1, 10), window_h / 24, mode)
    load(con, rows)
    expected = reference_levels(rows, spec.steps, spec.start, spec.end, window_h * 3600, mode)
    assert sql_levels(con, spec) == expected
    assert fast_levels(con, spec) == expected  # rows arrive unsorted here: the stream gets sorted first
    load(con, sorted(rows, key=lambda r: (r["user_id"], r["event_at"])))
    assert fast_levels(con, spec) == expected  # storage order: the pass reads it as it comes


def test_ties_repeats_and_outside_window(con):
    t = T0 + timedelta(days=1)
    rows = [
        # user 1: all three steps at the same instant -> counts fully
        *[{"user_id": 1, "event_at": t, "event_name": e, "platform": "iOS", "page": "/"} for e in EVENTS[:3]],
        # user 2: step 2 before step 1 only -> level 1; then a later restart that completes
        {"user_id": 2, "event_at": t, "event_name": "product_view", "platform": "iOS", "page": "/"},
        {"user_id": 2, "event_at": t + timedelta(hours=1), "event_name": "page_view", "platform": "iOS", "page": "/"},
        {"user_id": 2, "event_at": t + timedelta(days=2), "event_name": "page_view", "platform": "iOS", "page": "/"},
        {
            "user_id": 2,
            "event_at": t + timedelta(days=2, hours=1),
            "event_name": "product_view",
            "platform": "iOS",
            "page": "/",
        },
        {
            "user_id": 2,
            "event_at": t + timedelta(days=2, hours=2),
            "event_name": "add_to_cart",
            "platform": "iOS",
            "page": "/",
        },
        # user 3: step 2 outside the 1-day window
        {"user_id": 3, "event_at": t, "event_name": "page_view", "platform": "Android", "page": "/"},
        {
            "user_id": 3,
            "event_at": t + timedelta(days=2),
            "event_name": "product_view",
            "platform": "Android",
            "page": "/",
        },
    ]
    load(con, rows)
    spec = FunnelSpec(tuple(Step(e) for e in EVENTS[:3]), date(2026, 1, 1), date(2026, 1, 31), 1)
    assert sql_levels(con, spec) == {1: 3, 2: 3, 3: 1}
    assert fast_levels(con, spec) == {1: 3, 2: 3, 3: 1}


def test_breakdown_and_counts(con):
    rows = [
        {"user_id": u, "event_at": T0 + timedelta(days=1, minutes=m), "event_name": e, "platform": p, "page": "/"}
        for u, p, evs in [
            (1, "iOS", ["page_view", "purchase"]),
            (2, "iOS", ["page_view"]),
            (3, "Android", ["page_view", "purchase"]),
        ]
        for m, e in enumerate(evs)
    ]
    load(con, rows)
    spec = FunnelSpec(
        (Step("page_view"), Step("purchase")), date(2026, 1, 1), date(2026, 1, 5), 7, breakdown="platform"
    )
    sql, params = funnel_sql(spec, MODEL)
    for levels in (con.execute(sql, params).df(), user_levels(ConSession(con), spec)):
        counts = step_counts(levels, spec)
        got = {(r.segment, r.step): r.users for r in counts.itertuples()}
        assert got[("all", 1)] == 3 and got[("all", 2)] == 2
        assert got[("iOS", 1)] == 2 and got[("iOS", 2)] == 1 and got[("Android", 2)] == 1


def test_fast_path_keeps_the_same_chain_as_the_sql(con):
    """Beyond levels: same start (so the same breakdown segment) and the same step times, with the
    tie-break both document (highest level, first to reach it, latest start)."""
    rows = []
    for u in range(1, 40):
        for m in range(0, 60 * 24 * 6, 97 * (u % 5 + 1)):
            rows.append(
                {
                    "user_id": u,
                    "event_at": T0 + timedelta(days=1, minutes=m + u),
                    "event_name": EVENTS[(m // 7 + u) % 4],
                    "platform": ["iOS", "Android", "Linux"][(m // 11) % 3],
                    "page": "/",
                }
            )
    load(con, sorted(rows, key=lambda r: (r["user_id"], r["event_at"])))
    spec = FunnelSpec(tuple(Step(e) for e in EVENTS), date(2026, 1, 1), date(2026, 1, 10), 0.5, breakdown="platform")
    sql, params = funnel_sql(spec, MODEL)
    a = con.execute(sql, params).df().sort_values("user_id").reset_index(drop=True)
    b = user_levels(ConSession(con), spec).sort_values("user_id").reset_index(drop=True)
    assert len(a) == 39 and a["level"].tolist() == b["level"].tolist() and a["level"].nunique() > 1
    assert a["segment"].tolist() == b["segment"].astype(str).tolist()
    for k in (1, len(EVENTS)):
        assert a[f"t{k}"].equals(b[f"t{k}"].astype(a[f"t{k}"].dtype))


def test_scan_merges_sorted_runs_and_sorts_anything_else():
    """A parallel scan can return the sorted table as interleaved sorted runs; the result must not
    depend on it."""
    rng = np.random.default_rng(3)
    user = np.sort(rng.integers(0, 500, 20_000))
    t = np.zeros_like(user)
    for u in np.unique(user):
        idx = np.flatnonzero(user == u)
        t[idx] = np.sort(rng.integers(0, 10**9, len(idx)))
    ev = rng.integers(1, 4, len(user)).astype(np.uint8)
    lut = np.array([0, 1, 2, 4], dtype=np.uint16)
    args = (lut, np.zeros(0, np.uint16), 3, 10**8, 0, 10**9)
    want = funnel_scan.run("sequential", user, t, ev, *args)
    half = rng.random(len(user)) < 0.5
    runs = np.concatenate([np.flatnonzero(half), np.flatnonzero(~half)])  # two sorted runs, interleaved
    shuffled = rng.permutation(len(user))
    for perm in (runs, shuffled):
        got = funnel_scan.run("sequential", user[perm], t[perm], ev[perm], *args)
        assert got.users.tolist() == want.users.tolist() and got.level.tolist() == want.level.tolist()
        assert (got.times == want.times).all()
        assert (t[perm][got.start_rows] == t[want.start_rows]).all()  # start rows index the stream as given


def test_bad_definitions_are_refused_in_plain_words():
    d = date(2026, 1, 1)
    with pytest.raises(FunnelError, match="between 2 and 10"):
        FunnelSpec((Step("page_view"),), d, d).validate()
    with pytest.raises(FunnelError, match="choose an event"):
        FunnelSpec((Step("page_view"), Step("  ")), d, d).validate()
    with pytest.raises(FunnelError, match="cannot filter"):
        FunnelSpec((Step("page_view", "user_id) OR (1", "1"), Step("purchase")), d, d).validate()
    with pytest.raises(FunnelError, match="cannot filter on 'email'"):  # a name, but no event property
        check_model(FunnelSpec((Step("page_view", "email", "x"), Step("purchase")), d, d), MODEL)
    with pytest.raises(FunnelError, match="break down"):
        check_model(FunnelSpec((Step("page_view"), Step("purchase")), d, d, breakdown="email"), MODEL)
    # an event name is a bound value, never SQL: a hostile one is simply an event nobody did
    hostile = FunnelSpec((Step("page_view"), Step("x'; DROP TABLE t --")), d, d)
    sql, params = funnel_sql(hostile, MODEL)
    assert "DROP" not in sql and "x'; DROP TABLE t --" in params.values()
    assert parse_window("7d") == 7 and parse_window("36h") == 1.5
    with pytest.raises(FunnelError, match="7d"):
        parse_window("a week")


def test_filter_values_are_bound(con):
    rows = [
        {"user_id": 1, "event_at": T0 + timedelta(days=1), "event_name": "page_view", "platform": "iOS", "page": "/"},
        {
            "user_id": 1,
            "event_at": T0 + timedelta(days=1, hours=1),
            "event_name": "purchase",
            "platform": "iOS",
            "page": "/",
        },
    ]
    load(con, rows)
    spec = FunnelSpec((Step("page_view", "page", "/' OR 1=1 --"), Step("purchase")), date(2026, 1, 1), date(2026, 1, 5))
    assert sql_levels(con, spec) == {} and fast_levels(con, spec) == {}
    spec = FunnelSpec((Step("page_view", "page", "/"), Step("purchase")), date(2026, 1, 1), date(2026, 1, 5))
    assert sql_levels(con, spec) == {1: 2} and fast_levels(con, spec) == {1: 2}


def test_cli_prints_segment_step_users(demo_db):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "portal",
            "funnel",
            "--db",
            str(demo_db),
            "--steps",
            "product_view,add_to_cart,checkout_start,purchase",
            "--window",
            "7d",
            "--breakdown",
            "platform",
            "--from",
            "2025-06-01",
            "--to",
            "2026-06-01",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert set(rows[0]) == {"segment", "step", "users"}
    all_rows = [int(x["users"]) for x in rows if x["segment"] == "all"]
    assert len(all_rows) == 4 and all_rows == sorted(all_rows, reverse=True) and all_rows[-1] > 0
    platforms = {x["segment"] for x in rows} - {"all"}
    assert platforms == {"iOS", "Android", "Windows", "macOS", "Linux"}
    assert sum(int(x["users"]) for x in rows if x["segment"] != "all" and x["step"] == "1") == all_rows[0]
    bad = subprocess.run(
        [sys.executable, "-m", "portal", "funnel", "--db", str(demo_db), "--steps", "page_view,nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "No event named 'nope'" in bad.stderr


def test_a_two_way_breakdown_finds_ios_safari_and_matches_the_plain_sql(warehouse):
    """Issue #14: platform × browser, with the significance flag per segment against the rest."""
    from portal.product.funnels import funnel_sql, segment_table, spec_from_form, user_levels
    from portal.product.stats import compare_segments

    spec = spec_from_form(
        ["checkout_start", "purchase"],
        "none",
        "page",
        "",
        date(2025, 1, 6),
        date(2026, 11, 15),
        14,
        "sequential",
        "platform",
        "browser",
    )
    assert spec.breakdown == "platform+browser"
    s = session_for(warehouse)
    got = segment_table(user_levels(s, spec), spec).set_index("segment")
    sql, params = funnel_sql(spec, MODEL)
    want = s.frame(
        f"SELECT segment, count(*) AS started, count(*) FILTER (WHERE level >= 2) AS converted FROM ({sql}) GROUP BY 1",
        params,
    ).set_index("segment")
    assert got.sort_index()[["started", "converted"]].astype(int).equals(want.sort_index().astype(int))
    verdicts = compare_segments(got.reset_index()).set_index("segment")["verdict"]
    assert verdicts["iOS / Safari"] == "significantly worse"
    assert "macOS / Safari" in verdicts.index and verdicts["macOS / Safari"] != "significantly worse"


@pytest.mark.parametrize(
    "breakdown", ["platform+browser+device", "platform+platform", "platform+nope", "platform+browser'); DROP--"]
)
def test_a_bad_two_way_breakdown_is_refused(breakdown):
    from portal.product.funnels import FunnelError, FunnelSpec, Step
    from portal.product.funnels.spec import check_model

    with pytest.raises(FunnelError, match="Cannot break down"):
        spec = FunnelSpec((Step("signup"), Step("purchase")), date(2026, 1, 1), date(2026, 2, 1), breakdown=breakdown)
        check_model(spec, MODEL)


def test_the_form_explains_a_second_breakdown_it_cannot_use():
    from portal.product.funnels import spec_from_form

    form = (["signup", "purchase"], "none", "page", "", date(2026, 1, 1), date(2026, 2, 1), 14, "sequential")
    with pytest.raises(FunnelError, match="cannot be combined"):
        spec_from_form(*form, "variant:onboarding_address_step", "browser")
    with pytest.raises(FunnelError, match="two different columns"):
        spec_from_form(*form, "platform", "platform")
    assert spec_from_form(*form, "none", "browser").breakdown == "browser"


def test_the_chains_are_handed_over_once_and_never_kept():
    from portal.product.funnels.handoff import Handoff

    h = Handoff(ttl=30)
    h.put("a", [1, 2])
    assert h.take("b") is None and h.take("a") is None  # a wrong key drops the entry: nothing lingers
    h.put("a", [1, 2])
    assert h.take("a") == [1, 2] and h.take("a") is None
    h = Handoff(ttl=0)
    h.put("a", [1])
    assert h.take("a") is None  # expired


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=event_rows,
    steps=step_lists,
    window_h=st.sampled_from([1, 12, 48, 24 * 7]),
    mode=st.sampled_from(["sequential", "strict"]),
    breakdown=st.sampled_from([None, "platform"]),
)
def test_the_event_index_gives_the_same_chains_as_the_scan(con, rows, steps, window_h, mode, breakdown):
    """Issue #15: the memory-mapped index (all events, not only the funnel's, in person-time order)
    must give exactly the chains of the query path: levels, step times and breakdown segments."""
    import tempfile

    from portal.warehouse.event_index import build_index, open_index

    load(con, rows)
    spec = FunnelSpec(
        tuple(Step(e) for e in steps), date(2026, 1, 1), date(2026, 1, 12), window_h / 24, mode, breakdown
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "w.duckdb"
        path.touch()
        build_index(con, path, MODEL.events)
        index = open_index(path, MODEL.events)
        assert index is not None and index.rows == len(rows)
        a = user_levels(ConSession(con), spec)
        b = user_levels(ConSession(con, index), spec)
    assert a["user_id"].tolist() == b["user_id"].tolist() and a["level"].tolist() == b["level"].tolist()
    assert a["segment"].astype(str).tolist() == b["segment"].astype(str).tolist()
    for k in range(1, len(steps) + 1):
        assert a[f"t{k}"].equals(b[f"t{k}"])
