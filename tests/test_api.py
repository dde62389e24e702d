"""The read-only CSV/JSON API (issue #24) through a real HTTP client against a running server, on
the company warehouse of tests/foreign (text ids, PII in other columns, a restricted schema) and,
for the spreadsheet's IMPORTDATA, on the demo's curated supply-chain query."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, session_for, streamlit_server
from test_foreign_warehouse import build_company, cli

QUERIES = {
    "sales/paid_by_source.sql": """-- title: Paid purchases by source
-- owner: pat
-- team: sales
-- status: curated
-- param: since date default=2026-03-01
-- param: sources list default=search|social|direct
SELECT c.source, count(*) AS purchases, sum(p.amount_eur) AS revenue_eur
FROM purchases AS p JOIN customers AS c ON c.customer_key = p.buyer
WHERE p.state = 'paid' AND p.paid_at >= $since AND list_contains($sources, c.source)
GROUP BY 1 ORDER BY 1
""",
    "sales/contacts.sql": """-- title: Customer contacts
-- owner: pat
-- team: sales
-- status: curated
SELECT customer_key, contact, display_name, last_ip FROM customers ORDER BY 1 LIMIT 25
""",
    "sales/work_in_progress.sql": """-- title: Not yet reviewed
-- owner: alex
-- team: sales
-- status: draft
SELECT count(*) AS n FROM customers
""",
    "sales/spend.sql": """-- title: Spend by campaign
-- owner: pat
-- team: sales
-- status: curated
SELECT campaign, sum(cost_eur) AS cost FROM sales.ad_costs GROUP BY 1 ORDER BY 1
""",
    "sales/big_buyers.sql": """-- title: Buyers above an amount
-- owner: pat
-- team: sales
-- status: curated
-- param: min_amount number default=50
SELECT count(*) AS buyers FROM purchases WHERE amount_eur >= $min_amount
""",
    "sales/runaway.sql": """-- title: A query that never ends
-- owner: pat
-- team: sales
-- status: curated
SELECT count(*) AS n FROM range(4000000000) AS r(i) WHERE hash(i) % 7 = 3
""",
}
METRICS = """
[metrics.paid_eur]
description = "Paid purchases (EUR)."
unit = "usd"
owner = "pat"
sql = '''
SELECT CAST(paid_at AS DATE) AS day, sum(amount_eur) AS value FROM main.purchases
WHERE state = 'paid' AND CAST(paid_at AS DATE) BETWEEN $start AND $end GROUP BY 1
'''
"""


@pytest.fixture(scope="module")
def company_api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("company_api")
    config = build_company(folder)
    text = config.read_text().replace("[paths]\n", '[paths]\nmetrics = "metrics.toml"\n')
    text += (
        '\n[people]\ndata_team = ["pat"]\npii_access = ["pat"]\ndefault_user = "alex"\ndemo_users = ["alex", "pat"]\n'
        '\n[permissions]\nschema_roles = { sales = ["data_team"] }\n'
        "\n[limits]\ntimeout_seconds = 3\n\n[api]\nrequests_per_minute = 25\nmax_rows = 500\n"
    )
    config.write_text(text)
    (folder / "metrics.toml").write_text(METRICS)
    for rel, sql in QUERIES.items():
        (folder / "queries" / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / "queries" / rel).write_text(sql)
    done = cli(config, "twin")
    assert done.returncode == 0, done.stderr
    with streamlit_server(None, folder, config=config) as url:
        yield url, config, folder


def token(config: Path, person: str, *extra: str) -> str:
    done = cli(config, "token", "create", "--as", person, *extra)
    assert done.returncode == 0, done.stderr
    secret = done.stdout.strip()
    assert secret.startswith("pat_") and secret not in done.stderr
    return secret


def get(url: str, secret: str | None = None, header: bool = True) -> tuple[int, dict, bytes]:
    if secret and not header:
        url += ("&" if "?" in url else "?") + "token=" + secret
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}"} if secret and header else {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def workbench_answer(folder: Path, sql: str, params: dict, pii: bool = False):
    """What the workbench shows for the same statement: the seam's run on the same file."""
    from portal.config import load_settings
    from portal.warehouse.engine import Warehouse

    s = load_settings(folder / "portal.toml")
    path = s.warehouse_path if pii else s.public_warehouse_path
    wh = Warehouse(path, s.limits, s.model, source=None if pii else s.warehouse_path)
    try:
        return session_for(wh).run(sql, params).frame
    finally:
        wh.close()


def test_csv_and_json_equal_the_workbench_answer(company_api):
    url, config, folder = company_api
    secret = token(config, "alex", "--label", "sheet")
    q = "/api/queries/sales/paid_by_source"
    status, headers, body = get(url + q + ".json?since=2026-03-20&sources=search,social", secret)
    assert status == 200, body
    answer = json.loads(body)
    from datetime import date

    frame = workbench_answer(
        folder, QUERIES["sales/paid_by_source.sql"], {"since": date(2026, 3, 20), "sources": ["search", "social"]}
    )
    expected = [[r[0], int(r[1]), float(r[2])] for r in frame.itertuples(index=False)]
    assert answer["columns"] == ["source", "purchases", "revenue_eur"]
    assert [[r[0], r[1], float(r[2])] for r in answer["rows"]] == expected
    assert [r[0] for r in expected] == ["search", "social"] and answer["params"]["since"] == "2026-03-20"
    assert answer["truncated"] is False and headers["x-truncated"] == "false"
    status, headers, body = get(url + q + ".csv?since=2026-03-20&sources=search,social", secret)
    assert status == 200 and headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[0] == answer["columns"]
    assert [[r[0], int(r[1]), float(r[2])] for r in rows[1:]] == expected
    shaped = json.loads(get(url + q + ".json?_shape=array&_size=1", secret)[2])
    assert isinstance(shaped, list) and len(shaped) == 1 and set(shaped[0]) == {"source", "purchases", "revenue_eur"}


def test_an_analysts_token_gets_no_pii_and_a_pii_readers_does(company_api):
    url, config, _ = company_api
    q = url + "/api/queries/sales/contacts.json?_shape=objects"
    analyst = json.loads(get(q, token(config, "alex"))[2])["rows"]
    reader = json.loads(get(q, token(config, "pat"))[2])["rows"]
    assert len(analyst) == len(reader) == 25
    assert all(r["contact"] is None and r["display_name"] is None and r["last_ip"] is None for r in analyst)
    assert all("@" in r["contact"] and r["display_name"] for r in reader)
    assert [r["customer_key"] for r in analyst] == [r["customer_key"] for r in reader]


def test_drafts_unknown_queries_and_restricted_schemas_are_the_same_404(company_api):
    url, config, _ = company_api
    analyst, data_team = token(config, "alex"), token(config, "pat")
    answers = {
        path: get(url + path, analyst)
        for path in (
            "/api/queries/sales/work_in_progress.json",
            "/api/queries/sales/no_such_query.json",
            "/api/queries/sales/spend.json",  # sales.* is for the data team
            "/api/metrics/no_such_metric.json",
        )
    }
    assert {p: a[0] for p, a in answers.items()} == {p: 404 for p in answers}
    assert len({body for _, _, body in answers.values()}) == 1, "a 404 says nothing about what exists"
    status, _, body = get(url + "/api/queries/sales/..%2F..%2Fportal.toml.json", analyst)
    assert status in (400, 404) and b"warehouse" not in body  # the server's own path check may answer first
    status, _, body = get(url + "/api/queries/sales/spend.json", data_team)
    assert status == 200 and [r[0] for r in json.loads(body)["rows"]] == ["brand", "spring_sale"]


def test_missing_revoked_and_expired_tokens_are_the_same_401(company_api):
    url, config, folder = company_api
    secret = token(config, "alex")
    q = url + "/api/queries/sales/paid_by_source.csv"
    assert get(q, secret)[0] == 200
    token_id = secret.split("_")[1]
    listed = cli(config, "token", "list", "--as", "alex")
    assert token_id in listed.stdout and secret not in listed.stdout
    assert cli(config, "token", "revoke", token_id).returncode == 0
    expired = token(config, "alex", "--expires-days", "0.00001")  # about a second
    time.sleep(1.5)
    answers = [get(q, s) for s in (secret, expired, "pat_00000000_guess", None)] + [get(q, secret, header=False)]
    assert [a[0] for a in answers] == [401] * 5
    assert len({a[2] for a in answers}) == 1 and all("bearer" in a[1]["www-authenticate"].lower() for a in answers)
    assert secret.encode() not in (folder / "state" / "api_tokens.sqlite").read_bytes(), "only the hash is stored"


def test_parameters_are_typed_and_bad_ones_get_a_plain_400(company_api):
    url, config, _ = company_api
    secret = token(config, "alex")
    q = url + "/api/queries/sales/paid_by_source.json"
    status, _, body = get(q + "?since=yesterday", secret)
    assert status == 400 and "date like 2026-01-31" in json.loads(body)["error"]
    status, _, body = get(q + "?sincee=2026-03-01", secret)
    assert status == 400 and "sincee" in json.loads(body)["error"] and "since" in json.loads(body)["error"]
    status, _, body = get(q + "?sources=x'%20OR%201=1--", secret)  # a value is bound, never pasted
    assert status == 200 and json.loads(body)["rows"] == []
    status, _, body = get(q + "?_size=0", secret)
    assert status == 400 and "_size" in json.loads(body)["error"]


def test_a_runaway_query_ends_at_its_time_limit(company_api):
    url, config, _ = company_api
    status, _, body = get(url + "/api/queries/sales/runaway.json", token(config, "pat"))
    assert status == 504, body
    assert "3" in json.loads(body)["error"] or "time" in json.loads(body)["error"].lower()


def test_every_call_is_audited_with_token_query_parameters_rows_and_bytes(company_api):
    url, config, folder = company_api
    from portal.audit import AuditFilter, AuditLog

    secret = token(config, "alex")
    token_id = secret.split("_")[1]
    status, _, body = get(url + "/api/queries/sales/paid_by_source.csv?since=2026-03-05", secret)
    assert status == 200
    get(url + "/api/queries/sales/work_in_progress.csv", secret)
    get(url + "/api/queries/sales/paid_by_source.csv", "pat_nobody_x")
    rows = AuditLog(folder / "state").query(AuditFilter(kind="api", limit=100))
    mine = [r for r in rows if token_id in (r["object"] or "")]
    ok = next(r for r in mine if r["status"] == "ok")
    assert ok["user"] == "alex" and "sales/paid_by_source" in ok["object"]
    assert json.loads(ok["params"]) == {"since": "2026-03-05"} and ok["rows"] == 3 and ok["bytes"] == len(body)
    assert any(r["status"] == "refused" and "work_in_progress" in r["object"] for r in mine)
    assert any(r["user"] == "anonymous" and r["status"] == "refused" for r in rows)
    statements = AuditLog(folder / "state").query(AuditFilter(kind="statement", user="alex", limit=100))
    assert any(r["origin"] == f"api token {token_id}" and "list_contains" in r["sql"] for r in statements)
    assert all(secret not in json.dumps(r) for r in rows + statements), "a token never reaches the trail"


def test_each_token_is_rate_limited(company_api):
    url, config, _ = company_api
    secret, other = token(config, "alex"), token(config, "alex")
    q = url + "/api/metrics/paid_eur.json?from=2026-03-01&to=2026-03-07"
    statuses = [get(q, secret)[0] for _ in range(27)]
    assert statuses[:25] == [200] * 25 and statuses[25:] == [429, 429]
    status, headers, body = get(q, secret)
    assert status == 429 and int(headers["retry-after"]) >= 1 and "25 a minute" in json.loads(body)["error"]
    assert get(q, other)[0] == 200, "another token has its own count"


def test_a_metric_by_week_equals_the_sum_of_its_days(company_api):
    url, config, folder = company_api
    status, _, body = get(
        url + "/api/metrics/paid_eur.json?from=2026-03-02&to=2026-03-29&grain=week&_shape=objects",
        token(config, "alex"),
    )
    assert status == 200, body
    answer = json.loads(body)
    con = duckdb.connect(str(folder / "company.duckdb"), read_only=True)
    expected = con.execute(
        "SELECT date_trunc('week', CAST(paid_at AS DATE)) AS w, sum(amount_eur) FROM main.purchases "
        "WHERE state = 'paid' AND CAST(paid_at AS DATE) BETWEEN DATE '2026-03-02' AND DATE '2026-03-29' "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()
    con.close()
    assert [(r["period"], r["value"], r["days"]) for r in answer["rows"]] == [
        (w.date().isoformat() if hasattr(w, "date") else w.isoformat(), float(v), 7) for w, v in expected
    ]
    assert answer["unit"] == "usd" and answer["grain"] == "week" and answer["data_through"]


def test_importdata_gets_the_curated_supply_query_as_csv(app_server, demo_db):
    """A spreadsheet's IMPORTDATA is a plain GET: no header, the token in the URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update({"PORTAL_DB": str(demo_db), "PORTAL_STATE_DIR": str(app_server.state_dir)})
    done = subprocess.run(
        [sys.executable, "-m", "portal", "token", "create", "--as", "sam", "--label", "supply sheet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    url = f"{app_server}/api/queries/supply/late_deliveries_by_vendor.csv?token={done.stdout.strip()}"
    with urllib.request.urlopen(url, timeout=60) as r:
        assert r.status == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(r.read().decode())))
    assert rows[0] == ["vendor", "shipments", "late_share", "mean_delivery_days"]
    con = duckdb.connect(str(demo_db), read_only=True)
    expected = con.execute(
        "SELECT v.name, count(*), round(avg(CAST(s.is_late AS INTEGER)), 3) FROM analytics.shipments s "
        "JOIN analytics.vendors v USING (vendor_id) WHERE s.delivered_at IS NOT NULL GROUP BY 1 "
        "HAVING count(*) >= 100 ORDER BY 3 DESC, 1"
    ).fetchall()
    con.close()
    got = sorted(((r[0], int(r[1]), float(r[2])) for r in rows[1:]), key=lambda r: (-r[2], r[0]))
    assert got == [(n, c, float(s)) for n, c, s in expected] and len(got) >= 3


def test_a_number_parameter_must_be_finite(company_api):
    """Security review #3 (low): 1e400 came back as bare Infinity (invalid JSON), 1e300 as a 500."""
    url, config, _ = company_api
    secret = token(config, "alex")
    status, _, body = get(f"{url}/api/queries/sales/big_buyers.json?min_amount=1e300", secret)
    assert status == 200 and json.loads(body)["rows"] == [[0]]  # huge but finite: an answer, not a 500
    for value in ("1e400", "inf", "nan"):
        status, _, body = get(f"{url}/api/queries/sales/big_buyers.json?min_amount={value}", secret)
        assert status == 400 and b"Infinity" not in body and "number" in json.loads(body)["error"], (value, body)
    from portal.workbench.params import Param, ParamError, coerce

    with pytest.raises(ParamError, match="must be a number"):
        coerce(Param("n", "number"), "1e400")
    assert coerce(Param("n", "number"), "1e300") == 1e300  # a huge but finite number stays a float
