"""The paths chart: a Sankey-like layered flow (Altair has no Sankey). Each depth is a column of
nodes stacked by people (dropped off at the bottom in grey); each flow from one node to the next is a
band as thick as its people, leaving its node in the order of the nodes it reaches, so the bands of a
node fill it exactly. Curves are a smoothstep sampled at a few points."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from portal.product.paths import DROPPED_OFF, OTHER

NODE_WIDTH = 0.08
GREY = "#adb5bd"
PALETTE = ["#3b5bdb", "#2f9e44", "#e8590c", "#ae3ec9", "#1098ad", "#f08c00", "#c2255c", "#5c940d", "#495057", "#0b7285"]


def _rank(step: str, people: int) -> tuple:
    return (step == DROPPED_OFF, step == OTHER, -people, step)


def layout(frame: pd.DataFrame, anchor: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(nodes: depth, step, people, y0, y1; links: depth, previous, step, people, band corners)."""
    total = int(frame.loc[frame["depth"] == 1, "people"].sum())
    pad = max(total * 0.03, 1)
    nodes = [{"depth": 0, "step": anchor, "people": total}]
    for d, part in frame.groupby("depth"):
        sums = part.groupby("step")["people"].sum()
        nodes += [{"depth": int(d), "step": s, "people": int(p)} for s, p in sums.items()]
    nodes = pd.DataFrame(nodes)
    nodes["rank"] = [_rank(s, p) for s, p in zip(nodes["step"], nodes["people"], strict=True)]
    nodes = nodes.sort_values(["depth", "rank"]).reset_index(drop=True)
    tops = []
    for _, part in nodes.groupby("depth", sort=True):
        y = 0.0
        for people in part["people"]:
            tops.append(y)
            y += people + pad
    nodes["y0"] = tops
    nodes["y1"] = nodes["y0"] + nodes["people"]
    where = {(r.depth, r.step): (r.y0, r.rank) for r in nodes.itertuples()}
    links = frame[~((frame["step"] == DROPPED_OFF) & (frame["previous"] == DROPPED_OFF))].copy()
    links["src"] = links["previous"]
    links["src_depth"] = links["depth"] - 1
    links["src_rank"] = [where[(d, s)][1] for d, s in zip(links["src_depth"], links["src"], strict=True)]
    links["dst_rank"] = [where[(d, s)][1] for d, s in zip(links["depth"], links["step"], strict=True)]
    out_y = {k: v[0] for k, v in where.items()}  # bands leave a node top-down in the order they arrive
    in_y = dict(out_y)
    rows = []
    for r in links.sort_values(["src_depth", "src_rank", "dst_rank"]).itertuples():
        a = out_y[(r.src_depth, r.src)]
        out_y[(r.src_depth, r.src)] = a + r.people
        rows.append([r.depth, r.src, r.step, r.people, a, r.src_rank, r.dst_rank])
    bands = pd.DataFrame(rows, columns=["depth", "previous", "step", "people", "a0", "src_rank", "dst_rank"])
    bands["b0"] = 0.0
    for i, r in bands.sort_values(["depth", "dst_rank", "src_rank"]).iterrows():
        b = in_y[(r.depth, r.step)]
        in_y[(r.depth, r.step)] = b + r.people
        bands.at[i, "b0"] = b
    return nodes, bands


def _curves(bands: pd.DataFrame, samples: int = 12) -> pd.DataFrame:
    s = np.linspace(0, 1, samples)
    ease = s * s * (3 - 2 * s)
    rows = []
    for i, r in enumerate(bands.itertuples()):
        x0, x1 = r.depth - 1 + NODE_WIDTH, r.depth
        for si, e in zip(s, ease, strict=True):
            top = r.a0 + (r.b0 - r.a0) * e
            rows.append(
                {
                    "link": i,
                    "x": x0 + (x1 - x0) * si,
                    "top": top,
                    "bottom": top + r.people,
                    "from": r.previous,
                    "to": r.step,
                    "people": r.people,
                    "depth": r.depth,
                }
            )
    return pd.DataFrame(rows)


def paths_chart(frame: pd.DataFrame, anchor: str, reverse: bool = False) -> alt.LayerChart:
    """The flow from the anchor (left) through each depth; with `reverse`, depths are steps before
    the anchor and the axis says so."""
    nodes, bands = layout(frame, anchor)
    names = [
        s for s in dict.fromkeys(nodes.sort_values("people", ascending=False)["step"]) if s not in (DROPPED_OFF, OTHER)
    ]
    domain = [*names, OTHER, DROPPED_OFF]
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(names))] + ["#868e96", GREY]
    scale = alt.Scale(domain=domain, range=colors)
    height = 380
    y = alt.Y("y0:Q", scale=alt.Scale(reverse=True, nice=False), axis=None)
    word = "before" if reverse else "after"
    x = alt.X(
        "x:Q",
        title=f"Steps {word} {anchor}",
        scale=alt.Scale(domain=[-0.05, float(nodes["depth"].max()) + 0.9], nice=False),
        axis=alt.Axis(
            values=list(range(int(nodes["depth"].max()) + 1)),
            labelExpr="datum.value == 0 ? 'start' : datum.value",
            grid=False,
        ),
    )
    curves = _curves(bands.drop(columns=["src_rank", "dst_rank"]))
    flows = (
        alt.Chart(curves)
        .mark_area(opacity=0.35, interpolate="monotone")
        .encode(
            x=x,
            y=alt.Y("top:Q", scale=alt.Scale(reverse=True, nice=False), axis=None),
            y2="bottom:Q",
            detail="link:N",
            color=alt.Color("to:N", scale=scale, legend=None),
            tooltip=["from:N", "to:N", alt.Tooltip("people:Q", format=","), alt.Tooltip("depth:Q", title="Step")],
        )
    )
    nodes = nodes.drop(columns="rank").assign(x=nodes["depth"].astype(float), x2=nodes["depth"] + NODE_WIDTH)
    nodes["label"] = [f"{s} · {p:,}" for s, p in zip(nodes["step"], nodes["people"], strict=True)]
    nodes["share"] = nodes["people"] / max(int(nodes.loc[nodes["depth"] == 0, "people"].sum()), 1)
    rects = (
        alt.Chart(nodes)
        .mark_rect()
        .encode(
            x=x,
            x2="x2:Q",
            y=y,
            y2="y1:Q",
            color=alt.Color("step:N", scale=scale, legend=None),
            tooltip=[
                alt.Tooltip("step:N"),
                alt.Tooltip("people:Q", format=","),
                alt.Tooltip("share:Q", format=".1%", title="of those who started"),
            ],
        )
    )
    labels = (
        alt.Chart(nodes[nodes["share"] >= 0.04])
        .mark_text(align="left", dx=4, fontSize=11, limit=150)
        .encode(x="x2:Q", y=alt.Y("mid:Q", scale=alt.Scale(reverse=True, nice=False), axis=None), text="label:N")
        .transform_calculate(mid="(datum.y0 + datum.y1) / 2")
    )
    return alt.layer(flows, rects, labels).properties(height=height).resolve_scale(y="shared")
