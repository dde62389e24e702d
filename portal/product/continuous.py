"""Experiments on continuous per-person metrics (revenue per user, orders per user): Welch's interval
for the difference of means, CUPED variance reduction from the pre-period, and sequential testing
with always-valid p-values (a mixture sequential probability ratio test) so a daily look is safe.

- **Welch**: the difference of means with its t interval (unequal variances, Welch-Satterthwaite
  degrees of freedom) and the relative lift's interval by the delta method.
- **CUPED** (Deng et al. 2013): y - θ(x - mean x), θ = cov(x, y) / var(x) pooled over both arms, x the
  same metric in the days before assignment. Unbiased because x cannot be moved by the treatment; the
  variance shrinks by about corr(x, y)², and the readout says by how much the interval narrowed.
- **mSPRT** (Johari, Pekelis and Walsh, "Always valid inference", 2017): with the estimate θ̂ and its
  variance V at a look, Λ = sqrt(V / (V + τ²)) exp(θ̂² τ² / (2 V (V + τ²))) for a normal mixture of
  effects with spread τ (a tenth of the metric's standard deviation here); the always-valid p-value is
  the running minimum of 1/Λ over the looks, and each look's always-valid interval {θ : Λ(θ) < 1/α}.
  Stopping whenever p < α keeps the false-positive rate at α however often one looks. Looks start once
  each arm has enough people and non-zero values for its variance to be estimated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

TAU_SDS = 0.1  # the mixture's spread of effects, in standard deviations of the metric
MIN_LOOK_PEOPLE = 100  # looks start once each arm has this many people …
MIN_LOOK_NONZERO = 20  # … and this many with a non-zero value (revenue is mostly zeros and a long tail:
# before that, the estimated variance is too small and an early look would reject on noise)


@dataclass(frozen=True)
class Welch:
    n1: int
    n2: int
    mean1: float
    mean2: float
    diff: float
    se: float
    df: float
    low: float
    high: float
    p: float

    @property
    def relative(self) -> float:
        return self.diff / self.mean1 if self.mean1 else math.nan

    def relative_ci(self, var1_of_mean: float, confidence: float = 0.95) -> tuple[float, float]:
        """The lift's interval by the delta method on mean2 / mean1 - 1."""
        if not self.mean1:
            return (math.nan, math.nan)
        ratio = self.mean2 / self.mean1
        var2_of_mean = self.se**2 - var1_of_mean
        v = (var2_of_mean + ratio**2 * var1_of_mean) / self.mean1**2
        z = stats.norm.ppf(0.5 + confidence / 2)
        return (ratio - 1 - z * math.sqrt(v), ratio - 1 + z * math.sqrt(v))


def welch(y1: np.ndarray, y2: np.ndarray, confidence: float = 0.95) -> Welch:
    """Arm 2 minus arm 1 (treatment minus control)."""
    y1, y2 = np.asarray(y1, dtype=float), np.asarray(y2, dtype=float)
    n1, n2 = len(y1), len(y2)
    if min(n1, n2) < 2:
        raise ValueError("Each arm needs at least two people.")
    v1, v2 = y1.var(ddof=1) / n1, y2.var(ddof=1) / n2
    se = math.sqrt(v1 + v2)
    diff = float(y2.mean() - y1.mean())
    if se == 0:
        return Welch(
            n1, n2, float(y1.mean()), float(y2.mean()), diff, 0.0, math.inf, diff, diff, 1.0 if diff == 0 else 0.0
        )
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1)) if v1 + v2 > 0 else math.inf
    t = stats.t.ppf(0.5 + confidence / 2, df)
    p = float(2 * stats.t.sf(abs(diff / se), df))
    return Welch(n1, n2, float(y1.mean()), float(y2.mean()), diff, se, df, diff - t * se, diff + t * se, p)


@dataclass(frozen=True)
class Cuped:
    theta: float
    variance_reduction: float  # 1 - var(adjusted) / var(raw), pooled
    raw: Welch
    adjusted: Welch

    @property
    def narrowed(self) -> float:
        """How much shorter the adjusted interval is than the raw one (0.3: 30% shorter)."""
        width = self.raw.high - self.raw.low
        return 1 - (self.adjusted.high - self.adjusted.low) / width if width else 0.0


def cuped(y1, x1, y2, x2, confidence: float = 0.95) -> Cuped:
    """Welch on y - θ(x - mean x): `x` is each person's same metric before assignment."""
    y1, x1, y2, x2 = (np.asarray(a, dtype=float) for a in (y1, x1, y2, x2))
    y, x = np.r_[y1, y2], np.r_[x1, x2]
    vx = x.var(ddof=1)
    theta = float(np.cov(x, y, ddof=1)[0, 1] / vx) if vx > 0 else 0.0
    mx = x.mean()
    a1, a2 = y1 - theta * (x1 - mx), y2 - theta * (x2 - mx)
    vy = y.var(ddof=1)
    reduction = 1 - np.r_[a1, a2].var(ddof=1) / vy if vy > 0 else 0.0
    return Cuped(theta, float(reduction), welch(y1, y2, confidence), welch(a1, a2, confidence))


@dataclass(frozen=True)
class Look:
    n1: int
    n2: int
    diff: float
    p_always_valid: float  # running minimum of 1 / Λ: valid at every look at once
    low: float  # this look's always-valid interval: {θ : Λ(θ) < 1/α}
    high: float


def _lambda(diff: float, v: float, tau2: float) -> float:
    if v <= 0:
        return math.inf if diff else 1.0
    return math.sqrt(v / (v + tau2)) * math.exp(diff * diff * tau2 / (2 * v * (v + tau2)))


def ready(y1: np.ndarray, y2: np.ndarray) -> bool:
    """Enough people, and enough non-zero values, in each arm for a look to count."""
    return (
        min(len(y1), len(y2)) >= MIN_LOOK_PEOPLE and min(np.count_nonzero(y1), np.count_nonzero(y2)) >= MIN_LOOK_NONZERO
    )


def msprt(looks: list[tuple[np.ndarray, np.ndarray]], alpha: float = 0.05, tau: float | None = None) -> list[Look]:
    """The always-valid readout after each look, given each look's (control, treatment) values; looks
    before both arms are `ready` are skipped. `tau` defaults to a tenth of the first counted look's
    pooled standard deviation, fixed for every later look."""
    out: list[Look] = []
    p = 1.0
    for y1, y2 in looks:
        y1, y2 = np.asarray(y1, dtype=float), np.asarray(y2, dtype=float)
        if not ready(y1, y2):
            continue
        if tau is None:
            sd = float(np.r_[y1, y2].std(ddof=1))
            tau = TAU_SDS * sd if sd > 0 else 1.0
        tau2 = tau * tau
        v = y1.var(ddof=1) / len(y1) + y2.var(ddof=1) / len(y2)
        diff = float(y2.mean() - y1.mean())
        lam = _lambda(diff, v, tau2)
        p = min(p, 1.0 / lam if lam > 0 else 1.0)
        half = (
            math.sqrt(2 * v * (v + tau2) / tau2 * (math.log(1 / alpha) + 0.5 * math.log((v + tau2) / v)))
            if v > 0
            else 0.0
        )
        out.append(Look(len(y1), len(y2), diff, min(p, 1.0), diff - half, diff + half))
    return out
