"""The planted stories of the demo warehouse, as named constants.

Tests and docs read these instead of repeating dates and sizes, so changing a story is one edit here.
Each value becomes a DuckDB variable (`getvariable('name')`) for the SQL in portal/sql/demo and raw.
"""

from __future__ import annotations

from datetime import date

DEMO_START_DATE = date(2025, 1, 6)
DEMO_END_DATE = date(2026, 11, 15)

VISITORS_AT_SCALE_1 = 320_000  # first visits; ~40% sign up, so ~130k customers at scale 1
N_PRODUCTS = 400
GROWTH_PER_YEAR = 0.75  # log-growth of daily first visits (about x2.1 per year)
MEAN_GAP_DAYS = 9.0  # mean days between a customer's visits
SIGNUP_BASE = 0.42  # visitor-to-signup probability before channel factors

# Story 4: the start-page redesign lifts visitor-to-signup conversion.
REDESIGN_DATE = date(2026, 6, 2)
REDESIGN_LIFT = 0.14

# Story 3: onboarding without the address step completes more often (0.60 / 0.50 = +20%).
EXP1_START, EXP1_END = date(2026, 2, 2), date(2026, 4, 27)
COMPLETE_WITH_ADDRESS = 0.50
COMPLETE_WITHOUT_ADDRESS = 0.60
# A null experiment: the button colour changes nothing.
EXP2_START, EXP2_END = date(2025, 10, 20), date(2025, 12, 8)

# Stories 1 and 5: checkout-to-purchase conversion.
BUY_AFTER_CHECKOUT = 0.68
IOS_SAFARI_FACTOR = 0.33  # storage bug: the cart is lost on payment redirect
CHECKOUT_BUG_START, CHECKOUT_BUG_END = date(2025, 9, 8), date(2025, 10, 13)
CHECKOUT_BUG_FACTOR = 0.60  # back button corrupts the cart

# Story 6: checkout tickets resolved within the hour convert better, at every cart value.
TICKET_RATE = 0.10
RESOLUTION_MEAN_MINUTES = 150.0
BUY_AFTER_FAST_TICKET = 0.66
BUY_AFTER_SLOW_TICKET = 0.38

GENERATOR_VERSION = "1"


def variables(scale: float, seed: int) -> dict[str, object]:
    """Every story constant as a DuckDB variable value."""
    return {
        "seed": int(seed),
        "scale": float(scale),
        "start_date": DEMO_START_DATE,
        "end_date": DEMO_END_DATE,
        "visitors": round(VISITORS_AT_SCALE_1 * scale),
        "n_products": N_PRODUCTS,
        "growth_per_year": GROWTH_PER_YEAR,
        "mean_gap_days": MEAN_GAP_DAYS,
        "signup_base": SIGNUP_BASE,
        "redesign_date": REDESIGN_DATE,
        "redesign_lift": REDESIGN_LIFT,
        "exp1_start": EXP1_START,
        "exp1_end": EXP1_END,
        "complete_with_address": COMPLETE_WITH_ADDRESS,
        "complete_without_address": COMPLETE_WITHOUT_ADDRESS,
        "exp2_start": EXP2_START,
        "exp2_end": EXP2_END,
        "buy_after_checkout": BUY_AFTER_CHECKOUT,
        "ios_safari_factor": IOS_SAFARI_FACTOR,
        "bug_start": CHECKOUT_BUG_START,
        "bug_end": CHECKOUT_BUG_END,
        "bug_factor": CHECKOUT_BUG_FACTOR,
        "ticket_rate": TICKET_RATE,
        "resolution_mean_minutes": RESOLUTION_MEAN_MINUTES,
        "buy_after_fast_ticket": BUY_AFTER_FAST_TICKET,
        "buy_after_slow_ticket": BUY_AFTER_SLOW_TICKET,
        "generator_version": GENERATOR_VERSION,
    }
