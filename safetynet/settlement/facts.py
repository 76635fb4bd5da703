"""Resolve a submission against the registry, catalogs and policies into the engine's facts.

Every refusal is a ``SettlementError`` naming the field at fault; nothing is written here.
The only database work is finding a person by resident ID; everything else a claim is
resolved on comes from its batch's :class:`~safetynet.settlement.snapshot.Snapshot`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from safetynet.codes import ClaimKind, ItemClass
from safetynet.engine.compile import CompiledPolicy
from safetynet.engine.compliance import compliant_amounts
from safetynet.engine.facts import ClaimFacts
from safetynet.money import to_fen
from safetynet.policy.diseases import disease_mask
from safetynet.programmes.fixed_fee import adjust_claim
from safetynet.registry.age import age_on
from safetynet.registry.alive import after_death
from safetynet.registry.designation import not_designated
from safetynet.registry.resident_id import ResidentIdError, parse_resident_id
from safetynet.settlement.compiled import compiled_in_force, prefixes_of
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.models import Institution, Person

if TYPE_CHECKING:
    from safetynet.settlement.snapshot import Snapshot


class PersonFacts(Protocol):
    """What settlement reads of a person (an ORM ``Person`` or a row of :data:`PERSON_COLUMNS`)."""

    id: int
    resident_id: str
    name: str
    household_id: int
    region_code: str
    birth_date: date
    deceased_on: date | None
    sex: Any  # Sex (fund supervision's screening reads it at the gate)


PERSON_COLUMNS = (
    Person.id,
    Person.resident_id,
    Person.name,
    Person.household_id,
    Person.region_code,
    Person.birth_date,
    Person.deceased_on,
    Person.sex,
)
INSTITUTION_COLUMNS = (
    Institution.code,
    Institution.name,
    Institution.level,
    Institution.in_county,
    Institution.designated_from,
    Institution.designated_to,
    Institution.inpatient,
    Institution.outpatient,
)


# built once (statement construction costs more than running it), run on the connection
_PERSON = select(*PERSON_COLUMNS).where(Person.resident_id == bindparam("rid"))


@dataclass(frozen=True)
class ResolvedClaim:
    person: PersonFacts
    institution: Any  # a row of INSTITUTION_COLUMNS
    policy: CompiledPolicy
    facts: ClaimFacts
    lines: dict[str, np.ndarray]  # the bill's lines: amount, deducted, compliant, essential fen
    year: int


def checked_resident_id(resident_id: str) -> str:
    """The resident ID in its canonical form; ``SettlementError`` when malformed."""
    try:
        return parse_resident_id(resident_id).number
    except ResidentIdError as exc:
        raise SettlementError(
            "resident_id_invalid", f"resident ID {resident_id!r}: {exc}", field="resident_id"
        ) from None


def find_person(session: Session, resident_id: str) -> PersonFacts:
    number = checked_resident_id(resident_id)
    person = session.connection().execute(_PERSON, {"rid": number}).first()
    if person is None:
        raise SettlementError(
            "person_unknown",
            f"no insured person has resident ID {number}",
            field="resident_id",
            status=404,
        )
    return person  # type: ignore[return-value]  # a Row has the protocol's attributes


def _institution(snap: Snapshot, sub: ClaimSubmission) -> Any:
    inst = snap.institutions.get(sub.institution_code)
    if inst is None:
        raise SettlementError(
            "institution_unknown",
            f"no designated institution has code {sub.institution_code!r}",
            field="institution_code",
            status=404,
        )
    refused = not_designated(sub.date, sub.kind == ClaimKind.INPATIENT, inst.designated_from,
                             inst.designated_to, inst.inpatient, inst.outpatient)  # fmt: skip
    if refused == "institution_not_designated":
        raise SettlementError(
            "institution_not_designated",
            f"{inst.name} is not designated on {sub.date.isoformat()}",
            field="institution_code",
        )
    if refused == "institution_kind":
        raise SettlementError(
            "institution_kind",
            f"{inst.name} is not designated for {sub.kind.value} care",
            field="kind",
        )
    return inst


def _priced_lines(snap: Snapshot, sub: ClaimSubmission) -> dict[str, np.ndarray]:
    """The lines priced by the catalog entries in force on the claim's date (a submission's
    lines carry no date of their own: :mod:`safetynet.catalogs.in_force`); a code without
    one is refused."""
    items = []
    for i, line in enumerate(sub.items):
        entry = snap.item(line.code, sub.date)
        if entry is None:
            raise SettlementError(
                "item_unknown",
                f"item code {line.code!r} is not in the catalog on {sub.date.isoformat()}",
                field=f"items[{i}].code",
            )
        items.append(entry)
    amount = np.array([to_fen(line.amount) for line in sub.items], np.int64)
    deducted = np.array([to_fen(line.deducted) for line in sub.items], np.int64)
    compliant, essential = compliant_amounts(
        amount,
        deducted,
        np.array([i.item_class == ItemClass.A for i in items]),
        np.array([i.item_class == ItemClass.B for i in items]),
        np.array([i.self_pay_bp or 0 for i in items], np.int64),
        np.array([bool(i.essential) for i in items]),
    )
    return {
        "amount_fen": amount,
        "deducted_fen": deducted,
        "compliant_fen": compliant,
        "essential_fen": essential,
    }


def check_person(person: PersonFacts, sub: ClaimSubmission) -> None:
    """Refuse a claim dated before the person's birth or on or after their death (the
    registry's rule of who is alive, :mod:`safetynet.registry.alive`: from the day of birth to
    the day before death), and a stay discharged after the death."""
    if sub.date < person.birth_date:
        raise SettlementError(
            "person_not_born",
            f"the person was born on {person.birth_date.isoformat()}, after this date",
            field="date",
        )
    field = after_death(sub.date, sub.discharge_date, person.deceased_on)
    if field is not None:
        raise deceased_refusal(field, person.deceased_on)  # type: ignore[arg-type]


def deceased_refusal(field: str, deceased_on: date) -> SettlementError:
    """The refusal of a visit or stay after the person's death (:func:`after_death`): a stay
    ends at the latest on the day of death (a death in hospital is its discharge)."""
    if field == "date":
        return SettlementError("person_deceased", "the person died before this date", field=field)
    what = "this discharge date" if field == "discharge_date" else "an item line's date"
    return SettlementError(
        "person_deceased", f"the person died on {deceased_on.isoformat()}, before {what}",
        field=field,
    )  # fmt: skip


def resolve(snap: Snapshot, sub: ClaimSubmission, person: PersonFacts) -> ResolvedClaim:
    """The engine's facts of a submission, from the rows its batch read (no database work)."""
    check_person(person, sub)
    institution = _institution(snap, sub)
    if (person.id, sub.date.year) not in snap.enrolled:
        raise SettlementError(
            "not_enrolled",
            f"{person.resident_id} is not enrolled for {sub.date.year}",
            field="date",
        )
    cp = compiled_in_force(person.region_code, sub.date, snap.candidates())
    lines = _priced_lines(snap, sub)
    total, compliant, essential, deducted = adjust_claim(  # a fixed fee is a package price
        kind=sub.kind.value, level=institution.level.value,
        in_county=institution.in_county, institution_code=sub.institution_code,
        diagnosis=sub.diagnosis,
        on=sub.date, region_code=person.region_code, total_fen=int(lines["amount_fen"].sum()),
        compliant_fen=int(lines["compliant_fen"].sum()),
        essential_fen=int(lines["essential_fen"].sum()),
        deducted_fen=int(lines["deducted_fen"].sum()),
    )  # fmt: skip
    facts = ClaimFacts(
        kind=sub.kind,
        level=institution.level,
        in_county=institution.in_county,
        referral=sub.referral,
        statuses=frozenset(snap.statuses(person, sub.date)),
        disease_mask=disease_mask(prefixes_of(cp), sub.diagnosis),
        age=age_on(person.birth_date, sub.date),
        total_fen=total,
        compliant_fen=compliant,
        essential_fen=essential,
        deducted_fen=deducted,
    )
    return ResolvedClaim(person, institution, cp, facts, lines, sub.date.year)
