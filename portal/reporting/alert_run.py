"""One pass of `python -m portal alerts run`: check every due alert, mail the ones that start to
fire (with a small chart and a link to their dashboard), and record each check in the alert log
and the audit trail. A failed mail is recorded and tried again on the next pass."""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from datetime import date, timedelta

from portal.reporting.alert_log import AlertLog
from portal.reporting.alerts import Alert, Evaluation, decide, evaluate, is_due
from portal.reporting.metrics import Kpi, MetricSet, kpi


@dataclass(frozen=True)
class Outcome:
    alert: str
    action: str  # fire | resolve | stay | not due | failed
    words: str


def alert_mail(alert: Alert, ev: Evaluation, chart_png: str | None, link: str) -> str:
    """The alert as a self-contained HTML mail: what moved, by how much, against what, the chart,
    and where to look. Every text from a file or the data is escaped."""
    esc = html.escape
    parts = [
        "<html><body style='font-family:Helvetica,Arial,sans-serif;color:#1f2430'>",
        f"<h1 style='font-size:20px'>Alert: {esc(alert.name)}</h1>",
        f"<p style='font-size:15px'>{esc(ev.words)}</p>",
        f"<p style='color:#555;font-size:13px'>Rule: {esc(alert.metric)} {esc(alert.rule())}."
        + (f" {esc(alert.description)}" if alert.description else "")
        + "</p>",
    ]
    if ev.baking_excluded:
        parts.append(
            f"<p style='color:#555;font-size:13px'>The last {ev.baking_excluded} days are still baking "
            "(not final yet) and were not judged.</p>"
        )
    if chart_png:
        parts.append(f"<img alt='{esc(alert.metric)} by week' src='{chart_png}' style='max-width:100%'>")
    if link:
        parts.append(f"<p><a href='{esc(link, quote=True)}'>Open the dashboard</a></p>")
    parts.append("<p style='color:#888;font-size:12px'>Sent once per change by the analytics portal's alerts.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def subject(alert: Alert, ev: Evaluation) -> str:
    change = f" {ev.change:+.1%}" if ev.change is not None else ""
    return f"[Alert] {alert.name}: {alert.metric}{change} ({ev.start} to {ev.end})"


def _chart(session, metrics: MetricSet, alert: Alert, ev: Evaluation, k: Kpi) -> str | None:
    """Twelve weeks of the metric as a PNG data URL (None when it cannot be drawn)."""
    from portal.reporting.dashboards import Tile
    from portal.reporting.digest import png
    from portal.reporting.tiles import metric_chart

    try:
        first = ev.end - timedelta(days=83)
        weekly = kpi(session, metrics, alert.metric, first, ev.end, dict(alert.filters))
        c = metric_chart(Tile("chart", metric=alert.metric), metrics[alert.metric], weekly)
        return png(c.properties(width=480, height=180))
    except Exception:  # a chart is a courtesy: the alert still goes out without it
        return None


def run_alerts(
    session,
    metrics: MetricSet,
    alerts: dict[str, Alert],
    log: AlertLog,
    data_through: date,
    send,
    *,
    site_url: str = "",
    force: bool = False,
    now: float | None = None,
) -> list[Outcome]:
    """Check each due alert (all with `force`). `send(html, subject, to, text)` delivers one mail."""
    now = time.time() if now is None else now
    out = []
    for alert in alerts.values():
        firing, last = log.state(alert.name)
        if not force and not is_due(alert, last, now):
            out.append(Outcome(alert.name, "not due", f"checked {int(now - last)} s ago ({alert.every})"))
            continue
        try:
            ev, k = evaluate(session, metrics, alert, data_through)
        except Exception as err:  # one broken alert never stops the others
            message = getattr(err, "message", str(err))
            session.audit.record(session.user, "alert", f"alert {alert.name}", "failed", detail=message)
            out.append(Outcome(alert.name, "failed", message))
            continue
        action = decide(ev.holds, firing)
        sent_to, error = "", ""
        if action == "fire":
            link = f"{site_url.rstrip('/')}/team-{alert.dashboard}" if site_url and alert.dashboard else ""
            try:
                body = alert_mail(alert, ev, _chart(session, metrics, alert, ev, k), link)
                send(body, subject(alert, ev), alert.to, ev.words + (f"\n{link}" if link else ""))
                sent_to = ", ".join(alert.to)
            except OSError as err:
                error = f"could not send: {err}"
        log.record(ev, action, sent_to, error, at=now)
        session.audit.record(
            session.user,
            "alert",
            f"alert {alert.name}",
            "failed" if error else ("sent" if sent_to else "ok"),
            object=alert.metric,
            params={"start": ev.start, "end": ev.end, **alert.filters},
            detail=(
                f"{action}: {ev.words}" + (f" Sent to {sent_to}." if sent_to else "") + (f" {error}" if error else "")
            ),
        )
        out.append(Outcome(alert.name, "failed" if error else action, ev.words + (f" ({error})" if error else "")))
    return out
