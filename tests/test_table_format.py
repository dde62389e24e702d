"""One formatting path for tables (issue #25): labels and kinds from names, values and metadata."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from portal.reporting.table_format import as_text, column_formats, for_display


def kinds(frame, **kw):
    return {f.name: (f.kind, f.label) for f in column_formats(frame, **kw)}


def test_kinds_and_labels_come_from_names_and_values():
    frame = pd.DataFrame(
        {
            "utm_campaign": ["a", "b"],
            "spend": [1234.5, 10.0],
            "clicks": [Decimal(4099), Decimal(12)],  # a HUGEINT sum arrives as Decimals
            "cost_per_click": [0.35, 0.4],
            "conversion_low": [0.1, 0.2],
            "late_share": [0.66, 0.5],
            "p_value": [0.00001, 0.2],
            "amount_eur": [5.0, 6.0],
            "rate_of_growth": [3.5, 7.0],  # named like a rate, but not a share: a number
            "day": pd.to_datetime(["2026-01-01", "2026-01-02"]),
        }
    )
    k = kinds(frame)
    assert k["utm_campaign"] == ("text", "UTM campaign")
    assert k["spend"] == ("money", "Spend") and k["cost_per_click"][0] == "money"
    assert k["clicks"] == ("count", "Clicks")
    assert k["conversion_low"] == ("percent", "Conversion low") and k["late_share"][0] == "percent"
    assert k["p_value"] == ("p_value", "p-value") and k["rate_of_growth"][0] == "number"
    assert k["day"][0] == "date"
    assert kinds(pd.DataFrame({"at": pd.to_datetime(["2026-01-01 10:30"])}))["at"][0] == "datetime"
    text = as_text(frame)
    assert list(text.iloc[0]) == [
        "a", "$1,234", "4,099", "$0.35", "10.0%", "66.0%", "p < 0.0001", "€5.00", "3.50", "2026-01-01",
    ]  # fmt: skip
    shown = for_display(frame, column_formats(frame))
    assert shown["p_value"].tolist() == ["p < 0.0001", "p = 0.2"] and shown["clicks"].dtype.kind == "f"


def test_metadata_wins_over_guesses():
    frame = pd.DataFrame({"ci_low": [0.1], "odds_ratio": [0.5]})
    k = kinds(frame, kinds={"ci_low": "percent"}, labels={"ci_low": "95% CI low"})
    assert k["ci_low"] == ("percent", "95% CI low") and k["odds_ratio"][0] == "number"
