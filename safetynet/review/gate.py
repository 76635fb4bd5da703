"""The settlement gate of suspensions: a suspended person's or department's claim is refused.

Registered in :mod:`safetynet.settlement.hooks` (``GATES``), so preview and submit, the
window and the APIs alike refuse the claim before anything is written, with the reason and
the last day of the suspension (HTTP 403). A suspension covers the claim when the claim's
day of settlement — the discharge date of a stay, the visit date otherwise — or the day it
is settled directly (today) falls in ``[valid_from, valid_to)``: what is suspended is the
direct settlement itself, so a claim dated before the suspension is not settled directly
during it either. A department's suspension covers its institution's claims of
the kinds it treats (all kinds when it lists none). One query per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Select, bindparam, or_, select
from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.codes import SuspensionScope
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.hooks import GateClaim
from safetynet.store.lists import one_of, per_dialect
from safetynet.store.models import Suspension


def settled_on(claim: GateClaim) -> date:
    return claim.sub.discharge_date or claim.sub.date


def refusal(row: Any) -> SettlementError:
    """The refusal a suspension gives: code, the last day, the article and the reason."""
    last = (row.valid_to - timedelta(days=1)).isoformat()
    if row.scope == SuspensionScope.PERSON:
        return SettlementError(
            "person_suspended",
            f"direct settlement of this person is suspended through {last} "
            f"(Decree No. 735, art. {row.article}): {row.reason}",
            field="resident_id", status=403,
        )  # fmt: skip
    return SettlementError(
        "department_suspended",
        f"the department {row.department} of institution {row.institution_code} is suspended "
        f"through {last} (Decree No. 735, art. {row.article}): {row.reason}",
        field="institution_code", status=403,
    )  # fmt: skip


def _build(pg: bool) -> Select[Any]:
    """The suspensions a batch's claims may fall under, as plain rows (the columns by name,
    as a :class:`Suspension` has them; the ORM's identity map adds only cost at every
    batch): built once per dialect, its lists bound at execution (one array each on
    PostgreSQL)."""
    return (
        select(*Suspension.__table__.c)
        .where(
            Suspension.valid_from <= bindparam("last", type_=Date),
            Suspension.valid_to > bindparam("first", type_=Date),
            or_(
                one_of(Suspension.person_id, "persons", pg),
                one_of(Suspension.institution_code, "institutions", pg),
            ),
        )
        .order_by(Suspension.id)
    )


_statement = per_dialect(_build)


def suspended(session: Session, claims: Sequence[GateClaim]) -> list[SettlementError | None]:
    """Gate: per claim, the refusal of the first suspension covering it, or None."""
    if not claims:
        return []
    days = [settled_on(c) for c in claims]
    today = local_today()  # the day of the direct settlement itself
    person_ids = {c.person.id for c in claims if c.person is not None}
    institutions = {c.sub.institution_code for c in claims}
    params = {"last": max(*days, today), "first": min(*days, today),
              "persons": sorted(person_ids), "institutions": sorted(institutions)}  # fmt: skip
    conn = session.connection()
    rows = conn.execute(_statement(conn), params).all()
    if not rows:
        return [None] * len(claims)
    out: list[SettlementError | None] = []
    for claim, day in zip(claims, days, strict=True):
        found = None
        for row in rows:
            if not (row.valid_from <= day < row.valid_to or row.valid_from <= today < row.valid_to):
                continue
            if row.scope == SuspensionScope.PERSON:
                hit = claim.person is not None and row.person_id == claim.person.id
            else:
                hit = row.institution_code == claim.sub.institution_code and (
                    not row.claim_kinds or claim.sub.kind.value in row.claim_kinds
                )
            if hit:
                found = refusal(row)
                break
        out.append(found)
    return out
