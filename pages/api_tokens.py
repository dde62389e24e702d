"""API tokens: a person's keys to the CSV/JSON API (curated queries and metrics, as themselves)."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from portal.api.tokens import TokenError, owner_key
from portal.library.share import absolute
from ui.resources import audit_log, query_store, site_base, token_store
from ui.sign_in import current_user, sign_in_mode
from ui.text import error_text

EXPIRY = {"30 days": 30, "90 days": 90, "1 year": 365, "7 days": 7, "never": None}

st.title("API tokens")
st.caption(
    "A token lets a spreadsheet or a script fetch curated saved queries and metrics as CSV or JSON, "
    "as you: with your roles, your limits, and every call in the audit trail. It is shown once; "
    "the portal keeps only its hash. Revoke it here when it is no longer needed."
)
user, store, mode = current_user(), token_store(), sign_in_mode()
base = site_base()
with st.form("tk_new", clear_on_submit=True, border=True):
    c1, c2 = st.columns([3, 1])
    label = c1.text_input("What it is for", key="tk_label", placeholder="e.g. supply-chain priorities sheet")
    expiry = c2.selectbox("Expires after", list(EXPIRY), key="tk_expiry")
    created = st.form_submit_button("Create token", type="primary", icon=":material/key:")
if created:
    try:
        token, secret = store.create(user, label, EXPIRY[expiry], mode=mode)
    except TokenError as err:
        error_text(err)
    else:
        audit_log().record(user, "command", "API tokens page", "ok", object=f"token create {token.id}")
        st.success("Copy it now: it will not be shown again.", icon=":material/key:")
        st.code(secret, language=None)
        example = absolute(base, "/api/queries/<team>/<name>.csv")
        st.caption("From a script (the header keeps the token out of server logs):")
        st.code(f'curl -H "Authorization: Bearer {secret}" "{example}"', language="bash")
        st.caption("From a spreadsheet that cannot send headers (the weaker choice: the URL carries the token):")
        st.code(f'=IMPORTDATA("{example}?token={secret}")', language=None)

tokens = store.owned_by(owner_key(user))
st.subheader("Your tokens")
if not tokens:
    st.caption("None yet.")
else:

    def when(t: float | None) -> str:
        return datetime.fromtimestamp(t).isoformat(sep=" ", timespec="minutes") if t else "–"

    st.dataframe(
        [
            {
                "Token": t.id,
                "For": t.label,
                "State": t.state(sign_in=mode),
                "Created": when(t.created),
                "Expires": when(t.expires) if t.expires else "never",
                "Last used": when(t.last_used),
            }
            for t in tokens
        ],
        hide_index=True,
        key="tk_rows",
    )
    if any(t.state(sign_in=mode) == "retired" for t in tokens):
        st.caption("Retired: made under another way of signing in (the demo's personas, say), so it no longer works.")
    active = [t.id for t in tokens if t.state(sign_in=mode) == "active"]
    if active:
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        chosen = c1.selectbox("Revoke", active, key="tk_revoke_id")
        if c2.button("Revoke token", icon=":material/block:", key="tk_revoke"):
            store.revoke(chosen, owner_key(user))
            audit_log().record(user, "command", "API tokens page", "ok", object=f"token revoke {chosen}")
            st.rerun()

st.subheader("What you can fetch")
st.caption("Curated saved queries; add parameters as ?name=value (dates as 2026-01-31, lists comma-separated).")
curated = [q for q in query_store().load_all()[0] if q.is_curated]
st.dataframe(
    [
        {
            "Query": q.title,
            "CSV": absolute(base, f"/api/queries/{q.id}.csv"),
            "Parameters": ", ".join(p.name for p in q.params) or "–",
        }
        for q in curated
    ],
    hide_index=True,
    key="tk_urls",
    column_config={"CSV": st.column_config.TextColumn(width="large")},
)
st.caption(
    "Metrics: /api/metrics/<name>.json?from=2026-01-01&to=2026-01-31&grain=day|week|month (Metric definitions lists them)."
)
