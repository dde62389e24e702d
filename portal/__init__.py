"""Logic of the self-serve analytics portal: pure Python, never imports streamlit.

Pages in `pages/` lay out widgets and call into this package; the same functions back the
`python -m portal` command line, so everything the app does can be scripted and unit-tested.
"""
