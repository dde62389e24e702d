"""Shared fixtures: one small demo warehouse per test run, app environment, a live server and a browser.

The warehouse is built once per session at a small scale (same generator, same stories, fewer rows) so
the whole suite stays within minutes. Tests that need the default-size numbers live in bench/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("PORTAL_TEST_SLEEP", "1")  # worker processes offer test_sleep(seconds) to the tests
TEST_SCALE = float(os.environ.get("PORTAL_TEST_SCALE", "0.1"))
CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """Path of a small demo warehouse (its PII-free twin sits beside it)."""
    from portal.demo import build_demo

    out = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    build_demo(out, scale=TEST_SCALE, seed=7)
    return out


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory):
    """A real local Spark Connect cluster (two executor JVMs, loopback only), started once per run
    for every test that needs one, on a free port."""
    pytest.importorskip("pyspark", reason="pyspark is in requirements-dev.txt")
    from portal.warehouse.spark.cluster import Cluster

    c = Cluster(tmp_path_factory.mktemp("spark"), port=free_port())
    c.start()
    yield c
    c.stop()


@pytest.fixture(scope="session")
def spark_loaded(spark_cluster, demo_db, tmp_path_factory) -> dict[str, int]:
    """The small demo warehouse (and its twin) loaded into the cluster; each table's row count.
    Loaded from copies: the tests' own connection to the warehouse file is already open."""
    from portal.warehouse.spark.load import load_demo

    folder = tmp_path_factory.mktemp("copies")
    main, twin = folder / "w.duckdb", folder / "w.public.duckdb"
    shutil.copy(demo_db, main)
    shutil.copy(demo_db.with_name("warehouse.public.duckdb"), twin)
    return load_demo(spark_cluster.session(), main, twin, spark_cluster.storage)


_TEST_AUDIT = None


def audit_for_tests():
    """One audit log for the tests' own sessions (every session has one; issue #21)."""
    global _TEST_AUDIT
    if _TEST_AUDIT is None:
        import tempfile

        from portal.audit import AuditLog

        _TEST_AUDIT = AuditLog(Path(tempfile.mkdtemp(prefix="portal-test-audit-")))
    return _TEST_AUDIT


def session_for(warehouse, user=None, denied: tuple[str, ...] = ()):
    """A session for a test: the named person `session_for` (analyst, data team, PII) unless `user` is
    given, audited, with `denied` schemas refused."""
    from portal.identity import User

    who = user or User("session_for", frozenset({"analyst", "data_team", "pii"}), verified=True)
    return warehouse.session(who, audit_for_tests(), denied)


def rss_mb() -> float:
    """This process's resident memory: what an attack must not make the app grow."""
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def spark_warehouse(cluster, limits, public: bool = False):
    from portal.demo.build import demo_model
    from portal.warehouse.spark.engine import SparkWarehouse

    return SparkWarehouse(cluster.url, limits, public=public, model=demo_model())


@pytest.fixture(scope="session")
def test_settings(demo_db, tmp_path_factory):
    """Settings pointing at the small warehouse and a throwaway state folder."""
    from dataclasses import replace

    from portal.config import load_settings

    return replace(load_settings(), warehouse_path=demo_db, state_dir=tmp_path_factory.mktemp("state"))


@pytest.fixture(scope="session")
def warehouse(test_settings):
    """The hardened full warehouse (PII included) shared by engine-level tests."""
    from portal.warehouse.engine import Warehouse

    wh = Warehouse(test_settings.warehouse_path, test_settings.limits, test_settings.model)
    yield wh
    wh.close()


def private_warehouse(demo_db, folder: Path, limits):
    """A copy of the small warehouse opened with its own limits (DuckDB settings are per database
    instance, so tests that shorten the time limit need their own file)."""
    from portal.warehouse.engine import Warehouse

    path = folder / "warehouse.duckdb"
    shutil.copy(demo_db, path)
    from portal.demo.build import demo_model

    return Warehouse(path, limits, demo_model())


@pytest.fixture
def db(warehouse):
    """A cursor on the small warehouse for direct SQL in tests. Always go through this (or the
    `warehouse` fixtures): DuckDB refuses a second in-process connection with another configuration."""
    cur = warehouse._cursor()
    yield cur
    cur.close()


@pytest.fixture(scope="session")
def public_warehouse(test_settings):
    from portal.warehouse.engine import Warehouse

    wh = Warehouse(
        test_settings.public_warehouse_path,
        test_settings.limits,
        test_settings.model,
        source=test_settings.warehouse_path,
    )
    yield wh
    wh.close()


@pytest.fixture
def portal_env(demo_db, tmp_path, monkeypatch) -> dict[str, str]:
    """Environment for AppTest / subprocesses: small warehouse, fresh state, copies of queries and dashboards."""
    env = {
        "PORTAL_DB": str(demo_db),
        "PORTAL_STATE_DIR": str(tmp_path / "state"),
    }
    for name in ("queries", "dashboards"):
        src = ROOT / name
        dst = tmp_path / name
        if src.exists():
            shutil.copytree(src, dst)
        else:
            dst.mkdir()
        env[f"PORTAL_{name.upper()}_DIR"] = str(dst)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    _clear_streamlit_caches()
    return env


def _clear_streamlit_caches() -> None:
    """AppTest shares the process with other tests: drop cached settings/connections between tests."""
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerURL(str):
    """The server's base URL, carrying the folders it reads (tests that plant files need them)."""

    queries_dir: Path
    state_dir: Path
    port: int
    pid: int


@contextmanager
def streamlit_server(
    demo_db, folder: Path, extra_args: tuple[str, ...] = (), port: int | None = None, config: Path | None = None
):
    """`streamlit run app.py` on a free loopback port against the small warehouse, with its own copies
    of queries/ and dashboards/ and its own state folder; yields the base URL. With `config`, the
    server reads only that portal.toml (a company's configuration) instead."""
    env = dict(os.environ)
    if config is not None:
        env["PORTAL_CONFIG"] = str(config)
    else:
        env.update({"PORTAL_DB": str(demo_db), "PORTAL_STATE_DIR": str(folder / "state")})
        for name in ("queries", "dashboards"):
            dst = folder / name
            shutil.copytree(ROOT / name, dst)
            env[f"PORTAL_{name.upper()}_DIR"] = str(dst)
    port = port or free_port()
    log = open(folder / "server.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "serve.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            *extra_args,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = ServerURL(f"http://127.0.0.1:{port}")
    url.queries_dir, url.state_dir, url.port, url.pid = folder / "queries", folder / "state", port, proc.pid
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("streamlit did not start:\n" + (folder / "server.log").read_text())
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def app_server(demo_db, tmp_path_factory):
    """The portal in demo mode (no sign-in configured)."""
    with streamlit_server(demo_db, tmp_path_factory.mktemp("server")) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, through Playwright (no browser download needed)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab (1400x900) that fails the test on uncaught page errors."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.page_errors = errors
    external: list[str] = []  # the portal must work offline: nothing may be fetched from elsewhere
    pg.on(
        "request",
        lambda r: (
            external.append(r.url)
            if r.url.startswith(("http:", "https:", "ws:", "wss:"))
            and "//127.0.0.1" not in r.url
            and "//localhost" not in r.url
            else None
        ),
    )
    pg.external_requests = external
    yield pg
    ctx.close()


def wait_for_app(pg, timeout_ms: int = 30_000) -> None:
    """Wait until Streamlit has finished running the script (no 'Running...' status)."""
    pg.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    pg.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout_ms,
    )
    pg.wait_for_timeout(300)


def open_editor(pg, base: str, timeout_ms: int = 30_000):
    """The workbench at `base`, its editor focused with everything selected (typing replaces it);
    returns the editor's frame."""
    pg.goto(base + "/workbench")
    wait_for_app(pg, timeout_ms)
    frame = pg.frame_locator('iframe[title*="sql_editor"]')
    editor = frame.locator(".ace_editor")
    editor.wait_for(timeout=30_000)
    editor.click()
    pg.keyboard.press("Control+a")
    return frame


def shown(element) -> str:
    """What a person reads in an alert or caption: the Markdown source minus the escapes (and the
    invisible word joiners that stop autolinks) that ui.text adds so user and database text is
    never interpreted."""
    import re

    return re.sub(r"\\(.)", r"\1", element.value).replace("  \n", "\n").replace("\u2060", "")


def run_page(path: str, query: dict | None = None, user: str | None = None, state: dict | None = None):
    """One page through the real router in AppTest (with URL parameters, a demo persona and session
    state set first); fails on any exception the page raised."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if user:
        at.session_state["app_user"] = user
    for k, v in (state or {}).items():
        at.session_state[k] = v
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page(path)
    at.run()
    assert not at.exception, at.exception
    return at


class PostgresServer:
    """A PostgreSQL server from Debian's package, on a Unix socket in a temporary folder (no TCP)."""

    def __init__(self, folder: Path):
        import glob

        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            raise RuntimeError("PostgreSQL is not installed: ./test.sh installs Debian's postgresql package.")
        self.bin = Path(bins[-1]).parent
        self.folder = folder
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(folder, "postgres")
        subprocess.run(
            [*self.as_user, str(self.bin / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "portal"],
            check=True,
            capture_output=True,
        )
        self.opts = f"-k {folder} -c listen_addresses='' -F -c max_connections=200"
        self._ctl("start")

    def _ctl(self, action: str, *extra: str) -> None:
        data, log = str(self.folder / "data"), str(self.folder / "log")
        subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", data, "-o", self.opts, "-l", log, "-w", *extra, action],
            check=True,
            capture_output=True,
        )

    def restart(self) -> None:
        """Stop at once (every client connection dropped) and start again, as after a crash."""
        self._ctl("restart", "-m", "immediate")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://portal@/{database}?host={self.folder}"

    def new_database(self) -> str:
        """A fresh, empty database: one per test, so tests never see each other's rows."""
        import uuid

        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"],
            capture_output=True,
        )


@pytest.fixture(scope="session")
def postgres():
    import tempfile

    folder = Path(
        tempfile.mkdtemp(prefix="portal-pg-")
    )  # not under pytest's root-only folder: the server's user reads it
    server = PostgresServer(folder)
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgres"])
def state(request, tmp_path):
    """App state on each backend: a state folder (SQLite) or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "state"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def smtp():
    """A local SMTP server (aiosmtpd) on a free loopback port: (port, the envelopes it received)."""
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    port = free_port()
    ctl = Controller(Handler(), hostname="127.0.0.1", port=port)
    ctl.start()
    yield port, received
    ctl.stop()


@contextmanager
def app_reading(config: Path, monkeypatch):
    """The app (AppTest pages, their caches) reads only the company configuration `config` inside."""
    import streamlit as st

    for k in [k for k in os.environ if k.startswith("PORTAL_") and k != "PORTAL_TEST_SLEEP"]:
        monkeypatch.delenv(k)
    monkeypatch.setenv("PORTAL_CONFIG", str(config))
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        yield
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()


def pytest_collection_modifyitems(config, items):
    """Lanes by what a test needs, so nobody has to remember a mark: `browser` (Playwright and
    chromium), `spark` (the local Spark Connect cluster), `slow` (benchmarks in --smoke mode, the
    replica pair). The quick lane: `./test.sh -m "not browser and not spark and not slow"`."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & {"page", "browser"}:
            item.add_marker(pytest.mark.browser)
        if (
            names & {"spark_cluster", "spark_loaded"}
            or "[spark" in item.nodeid
            or item.nodeid.startswith("tests/test_spark.py")
        ):
            item.add_marker(pytest.mark.spark)
        if item.nodeid.startswith(("tests/test_bench_smoke.py", "tests/test_replicas.py")):
            item.add_marker(pytest.mark.slow)
