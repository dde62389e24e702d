"""Issue #32: paths reconcile exactly with plain SQL computing the same counts (window functions over
each person's events in (time, name) order), on the demo warehouse (integer ids; from the event index
and from a scan) and on the Segment-shaped one (text ids, anonymous visitors resolved), forwards,
backwards, between two events, without an event, with a breakdown; every depth adds up to the people
who started."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest
from conftest import ROOT, session_for, shown
from test_segment_warehouse import build_segment

from portal.product.paths import PathsError, PathSpec, paths, people_at, started

REFERENCE = """
WITH ev AS (
    SELECT user_id, event_at AS t, event_name AS e FROM {events} WHERE user_id IS NOT NULL AND event_name IS NOT NULL
), anchor AS (
    SELECT user_id, min(t) AS t0 FROM ev WHERE e = $anchor AND t >= $lo AND t < $hi GROUP BY user_id
), seq AS (
    SELECT ev.user_id, ev.t, ev.e, a.t0, row_number() OVER (PARTITION BY ev.user_id ORDER BY ev.t, ev.e) AS rn
    FROM ev JOIN anchor AS a USING (user_id)
), here AS (
    SELECT user_id, min(rn) AS rn0 FROM seq WHERE e = $anchor AND t = t0 GROUP BY user_id
), rel AS (
    SELECT s.user_id, s.t, s.e, (s.rn - h.rn0) * $dir AS pos FROM seq AS s JOIN here AS h USING (user_id)
    WHERE (s.rn - h.rn0) * $dir >= 0
), visit AS (
    SELECT *, abs(epoch_us(t) - epoch_us(lag(t) OVER w)) > $window AS brk, lag(e) OVER w AS prev_e
    FROM rel WINDOW w AS (PARTITION BY user_id ORDER BY pos)
), kept AS (
    SELECT *, sum(CASE WHEN brk THEN 1 ELSE 0 END) OVER (PARTITION BY user_id ORDER BY pos ROWS UNBOUNDED PRECEDING) AS v
    FROM visit
), excluded AS (
    SELECT DISTINCT user_id FROM kept WHERE v = 0 AND pos > 0 AND e = $without
), steps AS (
    SELECT user_id, e, row_number() OVER (PARTITION BY user_id ORDER BY pos) AS depth
    FROM kept WHERE v = 0 AND pos > 0 AND e <> prev_e
), ended AS (
    SELECT user_id, min(depth) AS d_end FROM steps WHERE e = $end GROUP BY user_id
), people AS (
    SELECT user_id FROM anchor WHERE user_id NOT IN (SELECT user_id FROM excluded)
), labelled AS (
    SELECT p.user_id, d.depth,
           CASE WHEN en.d_end IS NOT NULL AND d.depth > en.d_end THEN 'reached ' || $end
                WHEN s.e IS NULL THEN 'dropped off' ELSE s.e END AS raw
    FROM people AS p CROSS JOIN range(1, $depth + 1) AS d(depth)
    LEFT JOIN steps AS s ON s.user_id = p.user_id AND s.depth = d.depth
    LEFT JOIN ended AS en ON en.user_id = p.user_id
), ranked AS (
    SELECT depth, raw, row_number() OVER (PARTITION BY depth ORDER BY count(*) DESC, raw) AS r
    FROM labelled WHERE raw <> 'dropped off' AND NOT starts_with(raw, 'reached ') GROUP BY depth, raw
), named AS (
    SELECT l.user_id, l.depth,
           CASE WHEN l.raw = 'dropped off' OR starts_with(l.raw, 'reached ') OR r.r <= $top THEN l.raw ELSE 'other' END AS step
    FROM labelled AS l LEFT JOIN ranked AS r ON r.depth = l.depth AND r.raw = l.raw
)
SELECT n.depth, n.step, coalesce(p.step, $anchor) AS previous, count(*) AS people
FROM named AS n LEFT JOIN named AS p ON p.user_id = n.user_id AND p.depth = n.depth - 1
GROUP BY ALL
"""


def reference_paths(session, spec: PathSpec) -> pd.DataFrame:
    """The same counts in plain SQL over the model's resolved events."""
    events = session.model.slots("events")["events"]
    lo = pd.Timestamp(spec.first or date(1900, 1, 1))
    hi = pd.Timestamp(spec.last or date(2999, 1, 1)) + pd.Timedelta(days=1)
    params = {
        "anchor": spec.start or spec.end,
        "end": spec.end if spec.start else "\x00none",
        "without": spec.without or "\x00none",
        "dir": -1 if spec.reverse else 1,
        "lo": lo.to_pydatetime(),
        "hi": hi.to_pydatetime(),
        "window": spec.window_minutes * 60_000_000,
        "depth": spec.depth,
        "top": spec.top,
    }
    return session.frame(REFERENCE.format(events=events), params)


def same(ours: pd.DataFrame, ref: pd.DataFrame) -> None:
    key = ["depth", "step", "previous"]
    a = ours[[*key, "people"]].sort_values(key).reset_index(drop=True)
    b = ref[[*key, "people"]].astype({"depth": int, "people": int}).sort_values(key).reset_index(drop=True)
    assert a.to_dict("records") == b.to_dict("records")
    totals = ours.groupby("depth")["people"].sum()
    assert (totals == started(ours)).all()  # each depth adds up to the people who started


DEMO_SPECS = [
    PathSpec(start="product_view", depth=4),
    PathSpec(start="page_view", depth=3, top=3, window_minutes=10),
    PathSpec(end="purchase", depth=3),
    PathSpec(start="product_view", end="purchase", depth=5),
    PathSpec(start="product_view", without="add_to_cart", depth=3, first=date(2026, 9, 1), last=date(2026, 10, 31)),
]


@pytest.mark.parametrize("spec", DEMO_SPECS, ids=lambda s: f"{s.start}-{s.end}-{s.without}-{s.depth}")
@pytest.mark.parametrize("path", ["index", "scan"])
def test_paths_equal_plain_sql_on_the_demo(warehouse, spec, path):
    s = session_for(warehouse)
    if path == "scan":
        s.event_index = lambda: None
    else:
        assert s.event_index() is not None
    ours = paths(s, spec)
    assert started(ours) > 0
    same(ours, reference_paths(s, spec))


def test_without_leaves_out_those_who_did_it_and_a_breakdown_splits_everyone(warehouse):
    s = session_for(warehouse)
    everyone = paths(s, PathSpec(start="product_view", depth=2))
    without = paths(s, PathSpec(start="product_view", depth=2, without="add_to_cart"))
    assert 0 < started(without) < started(everyone)
    assert "add_to_cart" not in set(without["step"])
    split = paths(s, PathSpec(start="product_view", depth=2, breakdown="platform"))
    assert set(split["segment"]) >= {"web", "ios", "android"} or len(set(split["segment"])) > 1
    assert split["people"].sum() == everyone["people"].sum()  # the segments partition the people
    assert (split.groupby(["segment", "depth"])["people"].sum().groupby("segment").nunique() == 1).all()


def test_people_at_a_node_are_the_ones_counted_there(warehouse):
    s = session_for(warehouse)
    spec = PathSpec(start="product_view", depth=3)
    frame = paths(s, spec)
    row = frame[(frame["depth"] == 2) & (frame["step"] == "checkout_start")].iloc[0]
    who = people_at(s, spec, 2, "checkout_start", row["previous"])
    assert len(who) == row["people"] and who["person"].is_unique
    dropped = people_at(s, spec, 1, "dropped off")
    assert len(dropped) == frame[(frame["depth"] == 1) & (frame["step"] == "dropped off")]["people"].sum()


def test_bad_requests_are_plain(warehouse):
    s = session_for(warehouse)
    with pytest.raises(PathsError, match="start event"):
        paths(s, PathSpec())
    with pytest.raises(PathsError, match="No event called"):
        paths(s, PathSpec(start="teleport"))
    with pytest.raises(PathsError, match="Depth must be"):
        paths(s, PathSpec(start="product_view", depth=40))
    with pytest.raises(PathsError, match="ends before"):
        paths(s, PathSpec(start="product_view", first=date(2026, 9, 1), last=date(2026, 8, 1)))


@pytest.fixture(scope="module")
def segment_session(tmp_path_factory):
    from portal.config import load_settings
    from portal.warehouse.connect import open_warehouse
    from portal.warehouse.event_index import rebuild

    config = build_segment(tmp_path_factory.mktemp("seg"))
    settings = load_settings(config)
    rebuild(settings.warehouse_path, settings.model.events)  # the company's build step: text ids coded
    wh = open_warehouse(settings, pii=True)
    yield settings, session_for(wh)
    wh.close()


SEGMENT_SPECS = [
    PathSpec(start="Product Viewed", depth=4),
    PathSpec(end="Order Completed", depth=3),
    PathSpec(start="Product Viewed", end="Order Completed", depth=4, window_minutes=15),
    PathSpec(start="Page Viewed", without="Signed Up", depth=2),
]


@pytest.mark.parametrize("spec", SEGMENT_SPECS, ids=lambda s: f"{s.start}-{s.end}-{s.without}")
@pytest.mark.parametrize("path", ["scan", "index"])
def test_paths_on_the_segment_warehouse_follow_resolved_people(segment_session, spec, path, monkeypatch):
    """Text ids; a visitor who signs up on a second device is one person whose path continues there."""
    _, s = segment_session
    if path == "index":
        assert s.event_index() is not None and s.event_index().ids is not None
    else:
        monkeypatch.setattr(s, "event_index", lambda: None)
    ours = paths(s, spec)
    assert started(ours) > 0
    same(ours, reference_paths(s, spec))


def test_the_paths_command_prints_csv(demo_db):
    env = {**os.environ, "PORTAL_DB": str(demo_db)}
    done = subprocess.run(
        [sys.executable, "-m", "portal", "paths", "--start", "product_view", "--depth", "3", "--db", str(demo_db)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "depth,step,previous,people"
    rows = [line.split(",") for line in lines[1:]]
    totals = {d: sum(int(r[3]) for r in rows if r[0] == d) for d in ("1", "2", "3")}
    assert len(set(totals.values())) == 1 and totals["1"] > 0
    assert any(r[1] == "dropped off" for r in rows)
    bad = subprocess.run(
        [sys.executable, "-m", "portal", "paths", "--start", "nope", "--db", str(demo_db)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "No event called 'nope'" in bad.stderr


def test_the_flow_chart_bands_fill_their_nodes(warehouse):
    """Every band leaves its node inside it and the bands of a node add up to it (except dropped off
    staying dropped off, which is not drawn)."""
    from portal.reporting.flow_chart import layout, paths_chart

    frame = paths(session_for(warehouse), PathSpec(start="product_view", depth=4, top=3))
    nodes, bands = layout(frame, "product_view")
    node = {(r.depth, r.step): r for r in nodes.itertuples()}
    for b in bands.itertuples():
        src, dst = node[(b.depth - 1, b.previous)], node[(b.depth, b.step)]
        assert src.y0 <= b.a0 and b.a0 + b.people <= src.y1 + 1e-9
        assert dst.y0 <= b.b0 and b.b0 + b.people <= dst.y1 + 1e-9
    into = bands.groupby(["depth", "step"])["people"].sum()
    for (d, s), people in into.items():
        carried = frame[(frame.depth == d) & (frame.step == s) & (frame.previous == "dropped off")]["people"].sum()
        assert people + (carried if s == "dropped off" else 0) == node[(d, s)].people
    assert paths_chart(frame, "product_view").to_dict()["layer"]  # renders to a Vega-Lite spec


def test_the_paths_page_and_the_way_there_from_a_funnel(portal_env):
    from conftest import run_page

    at = run_page("pages/paths.py", {"pa_start": "product_view", "pa_without": "add_to_cart", "pa_depth": "3"})
    assert not at.exception
    (flow,) = [d.value for d in at.dataframe if "previous" in d.value.columns]
    assert "add_to_cart" not in set(flow["step"])
    assert flow.groupby("depth")["people"].sum().nunique() == 1
    assert any("and not add_to_cart in the same visit" in shown(c) for c in at.caption)
    funnel = run_page("pages/funnels.py", {"fn_tab": "Drop-offs"})
    assert not funnel.exception
    links = [p.proto for p in funnel.get("page_link") if "go instead" in p.proto.label]
    assert links and "pa_without=" in links[0].query_string and "paths" in links[0].page
