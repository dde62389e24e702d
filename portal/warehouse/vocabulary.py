"""The warehouse's vocabulary: the event names and the event columns the product pages may use.

These are identifiers, not values: anything that puts one into SQL checks it against these lists
first (through `portal.sqlfiles.Ident`). One module, so cohorts, experiments, funnels and pages
agree on the same names.
"""

EVENTS = (
    "page_view",
    "signup",
    "onboarding_start",
    "address_step",
    "onboarding_complete",
    "product_view",
    "add_to_cart",
    "checkout_start",
    "purchase",
    "support_contact",
)
BREAKDOWNS = ("platform", "browser", "device", "country", "utm_source", "utm_medium", "utm_campaign", "page")
FILTER_COLUMNS = ("page", "platform", "browser", "device", "country", "utm_source", "utm_medium", "utm_campaign")
