"""Snapshots (issue #33): a team dashboard's answer as a static page behind a link that works for
someone without an account: signed (a random secret of which only the hash is kept), expiring and
revocable. The page is computed on the PII-free twin by a system principal and stored as a file; the
viewer runs no SQL. Creating, viewing and revoking are audited."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from portal.state import open_state

MAX_DAYS = 90
_COLS = "id, owner, kind, target, title, created, expires, revoked"


class SnapshotError(ValueError):
    """A snapshot that cannot be made; the message says why."""


@dataclass(frozen=True)
class Snapshot:
    id: str
    owner: str
    kind: str
    target: str
    title: str
    created: float
    expires: float
    revoked: float | None

    def team_is(self, team: str) -> bool:
        return self.kind == "dashboard" and self.target == team

    @property
    def live(self) -> bool:
        return self.revoked is None and self.expires > time.time()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Snapshots:
    def __init__(self, state, folder: Path, audit):
        self.db = open_state(state, "snapshots")
        self.folder = Path(folder) / "snapshots"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.audit = audit

    def create(self, user, kind: str, target: str, title: str, page: str, days: float) -> tuple[Snapshot, str]:
        """Store the page; returns the snapshot and the link's secret (shown once, never stored)."""
        if not 0 < days <= MAX_DAYS:
            raise SnapshotError(f"A snapshot link lasts 1 to {MAX_DAYS} days, not {days}.")
        sid, token, now = uuid.uuid4().hex, secrets.token_urlsafe(24), time.time()
        tmp = self.folder / f"{sid}.html.writing"
        tmp.write_text(page, encoding="utf-8")
        tmp.replace(self.folder / f"{sid}.html")
        with self.db.connect() as con:
            con.execute(
                f"INSERT INTO snapshots ({_COLS}, token_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, user.name, kind, target, title, now, now + days * 86400, None, _hash(token)),
            )
        self.audit.record(user, "snapshot", "dashboard page", "ok", object=f"{kind} {target} for {days:g} days ({sid})")
        return self.get(sid), token

    def get(self, sid: str) -> Snapshot | None:
        with self.db.connect() as con:
            rows = con.execute(f"SELECT {_COLS} FROM snapshots WHERE id = ?", (sid,)).fetchall()
        return Snapshot(*rows[0]) if rows else None

    def mine(self, owner: str) -> list[Snapshot]:
        with self.db.connect() as con:
            rows = con.execute(
                f"SELECT {_COLS} FROM snapshots WHERE owner = ? ORDER BY created DESC", (owner,)
            ).fetchall()
        return [Snapshot(*r) for r in rows]

    def page(self, token: str) -> tuple[Snapshot | None, str | None]:
        """(snapshot, its page) for a live link; (snapshot, None) for an expired or revoked one;
        (None, None) for a link that is not one."""
        with self.db.connect() as con:
            rows = con.execute(f"SELECT {_COLS} FROM snapshots WHERE token_hash = ?", (_hash(token or ""),)).fetchall()
        if not rows:
            return None, None
        snap = Snapshot(*rows[0])
        if not snap.live:
            return snap, None
        from portal.identity import system_principal

        self.audit.record(
            system_principal("snapshot link", False), "snapshot", "snapshot link", "ok", object=f"viewed {snap.id}"
        )
        try:
            return snap, (self.folder / f"{snap.id}.html").read_text(encoding="utf-8")
        except FileNotFoundError:
            return snap, None

    def revoke(self, user, sid: str) -> bool:
        with self.db.connect() as con:
            found = con.execute(
                "SELECT id FROM snapshots WHERE id = ? AND owner = ? AND revoked IS NULL", (sid, user.name)
            ).fetchall()
            con.execute(
                "UPDATE snapshots SET revoked = ? WHERE id = ? AND owner = ? AND revoked IS NULL",
                (time.time(), sid, user.name),
            )
        if found:
            (self.folder / f"{sid}.html").unlink(missing_ok=True)
            self.audit.record(user, "snapshot", "dashboard page", "ok", object=f"revoked {sid}")
        return bool(found)


def dashboard_snapshot(settings, team: str, audit, denied: tuple[str, ...]) -> tuple[str, str]:
    """(title, page) of a team dashboard for its opening dates, computed on the PII-free twin by a
    system principal held to the creator's denied schemas (a link never shows more than its maker
    may see, and never personal data)."""
    from datetime import date

    from portal.identity import system_principal
    from portal.library import QueryStore
    from portal.product.baking import baking_windows
    from portal.reporting.annotations import annotations_path, load_annotations
    from portal.reporting.dashboards import DashboardStore, opening_range, settled_through
    from portal.reporting.digest import build_digest
    from portal.reporting.metrics import load_metrics, metrics_path, settle
    from portal.warehouse.connect import open_warehouse

    wh = open_warehouse(settings, pii=False)
    try:
        session = wh.session(system_principal("snapshot", False), audit, denied)
        through = date.fromisoformat((session.catalog().data_through or date.today().isoformat())[:10])
        metrics = settle(load_metrics(metrics_path(settings), settings.model), baking_windows(session, through))
        d = DashboardStore(settings.dashboards_dir).load(team, metrics)
        settled, _ = settled_through([metrics[t.metric] for t in d.tiles if t.metric in metrics.metrics], through)
        start, end = opening_range(settled)
        changes = load_annotations(annotations_path(settings), set(metrics.metrics))
        stamp = time.strftime("%Y-%m-%d %H:%M")
        page = build_digest(
            session, d, metrics, QueryStore(settings.queries_dir, settings.state_dir), start, end,
            annotations=changes, data_through=through, heading=f"snapshot of {stamp} (data through {through})",
        )  # fmt: skip
        return d.title, page
    finally:
        wh.close()


def query_snapshot(settings, query, values: dict, audit, denied: tuple[str, ...]) -> tuple[str, str]:
    """(title, page) of a saved query's answer with these values, computed on the PII-free twin by a
    system principal held to the creator's schemas: its table (text, escaped) and its saved chart."""
    import html

    from portal.identity import system_principal
    from portal.library import run_saved
    from portal.reporting.charts import chart
    from portal.reporting.digest import png
    from portal.reporting.table_format import as_text
    from portal.warehouse.connect import open_warehouse

    wh = open_warehouse(settings, pii=False)
    try:
        session = wh.session(system_principal("snapshot", False), audit, denied)
        res = run_saved(session, query, values, max_rows=1000, origin="snapshot")
    finally:
        wh.close()
    esc = html.escape
    picture = ""
    if query.chart:
        try:
            c = chart(res.frame, query.chart.kind, query.chart.x, query.chart.y, query.chart.color)
            picture = f"<img alt='{esc(query.title)}' src='{png(c.properties(width=640, height=280))}' style='max-width:100%'>"
        except ValueError:
            picture = ""
    given = ", ".join(f"{k} = {v}" for k, v in sorted(values.items())) or "its defaults"
    page = (
        "<html><body style='font-family:Helvetica,Arial,sans-serif;color:#1f2430'>"
        f"<h1 style='font-size:22px'>{esc(query.title)}: snapshot of {esc(time.strftime('%Y-%m-%d %H:%M'))}</h1>"
        f"<p style='color:#555'>{esc(query.description)}</p><p style='color:#555;font-size:12px'>With {esc(given)}; "
        f"{res.row_count:,} rows{' (the first 1,000)' if res.truncated else ''}.</p>{picture}"
        f"{as_text(res.frame).to_html(index=False, border=0)}</body></html>"
    )
    return query.title, page
