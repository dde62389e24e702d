"""Streamlit glue shared by the pages, by job: `resources` (settings, warehouses, stores), `sign_in`
(who is asking), `sessions` (the sessions pages run on), `shared_cache` (results shared per role),
`role_facts` (what a role's data holds), `router` (deep links), and the widgets' helpers.

Only this package and the page scripts import streamlit; the logic lives in `portal/`.
"""

from ui.router import ensure_router

ensure_router()  # a page run on its own (a deep link to a fresh server) goes through app.py's router
