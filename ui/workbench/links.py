"""Opening a link in the workbench: ?q=team/name&p_x=… (a saved query with parameter values) or
?sql=… (shared unsaved SQL). Nothing runs by itself: the SQL then goes through the same lint,
guard and engine as typed SQL."""

from __future__ import annotations

import streamlit as st

from portal.library import HeaderError, SaveRefused, decode_sql
from portal.library.share import ShareError, params_from_url
from portal.workbench.params import ParamError
from ui.params_widgets import widget_key, widget_value
from ui.resources import query_store
from ui.text import error_text


def open_link(set_sql) -> None:
    S = st.session_state
    link = (st.query_params.get("q"), st.query_params.get("sql"))
    if not any(link) or S.get("wb_link_seen") == link:
        return
    S.wb_link_seen = link
    try:
        if link[0]:
            opened = query_store().get(link[0])
            S.wb_opened_query = opened
            set_sql(opened.sql)
            url_values = params_from_url(dict(st.query_params))
            for p in opened.params:
                value = url_values.get(p.name, p.default)
                if value is not None:
                    S[f"wb_ptype_{p.name}"] = p.type
                    S[widget_key(p.name, p.type)] = widget_value(p, value)
        else:
            S.pop("wb_opened_query", None)
            set_sql(decode_sql(link[1]))
    except (KeyError, ShareError, SaveRefused, HeaderError, ParamError) as err:
        error_text(f"Could not open the link: {err}")
