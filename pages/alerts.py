"""Alerts: each metric alert of alerts.toml, whether it is firing, its last check and its history."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from portal.product.stats import p_text
from portal.reporting.alert_log import AlertLog
from portal.reporting.alerts import AlertError, load_alerts
from portal.reporting.dashboards import DashboardStore
from portal.reporting.metrics import MetricError, format_value
from ui.resources import metric_definitions, settings
from ui.text import caption_text, error_text, heading_text

st.title("Alerts")
st.caption(
    "Defined in alerts.toml and reviewed like dashboards; `python -m portal alerts run` checks them from cron "
    "or a systemd timer (README, Alerts). An alert judges settled days only (never a period still baking) "
    "and mails once per change."
)
s = settings()
try:
    metrics = metric_definitions()
    alerts = load_alerts(s.alerts_path, metrics, set(DashboardStore(s.dashboards_dir).teams()))
except (AlertError, MetricError) as err:
    error_text(err)
    st.stop()
if not alerts:
    st.info("No alerts are configured: add [paths] alerts to portal.toml.", icon=":material/notifications_off:")
    st.stop()
log = AlertLog(s.state)


def when(t: float | None) -> str:
    return datetime.fromtimestamp(t).isoformat(sep=" ", timespec="minutes") if t else "never"


for a in alerts.values():
    firing, last = log.state(a.name)
    with st.container(border=True):
        heading_text(a.name, f"· {a.metric} {a.rule()}")
        st.badge("firing" if firing else "quiet", color="red" if firing else "green")
        caption_text(
            f"Checked {a.every}, last {when(last)} · to {', '.join(a.to)}"
            + (f" · dashboard {a.dashboard}" if a.dashboard else "")
            + (f" · owner {a.owner}" if a.owner else "")
        )
        if a.description:
            st.text(a.description)
        history = log.history(a.name, limit=50)
        if history:
            latest = history[0]
            st.text(latest["words"] or "")
            with st.expander(f"History ({len(history)} checks)"):
                st.dataframe(
                    [
                        {
                            "Checked": when(h["at"]),
                            "Period": f"{h['start']} to {h['end']}",
                            "Value": format_value(h["value"], metrics[a.metric].unit),
                            "Before": format_value(h["previous"], metrics[a.metric].unit),
                            "p-value": "–" if h["p_value"] is None else p_text(h["p_value"]),
                            "Holds": bool(h["holds"]),
                            "Action": h["action"],
                            "Sent to": h["sent_to"] or "",
                            "Error": h["error"] or "",
                        }
                        for h in history
                    ],
                    hide_index=True,
                    key=f"al_hist_{a.name}",
                )
