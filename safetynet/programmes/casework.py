"""A programme patient for the township and village staff's pages: the region's patients of a
year, one patient in the region (else refused as unknown), and the step it may take next
(:data:`safetynet.programmes.states.NEXT`, the outcome its batch ends with). Moving a patient
is :func:`safetynet.programmes.patients.advance`; this module only reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import PatientState
from safetynet.programmes.patients import ProgrammeError, last_date, outcome_of
from safetynet.programmes.states import NEXT, OUTCOMES
from safetynet.regions import descendants
from safetynet.registry.masking import mask_resident_id_tail
from safetynet.store.models import Person
from safetynet.store.models.programmes import ProgrammePatient

# the date each state was reached, in the order of the states
STEP_DATES = (
    (PatientState.SCREENED, "screened_on"),
    (PatientState.VERIFIED, "verified_on"),
    (PatientState.PLAN, "plan_on"),
)


@dataclass(frozen=True)
class PatientRow:
    patient: ProgrammePatient
    name: str
    resident_id: str  # the tail masked: the village staff may not read IDs
    deceased_on: dt.date | None


def patients_in_region(session: Session, region_code: str, year: int) -> list[PatientRow]:
    """The year's programme patients whose person lives in the region, by batch and name."""
    rows = session.execute(
        select(ProgrammePatient, Person.name, Person.resident_id, Person.deceased_on)
        .join(Person, Person.id == ProgrammePatient.person_id)
        .where(ProgrammePatient.year == year,
               Person.region_code.in_(descendants(session, region_code)))
        .order_by(ProgrammePatient.batch, Person.name, ProgrammePatient.id)
    ).all()  # fmt: skip
    return [PatientRow(p, name, mask_resident_id_tail(rid), died) for p, name, rid, died in rows]


def patient_in_region(session: Session, region_code: str, patient_id: int) -> PatientRow:
    """The patient if its person lives in the region; ``ProgrammeError`` otherwise."""
    row = session.execute(
        select(ProgrammePatient, Person.name, Person.resident_id, Person.deceased_on,
               Person.region_code)
        .join(Person, Person.id == ProgrammePatient.person_id)
        .where(ProgrammePatient.id == patient_id)
    ).first()  # fmt: skip
    if row is None or row[4] not in descendants(session, region_code):
        raise ProgrammeError("patient_unknown", f"no programme patient {patient_id} in your region")
    return PatientRow(row[0], row[1], mask_resident_id_tail(row[2]), row[3])


def next_states(patient: ProgrammePatient) -> list[PatientState]:
    """The states the patient may move to now: the next step, an outcome only its batch's."""
    allowed = NEXT.get(patient.state, ())
    if allowed == OUTCOMES:
        own = outcome_of(patient)
        return [own] if own is not None else []
    return list(allowed)


def steps(patient: ProgrammePatient) -> list[tuple[PatientState, dt.date]]:
    """The states reached with their dates, in order (the outcome last)."""
    out = [(state, getattr(patient, attr)) for state, attr in STEP_DATES
           if getattr(patient, attr) is not None]  # fmt: skip
    if patient.outcome_on is not None:
        out.append((patient.state, patient.outcome_on))
    return out


__all__ = ["PatientRow", "last_date", "next_states", "patient_in_region", "patients_in_region",
           "steps"]  # fmt: skip
