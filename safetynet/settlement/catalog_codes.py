"""Whether a submission's codes are in the catalogs: the items billed and the diagnosis.

The settlement itself refuses an unknown item (at the first one: a code with no catalog
entry in force on the claim's date, :mod:`safetynet.catalogs.in_force`); these reads let an
interface name every unknown code of a claim at once, and refuse an ICD-10 code the
diagnosis catalog (the ``diagnosis`` table: WHO codes and a county's imported editions)
does not hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from safetynet.catalogs.in_force import in_force_on
from safetynet.settlement.errors import SettlementError
from safetynet.store.models import CatalogItem, Diagnosis

_DIAGNOSIS = select(Diagnosis.code).where(Diagnosis.code == bindparam("code"))
_ITEMS = select(CatalogItem.code).where(CatalogItem.code.in_(bindparam("codes", expanding=True)))
_ITEMS_ON = _ITEMS.where(in_force_on(bindparam("on")))


def unknown_items(session: Session, codes: Iterable[str], on: date | None) -> set[str]:
    """The codes of ``codes`` that have no catalog entry in force on ``on`` (None: the
    claim has no valid date, so no entry at all)."""
    wanted = set(codes)
    if not wanted:
        return set()
    params = {"codes": sorted(wanted)}
    query = _ITEMS if on is None else _ITEMS_ON
    found = session.connection().execute(query, {**params, "on": on} if on else params)
    return wanted - set(found.scalars())


def diagnosis_known(session: Session, code: str) -> bool:
    """Whether the diagnosis catalog holds ``code`` (upper case, as the catalog writes it)."""
    row = session.connection().execute(_DIAGNOSIS, {"code": code.strip().upper()}).first()
    return row is not None


def check_diagnosis(session: Session, diagnosis: str | None) -> None:
    """Refuse a diagnosis the catalog does not hold (no diagnosis is no refusal)."""
    if diagnosis and not diagnosis_known(session, diagnosis):
        raise SettlementError(
            "diagnosis_unknown",
            f"diagnosis {diagnosis!r} is not an ICD-10 code of the diagnosis catalog",
            field="diagnosis",
        )
