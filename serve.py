"""Start the portal: `python serve.py [streamlit options]` is `streamlit run asgi.py [options]` (the app and its API) with
Streamlit's legacy `pages/` lookup switched off before the first visitor arrives.

Why: the router (`st.navigation` in app.py) owns every page, but Streamlit decides on the first
session whether to look pages up in the `pages/` folder. A deep link as the very first request
(`/team-executive`) then got a "Page not found" dialog over the right page and a list of raw file
names in the sidebar. Switching the lookup off here, in the server process, removes both.
"""

import sys

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

if __name__ == "__main__":
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", "asgi.py", *sys.argv[1:]]
    sys.exit(cli.main())
