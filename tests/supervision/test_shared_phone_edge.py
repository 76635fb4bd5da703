"""The shared phone's "top 5 % of claims" at its edge: a claim is among them when its rank by
amount is at most n × 5 % (rounded down), ties with the last of them included; three
persons of one phone number are flagged only when all three claims are inside."""

from __future__ import annotations

import pytest

from safetynet.supervision.frames import ScreenInput
from safetynet.supervision.screen import screen
from tests.supervision.helpers import RULES, claim, data

PHONE = "13800000000"


def _county(n: int, ranks: tuple[int, ...], amounts: dict[int, int] | None = None) -> ScreenInput:
    """``n`` claims of ``n`` persons, amounts falling with rank (1 = largest); the persons of
    the claims at ``ranks`` give one phone number, the others numbers of their own."""
    amounts = amounts or {}
    every = range(1, n + 1)
    claims = [claim(f"c{r:03d}", f"p{r:03d}", date="2021-06-01",
                    total_fen=amounts.get(r, 1_000_000 - r * 100)) for r in every]  # fmt: skip
    persons = [{"person_id": f"p{r:03d}", "sex": "M",
                "phone": PHONE if r in ranks else f"139{r:08d}"} for r in every]  # fmt: skip
    return data(claims, [], persons)


def _flagged(inp: ScreenInput) -> list[str]:
    hits = screen(RULES, inp, only=["shared-phone"], check=False)
    return sorted(hits["claim_no"].to_list())


@pytest.mark.parametrize(
    ("n", "flagged"),
    [
        (59, False),  # 5 % of 59 is 2.95: the claim ranked 3rd is outside (5.08 %)
        (60, True),  # 3 of 60: exactly 5 %
        (61, True),  # 3.05: ranks 1-3 inside
        (79, True),  # 3.95
    ],
)
def test_the_third_largest_claim_is_inside_from_60_claims(n: int, flagged: bool) -> None:
    expected = ["c001", "c002", "c003"] if flagged else []
    assert _flagged(_county(n, (1, 2, 3))) == expected


@pytest.mark.parametrize(("n", "flagged"), [(61, False), (79, False), (80, True)])
def test_the_fourth_largest_claim_is_inside_from_80_claims(n: int, flagged: bool) -> None:
    # 61 claims: 3.05 % → 3 claims; taking a 4th (rank 4 of 61, 6.6 %) would exceed 5 %
    expected = ["c002", "c003", "c004"] if flagged else []
    assert _flagged(_county(n, (2, 3, 4))) == expected


def test_ties_with_the_last_claim_inside_are_inside() -> None:
    # 60 claims, the 3rd and 4th largest of one amount: the 4th ties the cut, inside
    tied = _county(60, (2, 3, 4), {4: 1_000_000 - 300})
    assert _flagged(tied) == ["c002", "c003", "c004"]


def test_too_few_claims_have_no_top_five_percent() -> None:
    assert _flagged(_county(19, (1, 2, 3))) == []
    assert _flagged(_county(20, (1, 2, 3))) == []  # only the largest is inside
