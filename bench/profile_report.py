"""Where a server's time goes, from py-spy's collapsed stacks (`py-spy record -f raw`): share of the
busy samples per page and under each of the big steps (inclusive), and the heaviest functions.

    python bench/profile_report.py bench/results/before.*.txt
"""

from __future__ import annotations

import re
import sys
from collections import Counter

PAGES = ("team.py", "funnels.py", "cohorts.py", "workbench.py", "home.py", "library.py", "experiments.py")
_FRAME = re.compile(r"^(.*) \((.*):\d+\)$")


def read(files: list[str]):
    for f in files:
        for line in open(f, encoding="utf-8", errors="replace"):
            stack, _, k = line.rstrip("\n").rpartition(" ")
            if k.isdigit():
                yield stack.split(";"), int(k)


def report(files: list[str], top: int = 25) -> str:
    total, pages, inclusive = 0, Counter(), Counter()
    for frames, k in read(files):
        total += k
        page = next((p for p in PAGES if any(f"({p}:" in fr for fr in frames)), "other (server, websockets, idle work)")
        pages[page] += k
        seen = set()
        for fr in frames:
            m = _FRAME.match(fr)
            if m and (key := f"{m.group(1)} ({m.group(2)})") not in seen:
                seen.add(key)
                inclusive[key] += k
    out = [f"{total} busy samples"]
    out += [f"{v / total:6.1%}  page {p}" for p, v in pages.most_common()]
    interesting = ("portal/", "ui/", "team.py", "funnels.py", "cohorts.py", "workbench.py", "altair", "vega_charts",
                   "arrow.py", "caching", "forward_msg", "dataframe_util", "json")  # fmt: skip
    out.append("heaviest steps (inclusive):")
    out += [f"{v / total:6.1%}  {k}" for k, v in inclusive.most_common(400) if any(s in k for s in interesting)][:top]
    return "\n".join(out)


if __name__ == "__main__":
    print(report(sys.argv[1:]))
