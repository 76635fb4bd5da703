"""The review's adjudication of each line in a FHIR R4 ClaimResponse.

A recorded settlement's ClaimResponse (``/fhir/ClaimResponse/{id}``) gets, for every line
a reviewer decided, one more ``adjudication`` per ``item``: the category is the decision
(``urn:safetynet:review`` approved / adjusted / rejected), the amount what the institution
bears of the line, the reason the reviewer's words with the rule and the article of Decree
No. 735. Lines not decided yet, and claims with no review case, are left as they are.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.api.fhir import systems as S
from safetynet.api.fhir.resources import money
from safetynet.codes import LineDecision
from safetynet.store.models import ClaimItem, ReviewCase, ReviewLine
from safetynet.store.models.ledger import Settlement

REVIEW = "urn:safetynet:review"
ARTICLE = "urn:safetynet:decree-735-article"


def line_adjudications(session: Session, claim_id: int) -> dict[int, dict[str, Any]]:
    """By item sequence (1, 2, … in billing order), the review's adjudication of the line."""
    items = session.scalars(
        select(ClaimItem.id).where(ClaimItem.claim_id == claim_id).order_by(ClaimItem.id)
    ).all()
    sequence = {item_id: n for n, item_id in enumerate(items, start=1)}
    rows = session.scalars(
        select(ReviewLine)
        .join(ReviewCase, ReviewCase.id == ReviewLine.case_id)
        .where(ReviewCase.claim_id == claim_id, ReviewLine.decision != LineDecision.PENDING)
    ).all()
    out: dict[int, dict[str, Any]] = {}
    for line in rows:
        adj: dict[str, Any] = {
            "category": {"coding": [{"system": REVIEW, "code": line.decision.value}]},
            "amount": money(line.deducted_fen),
        }
        codings = []
        if line.rule_id:
            codings.append({"system": S.RULE, "code": line.rule_id})
        if line.article:
            codings.append({"system": ARTICLE, "code": str(line.article)})
        reason: dict[str, Any] = {}
        if codings:
            reason["coding"] = codings
        if line.reason:
            reason["text"] = line.reason
        if reason:
            adj["reason"] = reason
        out[sequence[line.claim_item_id]] = adj
    return out


def with_review(session: Session, resource: dict[str, Any], settlement_id: int) -> dict[str, Any]:
    """The ClaimResponse of ``settlement_id`` with the review's adjudication per line."""
    claim_id = session.scalar(select(Settlement.claim_id).where(Settlement.id == settlement_id))
    if claim_id is None:
        return resource
    found = line_adjudications(session, claim_id)
    for item in resource.get("item", []):
        adj = found.get(item.get("itemSequence"))
        if adj is not None:
            item["adjudication"].append(adj)
    return resource
