"""Issue #33 on the Segment-shaped warehouse (text ids, anonymous visitors who later sign up): what
`refresh` stores is what a new server's product pages open on."""

from __future__ import annotations

import pytest
from conftest import app_reading, run_page, shown
from test_foreign_warehouse import cli, md5
from test_segment_warehouse import STEPS, build_segment


@pytest.fixture
def company(tmp_path, monkeypatch):
    config = build_segment(tmp_path / "segment")
    assert cli(config, "twin").returncode == 0
    with app_reading(config, monkeypatch):
        yield config, config.parent / "company.duckdb"


def test_refresh_fills_the_funnels_first_view_and_its_facts_on_text_ids(company, monkeypatch):
    """Issue #33 on the Segment shape: after `refresh`, a new server's Funnels page (caches empty)
    opens on the stored funnel of resolved people and the stored facts, running no statement; the
    Lifecycle and Cohorts pages open on their stored first views."""
    import streamlit as st

    from portal.warehouse.engine import Session

    config, db = company
    before = md5(db)
    done = cli(config, "refresh")
    assert done.returncode == 0, done.stderr
    assert "8 page views for 2 roles" in done.stdout  # Funnels, Lifecycle, stickiness, Cohorts: 2 roles
    st.cache_data.clear()
    st.cache_resource.clear()
    ran, scan = [], Session.scan
    monkeypatch.setattr(Session, "scan", lambda self, sql, params=None: ran.append(str(sql)) or scan(self, sql, params))
    at = run_page("pages/funnels.py", user="alex")
    assert not at.exception and ran == []
    assert at.multiselect(key="fn_steps").value == STEPS
    assert any(shown(c).startswith("computed ") for c in at.caption)
    from portal.product import cohorts, lifecycle

    counted = []
    for module, name in ((lifecycle, "lifecycle"), (lifecycle, "stickiness"), (cohorts, "retention")):
        monkeypatch.setattr(module, name, lambda *a, n=name: counted.append(n))
    for path in ("pages/lifecycle.py", "pages/cohorts.py"):  # their first views: stored too
        st.cache_data.clear()
        st.cache_resource.clear()
        assert not run_page(path, user="alex").exception
    assert counted == []
    assert md5(db) == before
