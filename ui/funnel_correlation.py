"""The Funnels page's Correlation tab: which property values make completing or dropping off more
likely (portal.product.funnels.correlation), worst first, as a formatted table."""

from __future__ import annotations

from portal.product.funnels import FunnelSpec, user_levels
from portal.product.funnels.correlation import ALPHA, MIN_PEOPLE, correlation, first_step_properties, worst
from portal.product.funnels.handoff import CHAINS
from portal.product.stats import p_text
from ui.shared_cache import by_role
from ui.tables import table
from ui.text import caption_text, error_text, info_text, success_text

SHOWN = 100  # rows of the ranked table sent to the browser (the full table is hundreds of rows)


@by_role(ttl=600, show_spinner="Comparing every property value and pair of values…", max_entries=8)
def _correlation(session, spec: FunnelSpec):
    levels = CHAINS.take((spec, session.user.name))
    if levels is None:
        levels = user_levels(session, spec)
    return correlation(levels, first_step_properties(session, spec), len(spec.steps))


def correlation_tab(spec: FunnelSpec) -> None:
    caption_text(
        f"Everyone who did {spec.steps[0].event} from {spec.start} to {spec.end}, by their properties at that first "
        f"step: each value, and each pair of values, held by at least {MIN_PEOPLE} people, against everyone else "
        "(two-proportion test). With hundreds of comparisons some would look significant by chance, so p-values "
        "are adjusted for their number (Benjamini-Hochberg); only adjusted p below "
        f"{ALPHA:g} counts."
    )
    try:
        found = _correlation(spec)
    except Exception as err:
        error_text(getattr(err, "message", None) or err)
        return
    if found.empty:
        info_text("No property value is held by enough people to compare.")
        return
    for r in worst(found, 3).itertuples():
        error_text(
            f"{r.properties} = {r.values}: {r.conversion:.1%} complete ({r.completed:,} of {r.people:,}) vs "
            f"{r.rest_conversion:.1%} of everyone else; odds {r.odds_ratio:.2f}× ({p_text(r.p_adjusted)}, adjusted)."
        )
    best = found[found["verdict"] == "more likely to complete"].sort_values("conversion", ascending=False).head(1)
    for r in best.itertuples():
        success_text(
            f"Best: {r.properties} = {r.values}: {r.conversion:.1%} complete ({r.people:,} people) vs "
            f"{r.rest_conversion:.1%} of everyone else ({p_text(r.p_adjusted)}, adjusted)."
        )
    shown = found.head(SHOWN)
    if len(found) > SHOWN:
        caption_text(f"The {SHOWN} strongest of {len(found):,} comparisons; the adjustment counts all of them.")
    table(
        shown,
        key="fn_correlation",
        kinds={"ci_low": "percent", "ci_high": "percent", "odds_ratio": "number"},
        labels={
            "properties": "Property",
            "values": "Value",
            "ci_low": "95% CI low",
            "ci_high": "95% CI high",
            "rest_conversion": "Everyone else",
            "p_adjusted": "p (adjusted)",
            "verdict": "Verdict",
        },
    )
