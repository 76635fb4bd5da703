"""Supervision indicators by hand, and their definitions in the indicator catalog."""

from __future__ import annotations

import polars as pl
import pytest

from safetynet.indicators.definitions import definitions
from safetynet.supervision.indicators import COMPUTED, supervision_indicators


def test_indicators_by_hand() -> None:
    claims = pl.DataFrame({"claim_no": ["a", "b", "c", "d"], "institution": ["X", "X", "X", "Y"]})
    hits = pl.DataFrame({
        "claim_no": ["a", "a", "d"], "rule_id": ["r1", "r2", "r1"], "facts": ["{}"] * 3,
        "institution": ["X", "X", "Y"], "amount_fen": [100, 50, 7],
    })  # fmt: skip
    got = {(i, p): v for i, p, v in supervision_indicators(claims, hits).iter_rows()}
    assert got[("claims_screened", None)] == 4
    assert got[("flagged_per_1000_claims", None)] == 500  # a and d of 4
    assert got[("flagged_per_1000_claims", "r1")] == 500
    assert got[("flagged_per_1000_claims", "r2")] == 250
    assert got[("amount_at_stake", None)] == 157
    assert got[("flagged_per_1000_claims_by_institution", "X")] == pytest.approx(1000 / 3)
    assert got[("flagged_per_1000_claims_by_institution", "Y")] == 1000
    assert got[("amount_at_stake_by_institution", "X")] == 150


def test_every_supervision_indicator_has_a_written_definition() -> None:
    defs = definitions().by_id()
    for indicator, parts in COMPUTED.items():
        d = defs[indicator]
        assert d.parts == parts and d.formula("zh_Hans") and d.counted("en")


def test_rates_over_no_claim_are_undefined_not_zero() -> None:
    """No claim screened: flagged per 1,000 claims has nothing to divide by (null, a dash),
    as the county's indicators leave an undefined ratio; the counts stay 0."""
    claims = pl.DataFrame(schema={"claim_no": pl.String, "institution": pl.String})
    hits = pl.DataFrame(schema={"claim_no": pl.String, "rule_id": pl.String, "facts": pl.String,
                                "institution": pl.String, "amount_fen": pl.Int64})  # fmt: skip
    got = {(i, p): v for i, p, v in supervision_indicators(claims, hits).iter_rows()}
    assert got[("claims_screened", None)] == 0
    assert got[("flagged_per_1000_claims", None)] is None
    assert got[("amount_at_stake", None)] == 0
