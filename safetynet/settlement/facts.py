"""Resolve a submission against the registry, catalogs and policies into the engine's facts.

Every refusal is a ``SettlementError`` naming the field at fault; nothing is written here.
Database work is a handful of keyed reads (person, institution, enrollment, statuses, the
items of the bill in one query).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import ClaimKind, PovertyStatus
from safetynet.engine.compliance import line_amounts
from safetynet.engine.facts import ClaimFacts
from safetynet.money import to_fen
from safetynet.policy.compile import CompiledPolicy
from safetynet.policy.diseases import disease_mask
from safetynet.registry.resident_id import ResidentIdError, parse_resident_id
from safetynet.registry.status import statuses_on
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.policies import policy_in_force, prefixes_of
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.models import CatalogItem, Enrollment, Institution, Person


@dataclass(frozen=True)
class ResolvedClaim:
    person: Person
    institution: Institution
    policy: CompiledPolicy
    facts: ClaimFacts
    lines: pl.DataFrame  # the bill's lines, priced: class, self-pay, compliant, essential
    year: int


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def find_person(session: Session, resident_id: str) -> Person:
    try:
        rid = parse_resident_id(resident_id)
    except ResidentIdError as exc:
        raise SettlementError(
            "resident_id_invalid", f"resident ID {resident_id!r}: {exc}", field="resident_id"
        ) from None
    person = session.scalar(select(Person).where(Person.resident_id == rid.number))
    if person is None:
        raise SettlementError(
            "person_unknown",
            f"no insured person has resident ID {rid.number}",
            field="resident_id",
            status=404,
        )
    return person


def _institution(session: Session, sub: ClaimSubmission) -> Institution:
    inst = session.get(Institution, sub.institution_code)
    if inst is None:
        raise SettlementError(
            "institution_unknown",
            f"no designated institution has code {sub.institution_code!r}",
            field="institution_code",
            status=404,
        )
    if (inst.designated_from and sub.date < inst.designated_from) or (
        inst.designated_to and sub.date >= inst.designated_to
    ):
        raise SettlementError(
            "institution_not_designated",
            f"{inst.name} is not designated on {sub.date.isoformat()}",
            field="institution_code",
        )
    inpatient = sub.kind == ClaimKind.INPATIENT
    if (inpatient and not inst.inpatient) or (not inpatient and not inst.outpatient):
        raise SettlementError(
            "institution_kind",
            f"{inst.name} is not designated for {sub.kind.value} care",
            field="kind",
        )
    return inst


def _priced_lines(session: Session, sub: ClaimSubmission) -> pl.DataFrame:
    codes = sorted({line.code for line in sub.items})
    found = {
        item.code: item
        for item in session.scalars(select(CatalogItem).where(CatalogItem.code.in_(codes)))
    }
    for i, line in enumerate(sub.items):
        if line.code not in found:
            raise SettlementError(
                "item_unknown",
                f"item code {line.code!r} is not in the catalog",
                field=f"items[{i}].code",
            )
    lines = pl.DataFrame(
        {
            "claim_key": ["claim"] * len(sub.items),
            "code": [line.code for line in sub.items],
            "quantity": [line.quantity for line in sub.items],
            "amount_fen": [to_fen(line.amount) for line in sub.items],
            "deducted_fen": [to_fen(line.deducted) for line in sub.items],
            "item_class": [found[line.code].item_class.value for line in sub.items],
            "self_pay_bp": [found[line.code].self_pay_bp for line in sub.items],
            "essential": [bool(found[line.code].essential) for line in sub.items],
        },
        schema_overrides={
            "amount_fen": pl.Int64,
            "deducted_fen": pl.Int64,
            "self_pay_bp": pl.Int64,
        },
    )
    return line_amounts(lines)


def resolve(session: Session, sub: ClaimSubmission) -> ResolvedClaim:
    person = find_person(session, sub.resident_id)
    if person.deceased_on is not None and sub.date >= person.deceased_on:
        raise SettlementError("person_deceased", "the person died before this date", field="date")
    institution = _institution(session, sub)
    enrolled = session.scalar(
        select(Enrollment.id).where(
            Enrollment.person_id == person.id, Enrollment.year == sub.date.year
        )
    )
    if enrolled is None:
        raise SettlementError(
            "not_enrolled",
            f"{person.resident_id} is not enrolled for {sub.date.year}",
            field="date",
        )
    cp = policy_in_force(person.region_code, sub.date)
    lines = _priced_lines(session, sub)
    statuses = statuses_on(session, person.id, sub.date) or {PovertyStatus.ORDINARY}
    facts = ClaimFacts(
        kind=sub.kind,
        level=institution.level,
        in_county=institution.in_county,
        referral=sub.referral,
        statuses=frozenset(statuses),
        disease_mask=disease_mask(prefixes_of(cp), sub.diagnosis),
        age=age_on(person.birth_date, sub.date),
        total_fen=int(lines["amount_fen"].sum()),
        compliant_fen=int(lines["compliant_fen"].sum()),
        essential_fen=int(lines["essential_fen"].sum()),
        deducted_fen=int(lines["deducted_fen"].sum()),
    )
    return ResolvedClaim(person, institution, cp, facts, lines, sub.date.year)
