"""The Subscribe control of a team dashboard: anyone subscribes to its digest, daily or weekly, and
unsubscribes here or from any mail (`portal.reporting.subscriptions`)."""

from __future__ import annotations

import streamlit as st

from portal.reporting.dashboards import DashboardStore
from portal.reporting.subscriptions import EVERY, SubscriptionError, Subscriptions
from ui.resources import audit_log, settings
from ui.text import caption_text, error_text, success_text


@st.cache_resource
def subscriptions() -> Subscriptions:
    return Subscriptions(settings().state, audit_log())


def subscribe_box(container, team: str, user) -> None:
    mine = next((s for s in subscriptions().mine(user.name) if s.team == team), None)
    box = container.popover(
        "Subscribed" if mine else "Subscribe", icon=":material/mail:", key="dash_sub_box", on_change="rerun"
    )
    if not box.open:  # built when opened, like Share
        return
    with box:
        if mine:
            caption_text(f"You get this dashboard {mine.every} at {mine.email}. Every mail has an unsubscribe link.")
            if st.button("Unsubscribe", key="dash_unsub"):
                subscriptions().unsubscribe(user, team)
                st.rerun()
        email = st.text_input(
            "E-mail", value=mine.email if mine else "", key="dash_sub_email", placeholder="you@company.com"
        )
        every = st.segmented_control(
            "How often", list(EVERY), default=mine.every if mine else "weekly", key="dash_sub_every"
        )
        if st.button("Save subscription" if mine else "Subscribe", key="dash_sub_go", type="primary"):
            try:
                sub = subscriptions().subscribe(
                    user, email, team, every or "weekly", DashboardStore(settings().dashboards_dir).teams()
                )
                success_text(f"Subscribed: {sub.team} {sub.every} to {sub.email}.")
            except SubscriptionError as err:
                error_text(err)
