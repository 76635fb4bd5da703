"""What a window clerk or a hospital information system submits for settlement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from safetynet.codes import ClaimKind

Yuan = Decimal


class ItemLine(BaseModel):
    """One billed item: catalog code, quantity and amount (yuan); review deductions apart."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32)
    quantity: int = Field(default=1, ge=1)
    amount: Yuan = Field(ge=0, max_digits=14, decimal_places=2)
    deducted: Yuan = Field(default=Decimal(0), ge=0, max_digits=14, decimal_places=2)

    @model_validator(mode="after")
    def _deducted_within_amount(self) -> ItemLine:
        if self.deducted > self.amount:
            raise ValueError("deducted exceeds the item's amount")
        return self


class ClaimSubmission(BaseModel):
    """A visit or a stay with its itemised bill."""

    model_config = ConfigDict(extra="forbid")
    resident_id: str = Field(min_length=1, max_length=18)
    institution_code: str = Field(min_length=1, max_length=32)
    kind: ClaimKind
    date: date  # visit or admission
    discharge_date: date | None = None
    diagnosis: str | None = Field(default=None, max_length=16)
    referral: bool = False
    claim_no: str | None = Field(default=None, max_length=40)  # the hospital's own number
    items: list[ItemLine] = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _dates_in_order(self) -> ClaimSubmission:
        if self.discharge_date is not None and self.discharge_date < self.date:
            raise ValueError("discharge_date is before the admission date")
        return self
