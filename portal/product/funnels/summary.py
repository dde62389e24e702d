"""What the Funnels page and the CLI show, from the per-user levels: counts, time to convert,
weekly conversion, segments, drop-offs. Small frames, safe to cache."""

from __future__ import annotations

import numpy as np
import pandas as pd

from portal.product.funnels.spec import FunnelSpec


def level_histogram(levels: pd.DataFrame, n_steps: int) -> pd.DataFrame:
    """People per segment (rows, sorted) and furthest step reached (columns 0..n_steps): one
    bincount over the segment codes, so counts and segment tests never group millions of rows."""
    seg = levels["segment"]
    if isinstance(seg.dtype, pd.CategoricalDtype):
        codes, names = seg.cat.codes.to_numpy(), seg.cat.categories.astype(str)
    else:
        codes, names = pd.factorize(seg.astype(str))
        names = pd.Index(names)
    lv = np.clip(levels["level"].to_numpy(), 0, n_steps)
    width = n_steps + 1
    hist = np.bincount(codes.astype(np.int64) * width + lv, minlength=len(names) * width).reshape(len(names), width)
    out = pd.DataFrame(hist, index=names, columns=range(width))
    out = out[out.sum(axis=1) > 0]
    return out.sort_index()


def step_counts(levels: pd.DataFrame, spec: FunnelSpec) -> pd.DataFrame:
    """Users reaching each step, per segment, with % of first step and step-to-step %."""
    n = len(spec.steps)
    hist = level_histogram(levels, n)
    reached = hist.iloc[:, ::-1].cumsum(axis=1).iloc[:, ::-1]  # reached[k] = people at level >= k
    groups = [("all", reached.sum(axis=0))]
    if spec.breakdown:
        groups += list(reached.iterrows())
    rows = []
    for segment, r in groups:
        first = int(r[1]) if n else 0
        prev = first
        for k, step in enumerate(spec.steps, 1):
            users = int(r[k])
            rows.append(
                {
                    "segment": segment,
                    "step": k,
                    "step_label": step.label,
                    "users": users,
                    "pct_of_first": users / first if first else 0.0,
                    "pct_of_previous": users / prev if prev else 0.0,
                    "dropped": prev - users,
                }
            )
            prev = users
    return pd.DataFrame(rows)


def time_to_convert(levels: pd.DataFrame, spec: FunnelSpec) -> pd.DataFrame:
    """Median and 90th percentile time from the previous step, for users who reached each step."""
    rows = []
    for k in range(2, len(spec.steps) + 1):
        prev = levels["t1"] if k == 2 else levels[f"t{k - 1}"]
        delta = (levels[f"t{k}"] - prev).dropna().dt.total_seconds()
        rows.append(
            {
                "step": k,
                "step_label": spec.steps[k - 1].label,
                "users": int(delta.size),
                "median_minutes": float(delta.median() / 60) if delta.size else None,
                "p90_minutes": float(delta.quantile(0.9) / 60) if delta.size else None,
            }
        )
    return pd.DataFrame(rows)


def conversion_by_week(levels: pd.DataFrame, spec: FunnelSpec) -> pd.DataFrame:
    """Share of each week's starters who completed the whole funnel (week of the first step)."""
    if levels.empty:
        return pd.DataFrame(columns=["week", "started", "converted", "conversion"])
    week = levels["t1"].dt.to_period("W-SUN").dt.start_time
    g = levels.assign(week=week, done=levels["level"] >= len(spec.steps)).groupby("week")
    out = g.agg(started=("done", "size"), converted=("done", "sum")).reset_index()
    out["conversion"] = out["converted"] / out["started"]
    return out


def segment_table(levels: pd.DataFrame, spec: FunnelSpec) -> pd.DataFrame:
    """Per segment: users who started and who completed the whole funnel (for the segment tests)."""
    hist = level_histogram(levels, len(spec.steps))
    return pd.DataFrame(
        {
            "segment": hist.index.astype(str),
            "started": hist.sum(axis=1).to_numpy(),
            "converted": hist[len(spec.steps)].to_numpy(),
        }
    ).astype({"started": int, "converted": int})


def summary(levels: pd.DataFrame, spec: FunnelSpec) -> dict[str, pd.DataFrame]:
    """Everything the Funnels page draws, small enough to cache (the per-user table is not kept)."""
    return {
        "counts": step_counts(levels, spec),
        "time": time_to_convert(levels, spec),
        "weeks": conversion_by_week(levels, spec),
        "segments": segment_table(levels, spec),
    }


def dropped_users(levels: pd.DataFrame, step: int) -> pd.DataFrame:
    """Users who reached `step` but not the next one (to contact, or to inspect in the workbench)."""
    return (
        levels.loc[levels["level"] == step, ["user_id", "segment", "t1"]].sort_values("user_id").reset_index(drop=True)
    )


def counts_csv_rows(levels: pd.DataFrame, spec: FunnelSpec) -> list[tuple[str, int, int]]:
    """(segment, step, users) rows as the CLI prints them."""
    counts = step_counts(levels, spec)
    return [(r.segment, int(r.step), int(r.users)) for r in counts.itertuples()]
