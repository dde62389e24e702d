"""The weekly digest: a team's KPIs and charts as one self-contained HTML e-mail (charts inlined as
PNG data, no external links or images to load), optionally sent over SMTP."""

from __future__ import annotations

import base64
import html
import smtplib
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert as vlc

from portal.library import QueryStore, run_saved
from portal.reporting.charts import json_spec, with_timestamps
from portal.reporting.dashboards import Dashboard, query_params_for
from portal.reporting.metrics import MetricSet, kpi
from portal.reporting.table_format import as_text
from portal.reporting.tiles import (
    kpi_view,
    metric_chart,
    metric_label,
    metric_scope,
    query_chart,
    query_scope,
    scope_caption,
)
from portal.workbench.params import find_params


def png(chart: alt.Chart) -> str:
    data = vlc.vegalite_to_png(json_spec(chart), scale=1.5)
    return "data:image/png;base64," + base64.b64encode(data).decode()


@dataclass
class DigestItems:
    """A dashboard's tiles as the mail, a snapshot and the PDF show them."""

    kpis: list = field(default_factory=list)  # KpiView
    charts: list = field(default_factory=list)  # (title, scope, alt.Chart) or (title, scope, None, table html)
    errors: list = field(default_factory=list)


def digest_items(
    session, d: Dashboard, metrics: MetricSet, store: QueryStore, start: date, end: date, filters: dict | None = None,
    annotations=(), data_through: date | None = None,
) -> DigestItems:  # fmt: skip
    """The same tiles as the dashboard, through the same helpers (kpi_view, scope_caption, charts),
    so every copy says what the page says: noise and baking included, each chart's scope under it."""
    filters = filters or {f: None for f in d.filters}
    through = data_through or end
    out = DigestItems()
    for tile in d.tiles:
        try:
            if tile.metric:
                m = metrics[tile.metric]
                if tile.type == "kpi":
                    k = kpi(session, metrics, tile.metric, start, end, filters)
                    out.kpis.append(kpi_view(tile, m, k, m.still_baking(end, through)))
                else:  # trends read better over 12 weeks than over the digest's week
                    first = end - timedelta(days=83)
                    k = kpi(session, metrics, tile.metric, first, end, filters)
                    c = metric_chart(tile, m, k, annotations, through, (first, end))
                    scope = scope_caption(first, end, filters, metric_scope(metrics, tile.metric), "Weekly,")
                    out.charts.append((metric_label(tile, m), scope, c.properties(width=520, height=220)))
                continue
            q = store.curated(tile.query)
            frame = with_timestamps(
                run_saved(
                    session,
                    q,
                    query_params_for(find_params(q.sql), start, end, filters),
                    max_rows=5000,
                    origin="digest",
                ).frame
            )
            scope = scope_caption(start, end, filters, query_scope(q))
            if tile.type == "table":
                out.charts.append(
                    (tile.title or q.title, scope, None, as_text(frame.head(15)).to_html(index=False, border=0))
                )
                continue
            out.charts.append(
                (
                    tile.title or q.title,
                    scope,
                    query_chart(tile, q, frame, annotations).properties(width=520, height=220),
                )
            )
        except Exception as err:  # a broken tile is reported, the rest still goes out
            out.errors.append(f"{tile.title or tile.metric or tile.query}: {getattr(err, 'message', str(err))}")
    return out


def build_digest(
    session,
    d: Dashboard,
    metrics: MetricSet,
    store: QueryStore,
    start: date,
    end: date,
    filters: dict | None = None,
    annotations=(),
    data_through: date | None = None,
    heading: str = "weekly digest",
) -> str:
    """One self-contained HTML page of the dashboard (charts inlined as PNG): the mail and snapshots."""
    items = digest_items(session, d, metrics, store, start, end, filters, annotations, data_through)
    esc = html.escape
    kpis = []
    for v in items.kpis:
        good = v.delta_color != "off" and (v.delta or "").startswith("+") == (v.delta_color == "normal")
        colour = "#555" if v.delta_color == "off" else ("#1b7f3b" if good else "#b42318")
        kpis.append(
            f"<td style='padding:12px 18px;border:1px solid #e3e6ee'><div style='color:#555;font-size:13px'>"
            f"{esc(v.label)}</div><div style='font-size:24px;font-weight:600'>"
            f"{esc(v.value)}</div><div style='color:{colour};font-size:13px'>"
            f"{esc(v.delta or '')} {esc(v.delta_description or '')}</div></td>"
        )
    parts = [
        "<html><body style='font-family:Helvetica,Arial,sans-serif;color:#1f2430'>",
        f"<h1 style='font-size:22px'>{esc(d.title)}: {esc(heading)}</h1>",
        f"<p style='color:#555'>{esc(str(start))} to {esc(str(end))}. {esc(d.description)}</p>",
    ]
    if kpis:
        parts.append("<table style='border-collapse:collapse'><tr>" + "".join(kpis) + "</tr></table>")
    for item in items.charts:
        parts.append(f"<h2 style='font-size:16px;margin-top:24px'>{esc(item[0])}</h2>")
        parts.append(f"<p style='color:#555;font-size:12px;margin:0 0 6px'>{esc(item[1])}</p>")
        parts.append(
            f"<img alt='{esc(item[0])}' src='{png(item[2])}' style='max-width:100%'>"
            if item[2] is not None
            else item[3]
        )
    for e in items.errors:
        parts.append(f"<p style='color:#b42318'>Could not compute {esc(e)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def png_bytes(items: DigestItems, position: int) -> bytes:
    """The dashboard's `position`-th chart (in page order, tables skipped) as a PNG file."""
    charts = [chart for _t, _scope, chart, *_ in items.charts if chart is not None]
    if not 0 <= position < len(charts):
        raise ValueError("That chart could not be drawn (its tile shows why on the page).")
    return vlc.vegalite_to_png(json_spec(charts[position]), scale=2)


def dashboard_pdf(items: DigestItems, title: str, period: str) -> bytes:
    """The dashboard as one PDF page: its KPIs as a line of text each, then every chart with its scope
    (tables are left to the snapshot and the page)."""
    lines = [f"{v.label}: {v.value} {v.delta or ''} {v.delta_description or ''}".strip() for v in items.kpis]
    head = (
        alt.Chart(pd.DataFrame({"line": lines or [""], "y": range(len(lines) or 1)}))
        .mark_text(align="left", fontSize=13)
        .encode(text="line:N", y=alt.Y("y:O", axis=None))
        .properties(width=520, height=22 * max(len(lines), 1))
    )
    charts = [
        c.properties(title=alt.TitleParams(t, subtitle=scope)) for t, scope, c, *_ in items.charts if c is not None
    ]
    spec = alt.vconcat(head, *charts).properties(title=alt.TitleParams(title, subtitle=period, fontSize=18))
    return vlc.vegalite_to_pdf(json_spec(spec))


def smtp_settings(secrets_path: Path, extra: dict) -> dict | None:
    """[smtp] from the secrets file (or portal.toml): host, port, from, to, optional user/password/starttls."""
    data = {}
    if secrets_path.exists():
        data = tomllib.loads(secrets_path.read_text(encoding="utf-8")).get("smtp", {})
    return data or extra.get("smtp") or None


def send_digest(html_body: str, subject: str, cfg: dict, to=None, text: str = "") -> None:
    """Send one HTML mail through [smtp]: to `to` (an alert's recipients), else [smtp] to."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = cfg["from"]
    to = to or cfg["to"]
    to = list(to) if isinstance(to, list | tuple) else [to]
    msg["To"] = ", ".join(to)
    msg.set_content(text or "This digest is HTML; open it in a mail client that shows HTML.")
    msg.add_alternative(html_body, subtype="html")
    with smtplib.SMTP(cfg.get("host", "localhost"), int(cfg.get("port", 25)), timeout=30) as s:
        if cfg.get("starttls"):
            s.starttls()
        if cfg.get("user"):
            s.login(cfg["user"], cfg.get("password", ""))
        s.send_message(msg)
