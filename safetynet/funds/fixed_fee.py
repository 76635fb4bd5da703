"""The fixed fee per disease (单病种定额) as a payment method: the institution bears the
overrun.

The fees and the settlement of such claims belong to the programmes' policy data; what the
funds do is pay the institution no more than the fee for each case: a case whose funds'
payment at the window exceeds its fee becomes a review deduction of the overrun from the
institution (``post_deductions``), so the statements show it and the institution is owed
the fee. A case below its fee is paid what it cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from safetynet.funds.journal import JournalError
from safetynet.funds.posting import Deduction


@dataclass(frozen=True)
class FixedFeeCase:
    """One case settled under a fixed fee: what the funds paid at the window and the fee."""

    institution_code: str
    claim_no: str
    on: date
    disease: str
    fee_fen: int
    paid_fen: int


def overrun_deductions(cases: Sequence[FixedFeeCase], fund: str | None = None) -> list[Deduction]:
    """A deduction of the overrun (paid − fee) for each case above its fee."""
    out = []
    for c in cases:
        if c.fee_fen < 0 or c.paid_fen < 0:
            raise JournalError("bad_amount", f"{c.claim_no}: a fee or payment is negative")
        over = c.paid_fen - c.fee_fen
        if over > 0:
            out.append(
                Deduction(
                    c.institution_code,
                    over,
                    c.on,
                    f"fixed-fee:{c.claim_no}",
                    f"fixed fee of {c.disease} exceeded",
                    "deduction",
                    fund,
                )
            )
    return out
