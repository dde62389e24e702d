"""Every Altair chart the portal draws: the workbench's quick chart, dashboard tiles, funnel bars,
retention heatmaps and curves. One module, so axis titles, tooltips and formats stay consistent."""

from __future__ import annotations

import json
from decimal import Decimal

import altair as alt
import numpy as np
import pandas as pd

CHART_KINDS = ("bar", "line", "area", "scatter")
_ACRONYMS = {"cac": "CAC", "aov": "AOV", "utm": "UTM", "id": "ID", "ltv": "LTV", "pct": "%"}


def json_spec(chart: alt.TopLevelMixin, validate: bool = True) -> dict:
    """The chart's Vega-Lite spec in JSON types only, DuckDB's DECIMAL values as numbers: what the
    converter, the mail and the result store take."""
    spec = chart.to_dict(validate=validate)
    return json.loads(json.dumps(spec, default=lambda v: float(v) if isinstance(v, Decimal) else str(v)))


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


def with_timestamps(frame: pd.DataFrame) -> pd.DataFrame:
    """DuckDB DATE cells arrive as Python dates (object columns): as timestamps, a chart treats them as
    time (a time axis, the recorded changes drawn on it) and Vega-Lite's JSON can carry them."""
    import datetime as dt

    dated = [
        c
        for c in frame.columns
        if frame[c].dtype == object
        and len(frame)
        and isinstance(frame[c].dropna().iloc[0] if frame[c].notna().any() else None, dt.date)
    ]
    return frame.assign(**{c: pd.to_datetime(frame[c]) for c in dated}) if dated else frame


def default_chart(frame: pd.DataFrame) -> dict:
    """A first guess: x = first date/text column, y = first numeric column."""
    frame = with_timestamps(frame)
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    temporal = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    other = [c for c in frame.columns if c not in numeric]
    x = (temporal or other or list(frame.columns))[0] if len(frame.columns) else None
    y = next((c for c in numeric if c != x), None)
    kind = "line" if temporal else "bar"
    return {"kind": kind, "x": x, "y": y, "color": None}


LABEL_PX = 170  # the widest a change's label is drawn


def annotate(base, frame: pd.DataFrame, x: str, annotations=()) -> alt.Chart | alt.LayerChart:
    """Dated product changes (portal.reporting.annotations) on a time chart: a dashed rule where each
    starts, a shaded span while a change with an end lasted, its title on hover and beside the rule.
    Charts whose x is not a date, and changes outside the chart's dates, are left alone."""
    if not annotations or x not in frame.columns or not pd.api.types.is_datetime64_any_dtype(frame[x]):
        return base
    lo, hi = frame[x].min(), frame[x].max()
    if pd.isna(lo):
        return base
    shown = [a for a in annotations if a.overlaps(lo.date(), hi.date())]
    if not shown:
        return base
    data = pd.DataFrame(
        {
            x: [max(pd.Timestamp(a.start), lo) for a in shown],
            "span_end": [min(pd.Timestamp(a.end), hi) if a.end else pd.NaT for a in shown],
            "change": [a.title for a in shown],
            "dates": [a.label().removeprefix(a.title).strip(" ()") for a in shown],
            "starts_here": [pd.Timestamp(a.start) >= lo for a in shown],
        }
    )
    data["label_y"] = -14 - 13 * label_rows(data[x], data["change"], lo, hi)  # above the plot, never on a line
    tips = [alt.Tooltip("change:N", title="Change"), alt.Tooltip("dates:N", title="Dates")]
    layers = []
    if data["span_end"].notna().any():
        layers.append(
            alt.Chart(data[data["span_end"].notna()])
            .mark_rect(opacity=0.12, color="#e8590c")
            .encode(x=alt.X(f"{x}:T"), x2="span_end:T", tooltip=tips)
        )
    starts = data[data["starts_here"]]
    layers.append(base)
    if not starts.empty:
        rule = alt.Chart(starts).encode(x=alt.X(f"{x}:T"), tooltip=tips)
        layers.append(rule.mark_rule(color="#e8590c", strokeDash=[4, 3], strokeWidth=1.5))
        # A label reads away from the nearer edge and is cut with an ellipsis past LABEL_PX, so it stays
        # inside the plot instead of running off the right edge into the legend (issue #25, defect 7).
        right = starts[x] > lo + (hi - lo) * 0.6
        for part, align, dx in ((starts[~right], "left", 4), (starts[right], "right", -4)):
            if part.empty:
                continue
            layers.append(
                alt.Chart(part)
                .mark_text(align=align, baseline="top", dx=dx, color="#e8590c", fontSize=11, limit=LABEL_PX)
                .encode(x=alt.X(f"{x}:T"), y=alt.Y("label_y:Q", scale=None, axis=None), text="change:N", tooltip=tips)
            )
    return alt.layer(*layers).properties(padding={"top": 14 + 13 * (int(data["label_y"].min() * -1 - 14) // 13 + 1)})


def label_rows(at: pd.Series, text: pd.Series, lo, hi, width_px: int = 400) -> np.ndarray:
    """A row (0, 1, 2) for each change's label so that labels in one row do not overlap: each takes
    about 6 px a character (at most LABEL_PX) beside its rule, to the right, or to the left past 60%
    of the axis (as `annotate` aligns them), on a plot at least `width_px` wide (a half-width tile)."""
    span = max((hi - lo).total_seconds(), 1.0)
    taken: list[list[tuple[float, float]]] = [[], [], []]
    rows = np.zeros(len(at), dtype=int)
    for i in np.argsort(at.to_numpy()):
        x = (at.iloc[i] - lo).total_seconds() / span * width_px
        need = min(6 * len(str(text.iloc[i])), LABEL_PX) + 8
        box = (x - need, x) if x > 0.6 * width_px else (x, x + need)
        free = [r for r in range(3) if all(box[1] <= a or box[0] >= b for a, b in taken[r])]
        row = free[0] if free else min(range(3), key=lambda r: len(taken[r]))
        rows[i] = row
        taken[row].append(box)
    return rows


def chart(frame: pd.DataFrame, kind: str, x: str, y: str, color: str | None = None, annotations=()) -> alt.Chart:
    """An Altair chart of the result; raises ValueError with a plain message for unusable choices.
    Dated changes in `annotations` are drawn when x is a date."""
    if kind not in CHART_KINDS:
        raise ValueError(f"Unknown chart type {kind!r}.")
    frame = with_timestamps(frame)
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
    # categories keep the query's ORDER BY ("$200-299" before "$1000-1099"), not alphabetical order
    enc = {
        "x": alt.X(x, title=title(x), sort=x_order(frame, x), axis=time_axis(frame, x)),
        "y": alt.Y(y, title=title(y)),
        "tooltip": _tooltip(frame, (x, y, color)),
    }
    if color:
        enc["color"] = alt.Color(color, title=title(color), legend=alt.Legend(labelLimit=0))  # never "Samsung Inter…"
        if kind == "bar" and is_rate(frame[y]):  # rates do not add up: side by side, never stacked
            enc["xOffset"] = alt.XOffset(color)
            enc["y"] = alt.Y(y, title=title(y), stack=None)
    base = with_intervals(mark.encode(**enc), frame, kind, x, y, color)
    return annotate(mark_baking(base, frame, x, y), frame, x, annotations).properties(height=320)


def time_axis(frame: pd.DataFrame, x: str):
    """Ticks at the data's own points: a weekly series gets its weeks (Mondays, not Vega's Sundays or
    days it has no value for), a monthly one its months; category labels are never cut short."""
    if x not in frame.columns:
        return alt.Undefined
    if not pd.api.types.is_datetime64_any_dtype(frame[x]):
        return alt.Axis(labelLimit=260) if not pd.api.types.is_numeric_dtype(frame[x]) else alt.Undefined
    points = pd.Series(sorted(frame[x].dropna().unique()))
    days = points.diff().dropna().dt.days
    if days.empty or days.min() < 7 or (days.min() == 7 and not (days % 7 == 0).all()):
        return alt.Undefined
    monthly = days.min() >= 28
    step = max(1, len(points) // (12 if monthly else 9))
    # DateTime objects, read in the browser's time zone as the data's own dates are (numbers are UTC)
    ticks = [
        alt.DateTime(year=t.year, month=t.month, date=t.day) for t in (pd.Timestamp(v) for v in points.iloc[::step])
    ]
    return alt.Axis(values=ticks, format="%b %Y" if monthly else "%d %b", labelOverlap=True)


def x_order(frame: pd.DataFrame, x: str):
    """Categories in the result's row order, written into the spec: with `sort=None` a chart redrawn
    on new data (another date range) kept its old bar order (issue #25, defect 7)."""
    if pd.api.types.is_numeric_dtype(frame[x]) or pd.api.types.is_datetime64_any_dtype(frame[x]):
        return alt.Undefined
    values = list(dict.fromkeys(frame[x].head(5000).dropna().tolist()))
    return values if all(isinstance(v, str) for v in values) else None


def with_intervals(base, frame: pd.DataFrame, kind: str, x: str, y: str, color: str | None):
    """Bars whose result carries `<y>_low` and `<y>_high` columns get them as error bars, so a
    segment comparison shows its uncertainty: bars whose intervals overlap may not differ at all."""
    low, high = f"{y}_low", f"{y}_high"
    if kind != "bar" or low not in frame.columns or high not in frame.columns:
        return base
    enc = {
        "x": alt.X(x, sort=x_order(frame, x)),
        "y": alt.Y(low, title=title(y)),
        "y2": high,
        "tooltip": _tooltip(frame, (x, color, y, low, high)),
    }
    if color:
        enc["xOffset"] = alt.XOffset(color)
        enc["detail"] = color
    return alt.layer(base, alt.Chart(frame.head(5000)).mark_rule(color="#212529", strokeWidth=1.5).encode(**enc))


def mark_baking(base, frame: pd.DataFrame, x: str, y: str):
    """Rows a query flags `still_baking` (their period is not over) get a hollow orange ring and say
    so on hover (or what their `state` column says: a partial week), so a young period's low value is
    not read as a collapse."""
    if "still_baking" not in frame.columns or y not in frame.columns:
        return base
    young = frame[frame["still_baking"].fillna(False).astype(bool) & frame[y].notna()]
    if young.empty:
        return base
    ring = (
        alt.Chart(young if "state" in young.columns else young.assign(state="still baking: its period is not over"))
        .mark_point(shape="circle", filled=False, size=160, strokeWidth=2, color="#e8590c")
        .encode(
            x=alt.X(x),
            y=alt.Y(y),
            tooltip=[*_tooltip(young, (x, y)), alt.Tooltip("state:N", title="State")],
        )
    )
    return alt.layer(base, ring)


def funnel_chart(counts: pd.DataFrame) -> alt.Chart:
    data = counts.assign(
        label=counts["step"].astype(str) + ". " + counts["step_label"], pct=(counts["pct_of_first"] * 100).round(1)
    )
    many = data["segment"].nunique() > 10  # a two-way breakdown: more segments than the default palette
    color = (
        alt.Color("segment:N", title="Segment", scale=alt.Scale(scheme="tableau20") if many else alt.Undefined)
        if data["segment"].nunique() > 1
        else alt.value("#3b5bdb")
    )
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


def weekly_conversion_chart(weekly: pd.DataFrame, annotations=()) -> alt.Chart:
    line = (
        alt.Chart(weekly)
        .mark_line(point=True)
        .encode(
            x=alt.X("week:T", title="Week of first step"),
            y=alt.Y("conversion:Q", title="Completed the funnel", axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("week:T", title="Week"),
                alt.Tooltip("started:Q", title="Started", format=","),
                alt.Tooltip("converted:Q", title="Completed", format=","),
                alt.Tooltip("conversion:Q", title="Conversion", format=".1%"),
            ],
        )
    )
    return annotate(line, weekly, "week", annotations).properties(height=260)


def impact_chart(weekly: pd.DataFrame, before, after, annotations=()) -> alt.Chart:
    """Weekly rate with its 95% band, the before and after windows shaded, and the changes marked."""
    spans = pd.DataFrame(
        {
            "week": [pd.Timestamp(before.start), pd.Timestamp(after.start)],
            "span_end": [pd.Timestamp(before.end), pd.Timestamp(after.end)],
            "side": ["before", "after"],
        }
    )
    x = alt.X("week:T", title="Week")
    shade = (
        alt.Chart(spans)
        .mark_rect(opacity=0.08)
        .encode(
            x=x,
            x2="span_end:T",
            color=alt.Color(
                "side:N", title="Compared", scale=alt.Scale(domain=["before", "after"], range=["#868e96", "#1c7ed6"])
            ),
        )
    )
    band = alt.Chart(weekly).mark_area(opacity=0.2, color="#1c7ed6").encode(x=x, y="ci_low:Q", y2="ci_high:Q")
    line = (
        alt.Chart(weekly)
        .mark_line(point=True, color="#1c7ed6")
        .encode(
            x=x,
            y=alt.Y("rate:Q", title="Rate", axis=alt.Axis(format="%"), scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("week:T", title="Week"),
                alt.Tooltip("rate:Q", title="Rate", format=".1%"),
                alt.Tooltip("ci_low:Q", title="95% CI from", format=".1%"),
                alt.Tooltip("ci_high:Q", title="95% CI to", format=".1%"),
                alt.Tooltip("den:Q", title="Tries", format=","),
            ],
        )
    )
    return annotate(alt.layer(shade, band, line), weekly, "week", annotations).properties(height=320)


def heatmap(frame: pd.DataFrame, value: str, fmt: str = ".0%") -> alt.Chart:
    data = frame[~frame["future"]].assign(
        cohort=lambda d: pd.to_datetime(d["cohort"]).dt.strftime("%Y-%m-%d"),
        state=lambda d: d["complete"].map({True: "complete", False: "still baking"}),
    )
    base = alt.Chart(data).encode(
        x=alt.X("period:O", title="Periods since cohort start", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("cohort:O", title="Cohort", sort="descending", axis=alt.Axis(labelOverlap=False)),
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
    return (cells + text).properties(height=max(240, 22 * data["cohort"].nunique()))  # every row labelled


def curves(avg: pd.DataFrame, value: str, cost: pd.DataFrame | None = None, fmt: str = ".0%") -> alt.Chart:
    """Average curves per segment; with `cost` (segment, cost_per_signup), each segment's acquisition
    cost per signup as a dashed line: where a per-user curve crosses it, the cohort has paid back."""
    line = (
        alt.Chart(avg)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:Q", title="Periods since cohort start", axis=alt.Axis(format="d", tickMinStep=1)),
            y=alt.Y(f"{value}:Q", axis=alt.Axis(format=fmt), title=title(value)),
            color=alt.Color("segment:N", title="Segment"),
            tooltip=["segment", "period", alt.Tooltip(f"{value}:Q", format=fmt, title=title(value))],
        )
    )
    if cost is None or cost.empty:
        return line.properties(height=300)
    rules = (
        alt.Chart(cost)
        .mark_rule(strokeDash=[6, 4])
        .encode(
            y="cost_per_signup:Q",
            color=alt.Color("segment:N"),
            tooltip=["segment", alt.Tooltip("cost_per_signup:Q", format="$.2f", title="Acquisition cost per signup")],
        )
    )
    return (line + rules).properties(height=300)


def lift_chart(lift: pd.DataFrame) -> alt.Chart:
    """Cumulative lift by day with its 95% band per variant, and the zero line: a band that still
    moves, or still straddles zero, has not settled."""
    frame = with_timestamps(lift).assign(
        lift_low=lambda f: f["lift_low"].clip(lower=-1.0), lift_high=lambda f: f["lift_high"].clip(upper=5.0)
    )
    base = alt.Chart(frame).encode(x=alt.X("day:T", title="Day"), color=alt.Color("variant:N", title="Variant"))
    band = base.mark_area(opacity=0.18).encode(y=alt.Y("lift_low:Q", title="Cumulative lift"), y2="lift_high:Q")
    line = base.mark_line().encode(
        y=alt.Y("lift:Q", axis=alt.Axis(format="+.0%")),
        tooltip=[
            alt.Tooltip("day:T", title="Day"),
            "variant",
            alt.Tooltip("lift:Q", format="+.1%", title="Lift so far"),
            alt.Tooltip("lift_low:Q", format="+.1%", title="95% CI low"),
            alt.Tooltip("lift_high:Q", format="+.1%", title="95% CI high"),
            alt.Tooltip("users:Q", format=",", title="Users so far"),
        ],
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#868e96", strokeDash=[4, 3]).encode(y="y:Q")
    return alt.layer(band, line, zero).properties(height=260)


LIFECYCLE_COLORS = {"new": "#3b5bdb", "returning": "#37b24d", "resurrecting": "#f59f00", "dormant": "#e03131"}


def lifecycle_chart(frame: pd.DataFrame, grain: str) -> alt.Chart:
    """Stacked bars per period: new, returning and resurrecting above zero, dormant below (PostHog's
    reading): growth is the bars above outweighing the one below."""
    long = frame.melt("period", list(LIFECYCLE_COLORS), "state", "people")
    fmt = "%b %Y" if grain == "month" else "%d %b"
    long["label"] = pd.to_datetime(long["period"]).dt.strftime(fmt)
    order = list(dict.fromkeys(long["label"]))  # bars as wide as the periods allow, in time order
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("label:O", sort=order, title=None, axis=alt.Axis(labelAngle=0, labelOverlap=True)),
            y=alt.Y("people:Q", title="People (dormant below zero)", stack="zero"),
            color=alt.Color(
                "state:N",
                title=None,
                sort=list(LIFECYCLE_COLORS),
                scale=alt.Scale(domain=list(LIFECYCLE_COLORS), range=list(LIFECYCLE_COLORS.values())),
            ),
            order=alt.Order("order:Q"),
            tooltip=[alt.Tooltip("label:O", title=grain.title()), "state", alt.Tooltip("people:Q", format=",")],
        )
        .transform_calculate(order="indexof(['new','returning','resurrecting','dormant'], datum.state)")
        .properties(height=320)
    )


def stickiness_chart(frame: pd.DataFrame, grain: str) -> alt.Chart:
    """How many people were active on 1, 2, … days of a week or month."""
    return (
        alt.Chart(frame)
        .mark_bar(color="#3b5bdb")
        .encode(
            x=alt.X("days:O", title=f"Active days in the {grain}", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("people:Q", title=f"People × {grain}s"),
            tooltip=[alt.Tooltip("days:O", title="Active days"), alt.Tooltip("people:Q", format=",")],
        )
        .properties(height=240)
    )
