"""Writes demo.jsonl and segment.jsonl: plain-English questions and what each must be read as, composed
from parts whose meaning is known (a metric phrase, a grouping, a filter, a grain, a date phrase), so the
expected interpretation never comes from the parser under test; plus questions it must refuse.

Run: python tests/ask_corpus/make_corpus.py (the files are committed; a test reads them).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

HERE = Path(__file__).parent

DATES = [
    ("in March 2026", "2026-03"), ("in Q1 2026", "2026-Q1"), ("since 2026-02-15", "since 2026-02-15"),
    ("from 2026-01-05 to 2026-02-01", "2026-01-05..2026-02-01"), ("in 2025", "2025"), ("last 4 weeks", "last 4 weeks"),
    ("yesterday", "yesterday"), ("last 30 days", "last 30 days"), ("this quarter", "this quarter"),
    ("last month", "last month"), ("in Q3 2026", "2026-Q3"), ("in 2026", "2026"), ("", "last 30 days"),
]  # fmt: skip
GRAINS = [("", ""), ("by week", "week"), ("weekly", "week"), ("per day", "day"), ("daily", "day"),
          ("by month", "month"), ("monthly", "month"), ("by quarter", "quarter")]  # fmt: skip

DEMO = {
    "metrics": [
        ("revenue", "revenue"),
        ("sales", "revenue"),
        ("orders", "orders"),
        ("purchases", "orders"),
        ("signups", "signups"),
        ("registrations", "signups"),
        ("new customers", "new_customers"),
        ("customers acquired", "new_customers"),
        ("average order value", "average_order_value"),
    ],
    "groups": [("", None), ("by country", "country"), ("by platform", "platform"), ("per channel", "channel")],
    "filters": [
        ("", None),
        ("on iOS", ("platform", "iOS")),
        ("on Windows", ("platform", "Windows")),
        ("from email customers", ("channel", "email")),
        ("in Germany", ("country", "DE")),
        ("in GB", ("country", "GB")),
    ],
    "spend": [("ad spend", "ad_spend"), ("marketing spend", "ad_spend"), ("ad clicks", "ad_clicks")],
    "spend_groups": [("", None), ("by campaign", "campaign"), ("per channel", "channel")],
    "unknown": ["profit", "churn", "nps", "ltv", "dau", "weather", "unicorns", "margin", "bounce rate", "headcount"],
    "odd": [
        "revenue by favourite colour",
        "signups in Octember 2026",
        "revenue on Blackberry",
        "orders from Mars",
        "revenue since the summer",
        "revenue in march",
        "what is the meaning of life",
        "orders in Narnia",
        "revenue for acme corp",
        "sales by region",
        "orders by zodiac sign",
        "signups on a Tuesday",
        "revenue in Q5 2026",
        "top customers by lifetime value",
        "signups per hour",
        "revenue by shoe size",
    ],
}
SEGMENT = {
    "metrics": [
        ("revenue", "revenue"),
        ("paying charges", "paying_charges"),
        ("signups", "signups"),
        ("orders", "orders"),
        ("average charge", "average_charge"),
        ("active people", "active_people"),
    ],
    "groups": [("", None), ("by plan", "plan"), ("by channel", "channel")],
    "filters": [
        ("", None),
        ("on the pro plan", ("plan", "pro")),
        ("from email customers", ("channel", "email")),
        ("on Android", ("context_os_name", "Android")),
    ],
    "spend": [("ad spend", "ad_spend")],
    "spend_groups": [("", None), ("by campaign", "campaign")],
    "unknown": ["profit", "churn", "mrr", "arr", "seats"],
    "odd": [
        "revenue by favourite colour",
        "signups in Octember 2026",
        "orders on Blackberry",
        "revenue in march",
        "active people by hair colour",
        "orders from Atlantis",
        "paying charges since the spring",
        "revenue for acme corp",
    ],
}
SEGMENT_ONLY_METRIC_GROUPS = {"active_people": {"context_os_name"}, "orders": {"context_os_name", "plan"}}


def interpretation(metrics, rng, by=(), grain="", filters=(), compare=False, top=0, bottom=False) -> str:
    parts = [f"metrics={','.join(metrics)}", f"range={rng}"]
    if by:
        parts.append(f"by={','.join(by)}")
    if grain:
        parts.append(f"grain={grain}")
    if filters:
        parts.append("filters=" + ",".join(f"{d}:{v}" for d, v in sorted(filters)))
    if compare:
        parts.append("compare")
    if top:
        parts.append(f"{'bottom' if bottom else 'top'}={top}")
    return " ".join(parts)


def compose(v: dict, count: int) -> list[dict]:
    out = []
    parts = (v["metrics"], v["groups"], v["filters"], GRAINS, DATES)
    strides = (1, 3, 5, 7, 11)  # each part walks its list at its own pace: every pairing turns up
    for k in range(count):
        (mt, m), (gt, g), (ft, f), (rt, r), (dt, d) = (
            p[(k * s + k // len(p)) % len(p)] for p, s in zip(parts, strides, strict=True)
        )
        text = " ".join(x for x in (mt, gt, ft, rt, dt) if x)
        out.append({"q": text, "expect": interpretation([m], d, (g,) if g else (), r, (f,) if f else ())})
    for (mt, m), (gt, g), (dt, d) in itertools.product(v["spend"], v["spend_groups"], DATES[:6]):
        out.append({"q": " ".join(x for x in (mt, gt, dt) if x), "expect": interpretation([m], d, (g,) if g else ())})
    return out


def extras(v: dict) -> list[dict]:
    m1, m2 = v["metrics"][0], v["metrics"][2]
    g = next(x for x in v["groups"] if x[1])
    out = [
        {"q": f"{m1[0]} and {m2[0]} by month in 2026", "expect": interpretation([m1[1], m2[1]], "2026", grain="month")},
        {"q": f"{m1[0]} vs previous period last month", "expect": interpretation([m1[1]], "last month", compare=True)},
        {
            "q": f"{m1[0]} {g[0]} compared to the previous period this quarter",
            "expect": interpretation([m1[1]], "this quarter", (g[1],), compare=True),
        },
        {
            "q": f"top 3 {g[1]}s by {m1[0]} last 30 days",
            "expect": interpretation([m1[1]], "last 30 days", (g[1],), top=3),
        },
        {
            "q": f"bottom 2 {g[1]}s by {m2[0]} in 2026",
            "expect": interpretation([m2[1]], "2026", (g[1],), top=2, bottom=True),
        },
        {"q": f"What were {m1[0]} weekly in Q1 2026?", "expect": interpretation([m1[1]], "2026-Q1", grain="week")},
        {
            "q": f"show me {m2[0]} over time since 2026-02-15",
            "expect": interpretation([m2[1]], "since 2026-02-15", grain="week"),
        },
        {"q": f"in Q1 2026, {m1[0]} {g[0]}", "expect": interpretation([m1[1]], "2026-Q1", (g[1],))},
    ]
    for word in v["unknown"]:
        out.append({"q": f"{word} by week last month", "expect": "refuse"})
        out.append({"q": f"{m1[0]} and {word} in 2026", "expect": "refuse"})
    out += [{"q": q, "expect": "refuse"} for q in v["odd"]]
    out += [{"q": "by week last month", "expect": "refuse"}, {"q": "last 4 weeks", "expect": "refuse"}]
    return out


def main() -> None:
    for name, vocab, count in (("demo", DEMO, 150), ("segment", SEGMENT, 60)):
        rows = compose(vocab, count) + extras(vocab)
        with open(HERE / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
        refused = sum(r["expect"] == "refuse" for r in rows)
        print(f"{name}: {len(rows)} questions, {refused} to refuse")


if __name__ == "__main__":
    main()
