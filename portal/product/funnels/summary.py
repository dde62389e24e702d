"""What the Funnels page and the CLI show, from the per-user levels: counts, time to convert,
weekly conversion, segments, drop-offs. Small frames, safe to cache."""

from __future__ import annotations

import pandas as pd

from portal.product.funnels.spec import FunnelSpec


def step_counts(levels: pd.DataFrame, spec: FunnelSpec) -> pd.DataFrame:
    """Users reaching each step, per segment, with % of first step and step-to-step %."""
    rows = []
    for segment, group in (
        [("all", levels), *sorted(levels.groupby("segment"))] if spec.breakdown else [("all", levels)]
    ):
        first = len(group)
        prev = first
        for k, step in enumerate(spec.steps, 1):
            users = int((group["level"] >= k).sum())
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
    done = levels["level"].to_numpy() >= len(spec.steps)
    g = pd.DataFrame({"segment": levels["segment"].astype(str), "done": done}).groupby("segment", sort=True)["done"]
    return pd.DataFrame({"started": g.size(), "converted": g.sum().astype(int)}).reset_index()


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
