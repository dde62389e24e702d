"""Every Altair chart the portal draws: the workbench's quick chart, dashboard tiles, funnel bars,
retention heatmaps and curves. One module, so axis titles, tooltips and formats stay consistent."""

from __future__ import annotations

import altair as alt
import pandas as pd

CHART_KINDS = ("bar", "line", "area", "scatter")
_ACRONYMS = {"cac": "CAC", "aov": "AOV", "utm": "UTM", "id": "ID", "ltv": "LTV", "pct": "%"}


def title(column: str) -> str:
    """An axis or legend title a person reads: `cumulative_revenue_per_user` → "Cumulative revenue per user"."""
    words = [_ACRONYMS.get(w, w) for w in str(column).replace("_", " ").split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else str(column)


def is_rate(values: pd.Series) -> bool:
    """A share or conversion rate (every value between 0 and 1), which must not be stacked."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    return bool(len(v)) and bool(((v >= 0) & (v <= 1)).all())


def _tooltip(frame: pd.DataFrame, columns) -> list:
    """Tooltips with readable titles, numbers with thousands separators and at most 3 decimals."""
    out = []
    for c in dict.fromkeys(c for c in columns if c):
        numeric = pd.api.types.is_numeric_dtype(frame[c]) if c in frame.columns else False
        temporal = pd.api.types.is_datetime64_any_dtype(frame[c]) if c in frame.columns else False
        out.append(
            alt.Tooltip(
                c,
                title=title(c),
                format=",.3~f" if numeric else alt.Undefined,
                type="temporal" if temporal else alt.Undefined,
            )
        )
    return out


def default_chart(frame: pd.DataFrame) -> dict:
    """A first guess: x = first date/text column, y = first numeric column."""
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    temporal = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    other = [c for c in frame.columns if c not in numeric]
    x = (temporal or other or list(frame.columns))[0] if len(frame.columns) else None
    y = next((c for c in numeric if c != x), None)
    kind = "line" if temporal else "bar"
    return {"kind": kind, "x": x, "y": y, "color": None}


def chart(frame: pd.DataFrame, kind: str, x: str, y: str, color: str | None = None) -> alt.Chart:
    """An Altair chart of the result; raises ValueError with a plain message for unusable choices."""
    if kind not in CHART_KINDS:
        raise ValueError(f"Unknown chart type {kind!r}.")
    for c in (x, y, color):
        if c and c not in frame.columns:
            raise ValueError(f"The result has no column {c!r}.")
    if not pd.api.types.is_numeric_dtype(frame[y]):
        raise ValueError(f"{y} is not numeric; pick a numeric column for the y axis.")
    base = alt.Chart(frame.head(5000))
    mark = {
        "bar": base.mark_bar(),
        "line": base.mark_line(point=len(frame) < 60),
        "area": base.mark_area(opacity=0.7),
        "scatter": base.mark_circle(size=50),
    }[kind]
    categorical = not (pd.api.types.is_numeric_dtype(frame[x]) or pd.api.types.is_datetime64_any_dtype(frame[x]))
    # categories keep the query's ORDER BY ("$200-299" before "$1000-1099"), not alphabetical order
    enc = {
        "x": alt.X(x, title=title(x), sort=None if categorical else alt.Undefined),
        "y": alt.Y(y, title=title(y)),
        "tooltip": _tooltip(frame, (x, y, color)),
    }
    if color:
        enc["color"] = alt.Color(color, title=title(color))
        if kind == "bar" and is_rate(frame[y]):  # rates do not add up: side by side, never stacked
            enc["xOffset"] = alt.XOffset(color)
            enc["y"] = alt.Y(y, title=title(y), stack=None)
    return mark.encode(**enc).properties(height=320)


def funnel_chart(counts: pd.DataFrame) -> alt.Chart:
    data = counts.assign(
        label=counts["step"].astype(str) + ". " + counts["step_label"], pct=(counts["pct_of_first"] * 100).round(1)
    )
    color = alt.Color("segment:N", title="Segment") if data["segment"].nunique() > 1 else alt.value("#3b5bdb")
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "label:N",
                sort=alt.EncodingSortField("step", op="min"),
                title=None,
                axis=alt.Axis(labelAngle=0, labelLimit=160),
            ),
            y=alt.Y("pct:Q", title="% of first step", scale=alt.Scale(domain=[0, 100])),
            xOffset="segment:N",
            color=color,
            tooltip=[
                "segment",
                "label",
                "users",
                alt.Tooltip("pct:Q", title="% of first"),
                alt.Tooltip("pct_of_previous:Q", format=".1%", title="% of previous"),
                "dropped",
            ],
        )
    )
    return bars.properties(height=340)


def weekly_conversion_chart(weekly: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(weekly)
        .mark_line(point=True)
        .encode(
            x=alt.X("week:T", title="Week of first step"),
            y=alt.Y("conversion:Q", axis=alt.Axis(format="%")),
            tooltip=["week:T", "started", "converted", alt.Tooltip("conversion:Q", format=".1%")],
        )
        .properties(height=260)
    )


def heatmap(frame: pd.DataFrame, value: str, fmt: str = ".0%") -> alt.Chart:
    data = frame[~frame["future"]].assign(
        cohort=lambda d: pd.to_datetime(d["cohort"]).dt.strftime("%Y-%m-%d"),
        state=lambda d: d["complete"].map({True: "complete", False: "still baking"}),
    )
    base = alt.Chart(data).encode(
        x=alt.X("period:O", title="Periods since cohort start"), y=alt.Y("cohort:O", title="Cohort", sort="descending")
    )
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", scale=alt.Scale(scheme="blues"), legend=alt.Legend(format=fmt)),
        opacity=alt.condition("datum.state == 'complete'", alt.value(1.0), alt.value(0.35)),
        tooltip=["cohort", "period", "cohort_size", alt.Tooltip(f"{value}:Q", format=fmt), "state"],
    )
    text = base.mark_text(fontSize=9).encode(
        text=alt.Text(f"{value}:Q", format=fmt),
        color=alt.condition(f"datum.{value} > 0.5", alt.value("white"), alt.value("black")),
    )
    return (cells + text).properties(height=max(240, 14 * data["cohort"].nunique()))


def curves(avg: pd.DataFrame, value: str, cac: pd.DataFrame | None = None, fmt: str = ".0%") -> alt.Chart:
    line = (
        alt.Chart(avg)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:Q", title="Periods since cohort start"),
            y=alt.Y(f"{value}:Q", axis=alt.Axis(format=fmt)),
            color=alt.Color("segment:N", title="Segment"),
            tooltip=["segment", "period", alt.Tooltip(f"{value}:Q", format=fmt)],
        )
    )
    if cac is None or cac.empty:
        return line.properties(height=300)
    rules = (
        alt.Chart(cac)
        .mark_rule(strokeDash=[6, 4])
        .encode(
            y="cac:Q",
            color=alt.Color("segment:N"),
            tooltip=["segment", alt.Tooltip("cac:Q", format="$.2f", title="CAC")],
        )
    )
    return (line + rules).properties(height=300)
