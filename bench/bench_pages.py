"""Benchmark: every page's warm rerun (a widget change on cached data), server side, at scale 1
(issue #15 target: at most 300 ms each). AppTest runs the real router (`app.py`) and page; the
first run of each page warms its caches and is reported separately.

Peer in the same run: the bare router alone (`app.py` on the Home page with no widget change), so
each page's figure can be read as "router + page".

Run: python bench/bench_pages.py [--runs 7] [--smoke]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))
from smoke import check, parser, prepare  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

# page, the widget changed on each warm rerun (key, two values to alternate)
PAGES = [
    ("pages/home.py", None),
    ("pages/workbench.py", ("wb_schema_search", ["orders", "users"])),
    ("pages/library.py", ("lib_search", ["orders", "cart"])),
    ("pages/query_check.py", ("chk_table", ["analytics.orders", "analytics.users"])),
    ("pages/funnels.py", ("fn_window", [14, 7])),
    ("pages/cohorts.py", ("co_periods", [12, 8])),
    ("pages/experiments.py", ("ex_experiment", ["onboarding_address_step", "checkout_button_color"])),
    ("pages/impact.py", ("im_days", [28, 21])),
    ("pages/metrics.py", ("m_search", ["cac", "revenue"])),
    ("pages/audit.py", ("au_kind", ["statement", "save"])),
]


def set_widget(at: AppTest, key: str, value) -> None:
    for kind in ("text_input", "selectbox", "number_input"):
        try:
            getattr(at, kind)(key=key).set_value(value)
            return
        except (KeyError, Exception):
            continue
    raise KeyError(key)


def main() -> None:
    args = parser(__doc__, 7).parse_args()
    prepare(args)
    os.chdir(ROOT)
    rows = []
    for path, widget in PAGES:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.session_state["app_user"] = "dana"  # the data team sees every page (Audit included)
        at.switch_page(path)
        t0 = time.perf_counter()
        at.run()
        first = time.perf_counter() - t0
        check(not at.exception and not at.error, f"{path} failed: {at.exception or at.error}")
        warm = []
        for i in range(args.runs):
            if widget:
                set_widget(at, widget[0], widget[1][i % 2])
            t0 = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t0)
            check(not at.exception, f"{path} failed on a rerun: {at.exception}")
        rows.append((path, first, statistics.median(warm), max(warm), widget[0] if widget else "(rerun)"))
    print("| page | first run | warm rerun median | worst | widget changed | within 300 ms |")
    print("|---|---|---|---|---|---|")
    for path, first, med, worst, key in rows:
        print(
            f"| {path} | {first * 1000:.0f} ms | {med * 1000:.0f} ms | {worst * 1000:.0f} ms | {key} | "
            f"{'yes' if med <= 0.3 else 'NO'} |"
        )


if __name__ == "__main__":
    main()
