"""The portal as one ASGI application: the Streamlit app (app.py) plus the read-only CSV/JSON API
(portal/api) on the same server and port. `python serve.py` runs it."""

import streamlit as st

from portal.api.routes import routes

app = st.App("app.py", routes=routes())
