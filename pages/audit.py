"""Audit trail (data team): who ran what, downloaded what, saved or curated what, and who signed in."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import streamlit as st

from portal.audit import KINDS, AuditFilter, export_rows
from portal.csv_out import rows_csv
from ui.resources import audit_log
from ui.sign_in import current_user

st.title("Audit trail")
if not current_user().is_data_team:
    st.error("The audit trail is for the data team.", icon=":material/block:")
    st.stop()
st.caption(
    "Every statement, download, save, curation change, refused action and sign-in, newest first. "
    "Append-only: nobody can edit or delete a row. Also: `python -m portal audit`."
)
c1, c2, c3, c4, c5 = st.columns(5)
who = c1.text_input("User", key="au_user", placeholder="e.g. ana@example.com")
table = c2.text_input("Table (in the SQL)", key="au_table", placeholder="e.g. raw.users")
kind = c3.selectbox("Kind", ["", *KINDS], key="au_kind", format_func=lambda k: k or "any")
today = datetime.now().date()
since = c4.date_input("From", today - timedelta(days=7), key="au_from")
until = c5.date_input("To", today, key="au_to")
rows = audit_log().query(
    AuditFilter(
        who.strip().lower(),
        table.strip(),
        kind,
        datetime.combine(since, time.min).timestamp(),
        datetime.combine(until + timedelta(days=1), time.min).timestamp(),
        limit=5000,
    )
)
st.caption(f"{len(rows):,} rows" + (" (the newest 5,000)" if len(rows) == 5000 else ""))
st.dataframe(
    [{**r, "at": datetime.fromtimestamp(r["at"]).isoformat(sep=" ", timespec="seconds")} for r in rows],
    hide_index=True,
    key="au_rows",
    column_config={"sql": st.column_config.TextColumn(width="large"), "id": None, "params": None},
)
st.download_button(
    "Export CSV",
    lambda: rows_csv(*export_rows(rows)),
    file_name="audit.csv",
    mime="text/csv",
    key="au_csv",
    on_click="ignore",
)
