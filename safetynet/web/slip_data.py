"""Everything a settlement slip shows besides the layers: the bill's item lines (code, name,
class, quantity, unit price, amount, self-paid part), the diagnosis, the admission and
discharge dates, the institution and the clerk by name. One reading for the web slip and
its PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.catalogs.in_force import entry_of_line
from safetynet.engine.compliance import compliant_amounts
from safetynet.settlement.service import SettlementView
from safetynet.store.models import CatalogItem, Claim, ClaimItem, Diagnosis, Institution
from safetynet.store.models.catalogs import ItemClass
from safetynet.store.models.ledger import Settlement
from safetynet.store.models.security import User
from safetynet.web.i18n import N_, translations


@dataclass(frozen=True)
class SlipLine:
    code: str
    name: str | None  # None: not in the catalog on the line's day
    item_class: str | None  # A | B | C
    quantity: int
    unit_price_fen: int  # the line's amount over its quantity, rounded half up
    amount_fen: int
    self_paid_fen: int  # outside the policy range: class B's own share, class C in full


@dataclass(frozen=True)
class Slip:
    view: SettlementView
    institution_name: str
    clerk_name: str
    diagnosis_code: str | None
    diagnosis_title: str | None
    admitted: date
    discharged: date | None  # None: an outpatient visit
    lines: list[SlipLine]
    reason: str | None  # a refund's reason

    @property
    def refund_note(self) -> str | None:
        """What a refund does to the year's caps and thresholds (a reversal's slip says it):
        :data:`REFUND_ROOM`, untranslated; None on a settlement's slip."""
        return REFUND_ROOM if self.view.entry_kind == "reversal" else None


# The settlement service's rule (``service.refund``, ``accumulators.rebuild``): the
# accumulators are replayed without the refunded claim, the later claims' payments stand
REFUND_ROOM = N_(
    "The room this refund frees under the year's deductibles, caps and ceilings goes first "
    "to the claims of the year settled after the refunded one, as if it had never been "
    "settled: what they were paid does not change now; the year-end re-settlement pays what "
    "they are owed more, or recovers what they were paid too much (a deductible or threshold "
    "the refunded claim had reached). A later claim gets only the room left after them."
)


def _lines(db: Session, claim_id: int) -> list[SlipLine]:
    rows = db.execute(
        select(
            ClaimItem.item_code, ClaimItem.quantity, ClaimItem.amount_fen, ClaimItem.deducted_fen,
            CatalogItem.name, CatalogItem.item_class, CatalogItem.self_pay_bp,
        )
        .join(Claim, Claim.id == ClaimItem.claim_id)
        .outerjoin(CatalogItem, entry_of_line())  # the entry in force on the line's day
        .where(ClaimItem.claim_id == claim_id)
        .order_by(ClaimItem.id)
    ).all()  # fmt: skip
    if not rows:
        return []
    amount = np.array([r.amount_fen for r in rows], np.int64)
    deducted = np.array([r.deducted_fen for r in rows], np.int64)
    compliant, _ = compliant_amounts(
        amount,
        deducted,
        np.array([r.item_class == ItemClass.A for r in rows]),
        np.array([r.item_class == ItemClass.B for r in rows]),
        np.array([r.self_pay_bp or 0 for r in rows], np.int64),
        np.zeros(len(rows), bool),
    )
    out = []
    for r, comp in zip(rows, compliant, strict=True):
        qty = max(int(r.quantity or 1), 1)
        out.append(
            SlipLine(
                code=r.item_code,
                name=r.name,
                item_class=r.item_class.value if r.item_class else None,
                quantity=qty,
                unit_price_fen=(2 * r.amount_fen + qty) // (2 * qty),
                amount_fen=r.amount_fen,
                self_paid_fen=r.amount_fen - r.deducted_fen - int(comp),
            )
        )
    return out


BATCH_USER = "batch"  # year_batch.settle_year's default user
BATCH = N_("batch settlement of a claim file")


def _settled_by(username: str, locale: str) -> str:
    """Who settled it when no user has that name: a batch run says so in words."""
    return translations(locale).gettext(BATCH) if username == BATCH_USER else username


def slip_of(db: Session, entry: Settlement, view: SettlementView, locale: str) -> Slip:
    """The slip of a ledger entry (a settlement or its reversal)."""
    claim = db.get(Claim, entry.claim_id)
    assert claim is not None
    inst = db.get(Institution, claim.institution_code)
    clerk = db.scalar(select(User.display_name).where(User.username == entry.created_by))
    diagnosis = db.get(Diagnosis, claim.diagnosis_code) if claim.diagnosis_code else None
    title = None
    if diagnosis is not None:
        zh = locale == "zh_Hans"
        title = diagnosis.title_zh if zh else (diagnosis.title_en or diagnosis.title_zh)
    return Slip(
        view=view,
        institution_name=inst.name if inst else claim.institution_code,
        clerk_name=clerk or _settled_by(entry.created_by, locale),
        diagnosis_code=claim.diagnosis_code,
        diagnosis_title=title,
        admitted=claim.start_date,
        discharged=claim.end_date if claim.kind.value == "inpatient" else None,
        lines=_lines(db, claim.id),
        reason=entry.reason,
    )
