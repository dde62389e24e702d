"""Start the portal: `python serve.py [streamlit options]` is `streamlit run asgi.py [options]` (the app and its API) with
Streamlit's legacy `pages/` lookup switched off before the first visitor arrives.

Why: the router (`st.navigation` in app.py) owns every page, but Streamlit decides on the first
session whether to look pages up in the `pages/` folder. A deep link as the very first request
(`/team-executive`) then got a "Page not found" dialog over the right page and a list of raw file
names in the sidebar. Switching the lookup off here, in the server process, removes both.
"""

import importlib
import sys
import threading

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

# What the pages import besides Home: loaded while the server starts, so the first visitor of a
# dashboard or a product page does not wait for SciPy and Altair to import (1.4 s of a dashboard's
# first view in a new tab was SciPy's import: bench/bench_stored_pages.py).
# The result store's modules (Parquet) likewise; the compiled passes are loaded from numba's disk
# cache here too (0.7 s of CPU that otherwise competed with the first visitor's browser).
PRELOAD = ("scipy.stats", "altair", "portal.reporting.tiles", "portal.product.funnels", "portal.product.cohorts",
           "pyarrow.parquet", "portal.results.store", "portal.results.facts")  # fmt: skip
WARM_UP = ("portal.product.kernels.funnel_scan", "portal.product.kernels.retention_scan")


def preload() -> None:
    for name in PRELOAD + WARM_UP:
        try:
            module = importlib.import_module(name)
            if name in WARM_UP:
                module.warm_up()
        except Exception as exc:  # the page that needs it will say what is wrong
            print(f"preload of {name} failed: {exc}", file=sys.stderr)


if __name__ == "__main__":
    threading.Thread(target=preload, daemon=True, name="preload").start()
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", "asgi.py", *sys.argv[1:]]
    sys.exit(cli.main())
