"""Statistics for funnels and experiments: Wilson intervals, two-proportion tests, Holm correction,
sample-ratio checks, relative lift with a confidence interval, and power. scipy does the maths."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from scipy import stats

SRM_THRESHOLD = 0.001  # chi-square p below this: the split itself is broken, the readout untrustworthy
MIN_USERS = 30  # below this a segment is "too small to judge"
MIN_EVENTS = 5  # successes and failures each, for the normal approximation


def p_text(p: float) -> str:
    """A p-value as people read it: "p = 0.03", or "p < 0.0001" rather than "p = 0" or "4.1e-73"."""
    return "p < 0.0001" if p < 1e-4 else f"p = {p:.2g}"


def wilson(x: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def two_proportion(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """z and two-sided p-value for p2 - p1 (pooled standard error)."""
    if min(n1, n2) == 0:
        return (0.0, 1.0)
    p = (x1 + x2) / (n1 + n2)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    if se == 0:
        return (0.0, 1.0)
    z = (x2 / n2 - x1 / n1) / se
    return (z, 2 * stats.norm.sf(abs(z)))


def holm(pvalues: list[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (family-wise error control, in the input order)."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def judgeable(x: int, n: int) -> bool:
    return n >= MIN_USERS and x >= MIN_EVENTS and n - x >= MIN_EVENTS


def compare_segments(table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Each segment against the rest: `table` has columns segment, started, converted."""
    total_x, total_n = int(table["converted"].sum()), int(table["started"].sum())
    rows = []
    for r in table.itertuples():
        x, n = int(r.converted), int(r.started)
        rx, rn = total_x - x, total_n - n
        lo, hi = wilson(x, n)
        ok = judgeable(x, n) and judgeable(rx, rn)
        z, p = two_proportion(rx, rn, x, n) if ok else (float("nan"), float("nan"))
        rows.append(
            {
                "segment": r.segment,
                "users": n,
                "converted": x,
                "conversion": x / n if n else 0.0,
                "ci_low": lo,
                "ci_high": hi,
                "rest_conversion": rx / rn if rn else float("nan"),
                "z": z,
                "p_value": p,
                "judgeable": ok,
            }
        )
    out = pd.DataFrame(rows)
    mask = out["judgeable"]
    out["p_adjusted"] = float("nan")
    if mask.any():
        out.loc[mask, "p_adjusted"] = holm(out.loc[mask, "p_value"].tolist())

    def verdict(r) -> str:
        if not r.judgeable:
            return "too small to judge"
        if r.p_adjusted < alpha:
            return "significantly better" if r.conversion > r.rest_conversion else "significantly worse"
        return "no clear difference"

    out["verdict"] = out.apply(verdict, axis=1)
    return out


@dataclass(frozen=True)
class Driver:
    """A worse segment big enough to drag "everyone else" down for every other segment."""

    segment: str
    share: float  # of the people who started
    conversion: float
    better: int  # segments significantly better than the rest
    still_better: int  # …of which still better when compared with everyone else except `segment`


def driver(table: pd.DataFrame, alpha: float = 0.05) -> Driver | None:
    """When several segments beat "the rest", whether one large worse segment is why: the worse
    segment pulling the rest down most (people × gap), and how many stay better without it."""
    cmp = compare_segments(table, alpha)
    better = cmp[cmp["verdict"] == "significantly better"]
    worse = cmp[cmp["verdict"] == "significantly worse"]
    if len(better) < 2 or worse.empty:
        return None
    pull = worse["users"] * (worse["rest_conversion"] - worse["conversion"])
    top = worse.loc[pull.idxmax()]
    without = compare_segments(table[table["segment"] != top["segment"]], alpha)
    still = without[(without["verdict"] == "significantly better") & without["segment"].isin(better["segment"])]
    if len(still) > len(better) / 2:
        return None  # they beat the rest without it too: it is not the reason
    return Driver(
        str(top["segment"]), float(top["users"] / cmp["users"].sum()), float(top["conversion"]), len(better), len(still)
    )


@dataclass(frozen=True)
class Readout:
    control: str
    variant: str
    n_control: int
    n_variant: int
    x_control: int
    x_variant: int
    lift: float
    ci_low: float
    ci_high: float
    p_value: float
    srm_p: float
    mde: float  # minimum detectable relative lift at 80% power

    @property
    def significant(self) -> bool:
        return self.p_value < 0.05

    @property
    def srm(self) -> bool:
        return self.srm_p < SRM_THRESHOLD

    def split_sentence(self) -> str:
        """The sample-ratio check in words, with the threshold it was judged against."""
        verdict = "a sample-ratio mismatch" if self.srm else "no sample-ratio mismatch"
        sign = "<" if self.srm else "≥"
        return (
            f"Split {self.n_control:,} / {self.n_variant:,} users: {verdict} "
            f"(p = {self.srm_p:.2g} {sign} {SRM_THRESHOLD:g}, the threshold for a broken split)."
        )

    @property
    def underpowered(self) -> bool:
        return not self.significant and abs(self.lift) < self.mde

    def sentence(self, event: str) -> str:
        if self.x_control == 0:  # a relative lift over nothing is not a number
            return (
                f"Nobody in {self.control} did {event} after assignment ({self.x_variant:,} in {self.variant}), so "
                f"there is no rate to compare with. If they could have, check that assignments and events are "
                f"keyed by the same people (python -m portal model check)."
            )
        pct = lambda v: f"{v * 100:+.0f}%".replace("+-", "-")  # noqa: E731
        direction = "better" if self.lift >= 0 else "worse"
        how = (
            f"about the same as {self.control}"
            if abs(self.lift) < 0.005
            else f"{abs(self.lift) * 100:.0f}% {direction} than {self.control}"
        )
        text = (
            f"{self.variant} converts {how} on {event} "
            f"(95% CI {pct(self.ci_low)} to {pct(self.ci_high)}, {p_text(self.p_value)})."
        )
        if self.significant:
            text += " The difference is statistically significant."
        else:
            text += " This could be noise: the data do not show a real difference."
        if self.underpowered:
            text += (
                f" The test is under-powered: with these sample sizes it could only reliably detect a lift of "
                f"about {self.mde * 100:.0f}% or more."
            )
        if self.srm:
            text += " Warning: the variants are not split as planned (sample-ratio mismatch); the result is not trustworthy."
        return text


def relative_change_ci(x1: int, n1: int, x2: int, n2: int, confidence: float = 0.95) -> tuple[float, float]:
    """Interval for p2 / p1 - 1 (Katz log relative risk); infinite when either side has no successes."""
    if x1 <= 0 or x2 <= 0:
        return (float("-inf"), float("inf"))
    p1, p2 = x1 / n1, x2 / n2
    z_crit = stats.norm.ppf(0.5 + confidence / 2)
    se_log = math.sqrt((1 - p1) / x1 + (1 - p2) / x2)
    rr = p2 / p1
    return (rr * math.exp(-z_crit * se_log) - 1, rr * math.exp(z_crit * se_log) - 1)


def difference_ci(x1: int, n1: int, x2: int, n2: int, confidence: float = 0.95) -> tuple[float, float]:
    """Interval for p2 - p1 (unpooled Wald: both sides' own variance)."""
    if min(n1, n2) == 0:
        return (-1.0, 1.0)
    p1, p2 = x1 / n1, x2 / n2
    z_crit = stats.norm.ppf(0.5 + confidence / 2)
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return (p2 - p1 - z_crit * se, p2 - p1 + z_crit * se)


def readout(control: str, n1: int, x1: int, variant: str, n2: int, x2: int, confidence: float = 0.95) -> Readout:
    p1, p2 = x1 / n1, x2 / n2
    lo, hi = relative_change_ci(x1, n1, x2, n2, confidence)
    _, p = two_proportion(x1, n1, x2, n2)
    srm_p = float(stats.chisquare([n1, n2]).pvalue)
    # Minimum detectable absolute difference at alpha 0.05 (two-sided), power 0.8, as a relative lift.
    mde_abs = (stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) * math.sqrt(p1 * (1 - p1) * (1 / n1 + 1 / n2))
    return Readout(
        control,
        variant,
        n1,
        n2,
        x1,
        x2,
        p2 / p1 - 1 if p1 else float("inf"),
        lo,
        hi,
        p,
        srm_p,
        mde_abs / p1 if p1 else float("inf"),
    )
