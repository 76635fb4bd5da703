"""Whether a submission's codes are in the catalogs: the items billed and the diagnosis.

The settlement itself refuses an unknown item (at the first one); these reads let an
interface name every unknown code of a claim at once, and refuse an ICD-10 code the
diagnosis catalog (the ``diagnosis`` table: WHO codes and a county's imported editions)
does not hold.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from safetynet.settlement.errors import SettlementError
from safetynet.store.models import CatalogItem, Diagnosis

_DIAGNOSIS = select(Diagnosis.code).where(Diagnosis.code == bindparam("code"))
_ITEMS = select(CatalogItem.code).where(CatalogItem.code.in_(bindparam("codes", expanding=True)))


def unknown_items(session: Session, codes: Iterable[str]) -> set[str]:
    """The codes of ``codes`` that no catalog item has."""
    wanted = set(codes)
    if not wanted:
        return set()
    found = session.connection().execute(_ITEMS, {"codes": sorted(wanted)}).scalars()
    return wanted - set(found)


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
