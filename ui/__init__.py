"""Streamlit glue shared by the pages: cached resources and per-session state.

Only this package and the page scripts import streamlit; the logic lives in `portal/`.
"""
