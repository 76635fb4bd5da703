"""What the logged-in user may reach: regions, persons and settlements of their region,
claims of their institution (settling, refunding and reading a settlement alike: a user bound
to an institution gets 403 ``institution_not_yours`` for another institution's). Every page,
the JSON API and FHIR check through these functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.registry.resident_id import as_typed
from safetynet.security.scope import region_contains
from safetynet.settlement.catalog_codes import check_diagnosis
from safetynet.settlement.facts import PersonFacts, find_person
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.models import Claim, Person, Settlement
from safetynet.store.models.security import User
from safetynet.web.errors import WebError

if TYPE_CHECKING:
    from safetynet.web.security import UserView


def region_in_scope(db: Session, user: User, region: str | None) -> str:
    """The region code (default: the user's own) if it lies within the user's region; 404
    otherwise (the same answer whether the region exists elsewhere or not at all)."""
    code = (region or user.region_code).strip()
    if not region_contains(db, user.region_code, code):
        raise WebError(404, "region_unknown", f"no region {code} in your region", field="region")
    return code


def person_in_region(db: Session, user: User, resident_id: str) -> Person:
    """The person with this ID if the user's region holds them; 404 otherwise (the same
    answer whether the person exists elsewhere or not at all)."""
    person = db.scalar(select(Person).where(Person.resident_id == as_typed(resident_id)))
    if person is None or not region_contains(db, user.region_code, person.region_code):
        raise WebError(404, "person_unknown", f"no person {resident_id} in your region")
    return person


def settlement_in_region(
    db: Session, user: User | UserView, settlement_id: int
) -> tuple[Settlement, Person]:
    """A ledger entry and its person, if the person is in the user's region (404 otherwise)
    and, for a user bound to an institution, the claim is that institution's (403
    ``institution_not_yours`` otherwise, as settling and refunding refuse it)."""
    entry = db.get(Settlement, settlement_id)
    person = db.get(Person, entry.person_id) if entry else None
    if entry is None or person is None:
        raise WebError(404, "settlement_unknown", f"no settlement {settlement_id}")
    person_in_region(db, user, person.resident_id)  # type: ignore[arg-type]
    if user.institution_code:
        code = db.scalar(select(Claim.institution_code).where(Claim.id == entry.claim_id))
        if code != user.institution_code:
            raise WebError(403, "institution_not_yours",
                           "you read and refund settlements of your institution only")  # fmt: skip
    return entry, person


def settlement_to_refund(db: Session, user: User | UserView, settlement_id: int) -> Settlement:
    """A ledger entry the user may refund: of their region, and for a clerk bound to an
    institution, a claim of that institution (refund, like settle, is the institution's
    own); 404 outside the region, 403 for another institution's claim."""
    entry, _person = settlement_in_region(db, user, settlement_id)
    return entry


def check_submission(
    db: Session, user: User | UserView, sub: ClaimSubmission, person: PersonFacts | None = None
) -> PersonFacts:
    """The claim's person, when the user may settle it: a clerk only at their institution,
    anyone only for persons of their region. A malformed or unknown ID gets the service's
    precise answer; a person outside the region the same 404 as an unknown one; a diagnosis
    the catalog does not hold a 422 naming ``diagnosis``. ``person``: the claim's person when
    the caller has already read it (a batch reads all at once)."""
    if user.institution_code and sub.institution_code != user.institution_code:
        raise WebError(403, "institution_not_yours", "you settle claims of your institution only",
                       field="institution_code")  # fmt: skip
    if person is None:
        person = find_person(db, sub.resident_id)
    if not region_contains(db, user.region_code, person.region_code):
        raise WebError(404, "person_unknown", f"no person {sub.resident_id} in your region")
    check_diagnosis(db, sub.diagnosis)
    return person
