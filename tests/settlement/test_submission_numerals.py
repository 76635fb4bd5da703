"""A claim's amounts and dates sent as text are read by the one rule for numbers (numerals):
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


@pytest.mark.parametrize(
    "day", [1513728000, 20171220, "1513728000", "20171220", "2017-12-20T00:00:00", True,
            "2017-12-20 ", "٢٠١٧-١٢-٢٠", "2017/12/20"],
)  # fmt: skip
def test_a_date_is_written_yyyy_mm_dd(day: object) -> None:
    """Seconds since 1970 and a time of day were taken as dates (1513728000 was 2017-12-20,
    20171220 was 1970-08-22: refused as "before 2000" instead of as not a date)."""
    items = [{"code": "S1", "amount": "1"}]
    for field in ("date", "discharge_date"):
        claim = {**BASE, "kind": "inpatient", field: day, "items": items}
        if day == "2017-12-20 ":  # the spaces around a date are not a fault
            assert ClaimSubmission.model_validate(claim)
            continue
        with pytest.raises(ValidationError) as exc:
            ClaimSubmission.model_validate(claim)
        error = exc.value.errors()[0]
        assert error["loc"] == (field,) and "YYYY-MM-DD" in error["msg"]


def test_a_date_typed_full_width_is_the_date() -> None:
    claim = {**BASE, "date": "２０１７－１２－２０", "items": [{"code": "S1", "amount": "1"}]}
    assert ClaimSubmission.model_validate(claim).date.isoformat() == "2017-12-20"


@pytest.mark.parametrize(
    "text", ["H\u202e-1", "A\x1bB", "x\u200by", "line\nbreak", "\ufeffH-1", "a\x85b", "\u2066H"]
)
def test_a_line_of_text_holds_no_control_or_invisible_character(text: str) -> None:
    """``H‮-1`` (a right-to-left override) was stored as a claim number: it shows as another."""
    items = [{"code": "S1", "amount": "1"}]
    for field, claim in (
        ("claim_no", {**BASE, "claim_no": text, "items": items}),
        ("duplicate_reason", {**BASE, "duplicate_reason": text, "items": items}),
        ("institution_code", {**BASE, "institution_code": text, "items": items}),
        ("diagnosis", {**BASE, "diagnosis": text, "items": items}),
    ):
        with pytest.raises(ValidationError) as exc:
            ClaimSubmission.model_validate(claim)
        error = exc.value.errors()[0]
        assert error["loc"] == (field,) and "invisible character (U+" in error["msg"]
    with pytest.raises(ValidationError):
        ItemLine.model_validate({"code": text, "amount": "1"})


def test_visible_text_of_any_script_passes() -> None:
    for text in ("H-1", "住院-2017/01", "José Ñ", "😀", "a\u0301"):
        sub = {**BASE, "claim_no": text, "items": [{"code": "S1", "amount": "1"}]}
        assert ClaimSubmission.model_validate(sub).claim_no == text


def test_an_amount_however_written_is_one_claim() -> None:
    """A retry that writes 35.00 as 35 or "35.0" (another serialiser) is the same claim under
    its idempotency key — it was refused 409 client_key_reused; finer amounts stay refused."""
    from safetynet.settlement.duplicate_bill import request_hash

    def sub(amount: object, **item: object) -> ClaimSubmission:
        items = [{"code": "S1", "amount": amount, **item}]
        return ClaimSubmission.model_validate({**BASE, "items": items})

    first = request_hash(sub("35.00"))
    for written in (35, 35.0, "35", "35.0", "３５．００", "3.5e1"):
        assert request_hash(sub(written)) == first, written
    assert request_hash(sub("35.00", deducted="0")) == first  # the default deduction
    assert request_hash(sub("35.00", deducted="0.00")) == first
    assert request_hash(sub("35.01")) != first
    with pytest.raises(ValidationError):
        sub("35.001")
