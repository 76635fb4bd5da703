"""The one rule of when an institution is designated for a claim (定点), stated once.

An institution is designated from ``designated_from`` (included; NULL: always was) to
``designated_to`` (excluded; NULL: still is), and for inpatient care, outpatient care or
both. A visit or stay that starts outside the period is refused as
``institution_not_designated``; one of a kind the institution is not designated for as
``institution_kind`` (the period is checked first). The window refuses such a claim
(:func:`safetynet.settlement.facts.resolve`), and the year batch leaves it unsettled with the
same code (:func:`safetynet.settlement.year_batch.settle_year`), both through
:func:`not_designated`.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

NotDesignated = Literal["institution_not_designated", "institution_kind"]


def not_designated(
    day: date,
    inpatient_claim: bool,
    designated_from: date | None,
    designated_to: date | None,
    inpatient: bool | None,
    outpatient: bool | None,
) -> NotDesignated | None:
    """Why an institution may not be paid for a claim starting on ``day``, or None."""
    if (designated_from is not None and day < designated_from) or (
        designated_to is not None and day >= designated_to
    ):
        return "institution_not_designated"
    if (inpatient_claim and not inpatient) or (not inpatient_claim and not outpatient):
        return "institution_kind"
    return None
