"""What a window clerk or a hospital information system submits for settlement.

Every number and date is bounded to what the domain allows (the named constants below), so an
absurd value is a 422 naming its field, never a 500 or a recorded absurdity.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, overload

import polars as pl
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from safetynet.clock import local_today
from safetynet.codes import ClaimKind, diagnosis_code
from safetynet.numerals import numeric_text
from safetynet.plain_text import OneLine
from safetynet.registry.resident_id import as_typed


def _numeral(value: object) -> object:
    """An amount sent as text is read by the one rule for numbers (:mod:`safetynet.numerals`):
    ``３５．００`` is 35.00; another script's digits (``٣٥``) are refused, not read by
    ``Decimal``'s Unicode digits."""
    if isinstance(value, str):
        text = numeric_text(value)
        if not text.isascii():
            raise ValueError("is not a number: write it with the digits 0-9")
        return text
    return value


CENT = Decimal("0.01")


def _to_cents(value: Decimal) -> Decimal:
    """An amount written to the cent: ``35``, ``35.0`` and ``"35.00"`` are one amount, so a
    retry that writes it otherwise is the same claim (its fingerprint, ``request_hash``),
    not a reused key (zero as ``0``, the default deduction's form). Finer amounts were refused
    before (two decimal places at most)."""
    return Decimal(0) if value == 0 else value.quantize(CENT)


Yuan = Annotated[Decimal, BeforeValidator(_numeral), AfterValidator(_to_cents)]

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value: object) -> object:
    """A date is written ``YYYY-MM-DD`` (full-width forms read as typed, by the one rule for
    numbers): not a number of seconds since 1970 (``1513728000``, or ``20171220`` read as one),
    a time of day or another script's digits, which the parser would take."""
    if isinstance(value, str):
        text = numeric_text(value)
        if not _ISO_DAY.fullmatch(text):
            raise ValueError("write the date as YYYY-MM-DD")
        return text
    if isinstance(value, int | float):  # bool too
        raise ValueError("write the date as YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]  # a date as the API and the forms take it

MAX_QUANTITY = 100_000  # units of one item on one bill (tablets of a long stay included)
MAX_ITEM_YUAN = Decimal("10000000.00")  # ten million yuan: no single billed item costs more
MAX_ITEMS = 2_000  # item lines of one claim
EARLIEST_DATE = date(2000, 1, 1)  # no scheme settled here before; no policy is that old
MAX_STAY_DAYS = 730  # admission to discharge; longer stays are settled in parts


@overload
def settles_nothing(total: pl.Expr) -> pl.Expr: ...
@overload
def settles_nothing(total: Decimal | int) -> bool: ...
def settles_nothing(total: pl.Expr | Decimal | int) -> pl.Expr | bool:
    """The one rule of a bill that settles nothing: its total is 0.00 yuan (every line is
    0.00, amounts being never negative). The API, FHIR and the window refuse it naming
    ``items`` (:class:`ClaimSubmission`); a claim file refuses its line
    (:mod:`safetynet.claims.fileformat`, given by items or by ``total``). ``total`` is a
    number (yuan or fen) or a Polars expression of one."""
    return total == 0


DUPLICATE_REASON_LENGTH = 200  # a sentence: why an identical bill is a genuine second one
FUTURE_SLACK = timedelta(days=1)  # a date may be "tomorrow" across time zones, no later


COVERAGE_AHEAD = timedelta(days=366)  # coverage is asked for up to a year ahead


def within_coverage_window(day: date) -> bool:
    """Whether coverage may be asked for on ``day`` (the JSON API's and FHIR's eligibility):
    from the scheme's earliest date to a year after the latest claim date."""
    return EARLIEST_DATE <= day <= latest_date() + COVERAGE_AHEAD


def latest_date() -> date:
    """The latest visit, admission or discharge date accepted: today, give or take a day."""
    return local_today() + FUTURE_SLACK


class ItemLine(BaseModel):
    """One billed item: catalog code, quantity and amount (yuan); review deductions apart."""

    model_config = ConfigDict(extra="forbid")
    code: OneLine = Field(min_length=1, max_length=32)
    # strict: a JSON whole number only (not "3", 3.5 or true), as the API documents it
    quantity: int = Field(default=1, ge=1, le=MAX_QUANTITY, strict=True)
    amount: Yuan = Field(ge=0, le=MAX_ITEM_YUAN, max_digits=14, decimal_places=2)
    deducted: Yuan = Field(
        default=Decimal(0), ge=0, le=MAX_ITEM_YUAN, max_digits=14, decimal_places=2
    )

    @model_validator(mode="after")
    def _deducted_within_amount(self) -> ItemLine:
        if self.deducted > self.amount:
            raise ValueError("deducted exceeds the item's amount")
        return self


def _within_dates(value: date) -> date:
    if value < EARLIEST_DATE:
        raise ValueError(f"is before {EARLIEST_DATE.isoformat()}")
    if value > latest_date():
        raise ValueError("is in the future")
    return value


class ClaimSubmission(BaseModel):
    """A visit or a stay with its itemised bill."""

    model_config = ConfigDict(extra="forbid")
    resident_id: str = Field(min_length=1, max_length=18)
    institution_code: OneLine = Field(min_length=1, max_length=32)
    kind: ClaimKind
    date: Day  # visit or admission
    discharge_date: Day | None = None
    diagnosis: OneLine | None = Field(default=None, max_length=16)
    referral: bool = Field(default=False, strict=True)  # true or false, not "yes" or 1
    claim_no: OneLine | None = Field(default=None, max_length=40)  # the hospital's own number
    items: list[ItemLine] = Field(min_length=1, max_length=MAX_ITEMS)
    # the clerk's reason for settling a bill identical to one settled before (two genuine
    # same-day visits): confirms it past the duplicate-bill gate, recorded in the audit log
    duplicate_reason: OneLine | None = Field(default=None, max_length=DUPLICATE_REASON_LENGTH)

    @field_validator("resident_id", mode="before")
    @classmethod
    def _resident_id_as_typed(cls, value: object) -> object:
        """The ID in its canonical characters (``３４…ｘ`` is ``34…X``), as every lookup reads
        it (:func:`safetynet.registry.resident_id.as_typed`); its check is the service's."""
        return as_typed(value) if isinstance(value, str) else value

    @field_validator("diagnosis", mode="before")
    @classmethod
    def _diagnosis_spelled_once(cls, value: object) -> object:
        """The ICD-10 code as the catalog writes it (:func:`safetynet.codes.diagnosis_code`):
        `` j18.9 `` is stored ``J18.9``, never in a second spelling; blank is none."""
        return diagnosis_code(value) if isinstance(value, str) else value

    @field_validator("claim_no", "duplicate_reason", mode="before")
    @classmethod
    def _claim_no_trimmed(cls, value: object) -> object:
        """The hospital's number without the spaces around it (" A-1 " is claim A-1, submitted
        twice is refused as a duplicate); blank is no number (the same for a reason)."""
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("items")
    @classmethod
    def _something_to_settle(cls, value: list[ItemLine]) -> list[ItemLine]:
        """A bill of 0.00 yuan on every line settles nothing: it is refused (naming
        ``items``), on every entry point — the API, FHIR, the window's form — as a bill with
        no line is (``min_length``); a line of 0.00 beside one that costs something is kept
        (a free item on the bill)."""
        if value and settles_nothing(sum(item.amount for item in value)):
            raise ValueError("are all 0.00 yuan: there is nothing to settle")
        return value

    @field_validator("date")
    @classmethod
    def _date_in_range(cls, value: date) -> date:
        return _within_dates(value)

    @field_validator("discharge_date")
    @classmethod
    def _discharge_in_range(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is None:
            return None
        _within_dates(value)
        admitted = info.data.get("date")
        if admitted is not None:
            if value < admitted:
                raise ValueError("is before the admission date")
            if (value - admitted).days > MAX_STAY_DAYS:
                raise ValueError(f"is more than {MAX_STAY_DAYS} days after the admission date")
        return value
