"""Defects met on the Segment-shaped warehouse (issue #29): pii-scan on Segment's shapes, a schema of
views only in the twin, and the shipped configuration pointed at another file."""

from __future__ import annotations

import duckdb
from conftest import ROOT
from test_foreign_warehouse import cli
from test_segment_warehouse import SEGMENT, build_segment, read


def test_the_twin_keeps_a_schema_that_holds_only_views(tmp_path):
    """A reporting schema of views only (over another schema's tables) is in the twin, and readable."""
    text = (SEGMENT / "schema.sql").read_text() + (
        '\nCREATE SCHEMA reporting;\nCREATE VIEW reporting.daily_orders AS SELECT CAST("timestamp" AS DATE) AS day, '
        "count(*) AS orders FROM segment.tracks WHERE event = 'Order Completed' GROUP BY 1;\n"
    )
    folder = tmp_path / "views"
    config = build_segment(folder)
    con = duckdb.connect(str(folder / "company.duckdb"))
    con.execute(
        "DROP SCHEMA segment CASCADE; DROP SCHEMA stripe CASCADE; DROP SCHEMA ads CASCADE; DROP SCHEMA experiments CASCADE"
    )
    con.execute(text)
    con.close()
    done = cli(config, "twin")
    assert done.returncode == 0, done.stderr
    answer = cli(config, "query", "SELECT sum(orders) AS n FROM reporting.daily_orders")
    assert answer.returncode == 0, answer.stderr
    (n,) = read(folder / "company.duckdb", "SELECT count(*) FROM segment.tracks WHERE event = 'Order Completed'")[0]
    assert answer.stdout.splitlines() == ["n", str(n)]


def test_the_shipped_configuration_on_another_file_is_a_plain_message(tmp_path):
    """`--db` with a configuration written for another warehouse (the demo's search_path names
    `analytics`): a sentence saying what to do, for query and lint, never a traceback."""
    db = build_segment(tmp_path / "other").parent / "company.duckdb"
    for args in (("query", "--db", str(db), "SELECT 1"), ("lint", "--db", str(db), __file__)):
        done = cli(ROOT / "portal.toml", *args)
        assert done.returncode in (1, 2) and "Traceback" not in done.stderr, done.stderr
        assert "has no schema analytics" in done.stderr and "PORTAL_CONFIG" in done.stderr


def test_pii_scan_on_a_segment_warehouse(tmp_path):
    """Title-Case event names are not person names; mixed contact columns, e-mails inside free text
    and inside JSON, STRUCT, LIST and MAP values are found; a column name with a quote is scanned;
    [pii] not_personal clears a column."""
    extra = '''
    CREATE TABLE segment.support AS
    SELECT i,
        CASE i % 3 WHEN 0 THEN 'person' || i || '@example.com' WHEN 1 THEN '+1 415 555 ' || lpad(CAST(i AS VARCHAR), 4, '0')
             ELSE i || ' Market Street' END AS contact,
        CASE WHEN i % 10 = 0 THEN 'please write to person' || i || '@example.com about my order' ELSE 'my order is late' END AS body,
        CAST('{"reply_to": "person' || i || '@example.com"}' AS JSON) AS payload,
        {'email': 'person' || i || '@example.com', 'n': i} AS profile,
        ['person' || i || '@example.com'] AS cc,
        MAP {'to': 'person' || i || '@example.com'} AS headers,
        'Gold Plan' AS "tier ""label"""
    FROM range(1, 301) AS r(i);
    '''
    text = (SEGMENT / "portal.toml").read_text().replace("[lint]", 'not_personal = ["segment.support.i"]\n\n[lint]', 1)
    config = build_segment(tmp_path / "pii", text)
    con = duckdb.connect(str(config.parent / "company.duckdb"))
    con.execute(extra)
    con.close()
    done = cli(config, "pii-scan")
    assert done.returncode == 1, done.stderr
    found = {line.split("\t")[0]: line.split("\t")[1] for line in done.stdout.splitlines()}
    assert "segment.tracks.event" not in found  # "Order Completed" is an event
    assert found["segment.support.contact"].startswith("values look like contact details")
    assert found["segment.support.body"] == "values look like e-mail addresses inside the text"
    for nested in ("payload", "profile", "cc", "headers"):  # JSON, STRUCT, LIST, MAP
        assert found[f"segment.support.{nested}"] == "values look like e-mail addresses inside nested values", nested
    assert 'segment.support.tier "label"' not in found  # scanned without crashing, and not personal
    assert "segment.identifies.anonymous_id" not in found and "segment.users.email" not in found  # declared
    # the twin blanks what the scan found as well as what is declared, and says which (review #3, finding 5)
    twin = cli(config, "twin")
    assert twin.returncode == 0, twin.stderr
    assert "blanked segment.support.contact (not declared, but its contact details" in twin.stdout
    assert "undeclared columns look personal" in twin.stderr
    public = duckdb.connect(str(config.parent / "company.public.duckdb"), read_only=True)
    kept = public.execute(
        "SELECT count(contact), count(body), count(payload), count(profile), count(cc), count(headers), count(i) "
        "FROM segment.support"
    ).fetchone()
    public.close()
    assert kept == (0, 0, 0, 0, 0, 0, 300)  # every personal column blank, the cleared one kept
