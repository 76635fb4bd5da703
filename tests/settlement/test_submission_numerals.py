"""A claim's amounts sent as text are read by the one rule for numbers (safetynet.numerals):
full-width digits are the number, another script's digits and look-alikes are refused naming
the field (``Decimal`` alone read ``٣٥`` as 35)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from safetynet.settlement.submission import ClaimSubmission, ItemLine

BASE = {"resident_id": "341821197204210015", "institution_code": "C1", "kind": "outpatient",
        "date": "2017-12-20"}  # fmt: skip


@pytest.mark.parametrize("text", ["٣٥", "۳۵", "३५", "3²", "①", "𝟑𝟓", "35\u200f"])
def test_other_digits_are_not_an_amount(text: str) -> None:
    with pytest.raises(ValidationError) as exc:
        ClaimSubmission.model_validate({**BASE, "items": [{"code": "S1", "amount": text}]})
    error = exc.value.errors()[0]
    assert error["loc"] == ("items", 0, "amount")
    assert "digits 0-9" in error["msg"]
    with pytest.raises(ValidationError):
        ItemLine.model_validate({"code": "S1", "amount": "40", "deducted": text})


def test_full_width_and_ascii_amounts_are_read_alike() -> None:
    for text in ("３５．５０", " 35.50 ", "35.5", "\u300035.50"):
        assert ItemLine.model_validate({"code": "S1", "amount": text}).amount == Decimal("35.50")
    assert ItemLine.model_validate({"code": "S1", "amount": 35.5}).amount == Decimal("35.5")
