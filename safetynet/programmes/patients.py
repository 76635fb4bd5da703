"""Programme patients: screening a year into the database and moving patients through
screened → verified → plan → treated / managed / backstopped, each step dated.

Screening adds only persons not yet in the batch of that year (a repeat run adds nothing);
states move one step at a time, never back, never to a date before the previous step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import Batch, PatientState, Screening
from safetynet.programmes import load
from safetynet.programmes.rules import programmes_of, rules_by_id, rules_for
from safetynet.programmes.screen import SCREENED_SCHEMA, screen
from safetynet.programmes.states import NEXT
from safetynet.regions import descendants
from safetynet.registry.alive import alive_on
from safetynet.store.models import Person
from safetynet.store.models.programmes import ProgrammePatient
from safetynet.tabular.writing import bulk_insert


class ProgrammeError(ValueError):
    """A refused change; ``code`` names the reason for the interfaces' messages."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Screened:
    year: int
    found: int  # persons per batch found this run, new or not
    added: int  # new rows written
    by_batch: dict[str, int]


def screen_year(session: Session, year: int, region_code: str, *, by: str) -> Screened:
    """Screen ``year``'s claims of the target population into the programme (in the session's
    transaction; the caller commits)."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    all_claims = load.claims_of_year(session, year)
    # each person screened by the programme in force for their county on 31 December (the
    # county's own file, else the national one), whatever region is screened
    files = programmes_of(descendants(session, region_code), dt.date(year, 12, 31))
    if not files:
        rules_for(region_code, dt.date(year, 12, 31))  # an unknown region: as before
    parts = []
    for rules, villages in files:
        people = load.targets(session, rules.contracts.target_statuses, start, end)
        people = people.filter(pl.col("region_code").is_in(villages))
        claims = all_claims.join(
            people.select("person_id", "birth_date", pl.col("region_code").alias("person_region")),
            on="person_id",
            how="inner",
        )  # the targets' claims, with the birth date the children's diseases are bound by
        found = screen(rules, claims, people["person_id"], region_code, year)
        parts.append(found.with_columns(pl.lit(rules.id).alias("rules")))
    found = (
        pl.concat(parts) if parts else pl.DataFrame(schema={**SCREENED_SCHEMA, "rules": pl.String})
    )
    existing = load.patients(session, year).select("batch", "person_id")
    new = (
        found.join(existing, on=["batch", "person_id"], how="anti")
        .with_columns(
            pl.lit(year).alias("year"),
            pl.lit(Screening.CLAIMS.value).alias("found_in"),
            pl.lit(PatientState.SCREENED.value).alias("state"),
            pl.lit(by).alias("updated_by"),
        )
        .sort("batch", "person_id")
    )  # rows (and their ids) in the same order every run
    columns = ["year", "batch", "person_id", "rules", "list_id", "disease_code", "found_in",
               "state", "screened_on", "institution_code", "updated_by"]  # fmt: skip
    added = bulk_insert(session, ProgrammePatient, new, columns, None) if new.height else 0
    counts = found.group_by("batch").len().sort("batch")
    return Screened(year, found.height, added, dict(counts.iter_rows()))  # type: ignore[arg-type]


_DATE_OF = {
    PatientState.VERIFIED: "verified_on",
    PatientState.PLAN: "plan_on",
    PatientState.TREATED: "outcome_on",
    PatientState.MANAGED: "outcome_on",
    PatientState.BACKSTOPPED: "outcome_on",
}


def last_date(p: ProgrammePatient) -> dt.date:
    """The date of the patient's last step (a next step may not be dated before it)."""
    return p.outcome_on or p.plan_on or p.verified_on or p.screened_on


def outcome_of(p: ProgrammePatient) -> PatientState | None:
    """The outcome the patient's batch ends with, in the programme file that screened the
    patient (its row's ``rules``: the person's county's own file, else the national one),
    else the national file of its year."""
    rules = rules_by_id(p.rules) or rules_for("", dt.date(p.year, 12, 31))
    return next((b.outcome for b in rules.batches if b.id == p.batch), None)


def advance(
    session: Session,
    patient_ids: list[int],
    to: PatientState,
    on: dt.date,
    *,
    by: str,
    institution_code: str | None = None,
    today: dt.date | None = None,
) -> int:
    """Move patients one step to ``to`` on ``on``; every patient is checked before any moves
    (a refused one refuses them all). Returns how many moved.

    Refused: a step out of order (``state_order``), an outcome not its batch's
    (``outcome_of_batch``), a date before the last step (``date_order``), on or after the
    person's day of death (``after_death``: the registry's rule, the day of death is not a day
    alive), after ``today`` when given (``future``: a step is recorded once it is taken)."""
    found = session.scalars(
        select(ProgrammePatient).where(ProgrammePatient.id.in_(patient_ids))
    ).all()
    missing = sorted(set(patient_ids) - {p.id for p in found})
    if missing:
        raise ProgrammeError("patient_unknown", f"no programme patient {missing[0]}")
    for p in found:
        if to not in NEXT.get(p.state, ()):
            raise ProgrammeError(
                "state_order", f"patient {p.id} is {p.state.value}; it cannot move to {to.value}"
            )
        outcome = outcome_of(p)
        if to in (PatientState.TREATED, PatientState.MANAGED, PatientState.BACKSTOPPED) and (
            to != outcome
        ):
            raise ProgrammeError(
                "outcome_of_batch",
                f"patient {p.id} of batch {Batch(p.batch).value} ends as "
                f"{outcome.value if outcome else '?'}, not {to.value}",
            )
        if on < last_date(p):
            raise ProgrammeError(
                "date_order", f"patient {p.id}: {on} is before its last step ({last_date(p)})"
            )
        if today is not None and on > today:
            raise ProgrammeError("future", f"patient {p.id}: {on} is after today ({today})")
    died: dict[int, dt.date] = {
        pid: day for pid, day in session.execute(
            select(Person.id, Person.deceased_on).where(
                Person.id.in_({p.person_id for p in found}), Person.deceased_on.is_not(None)))
    }  # fmt: skip
    for p in found:
        if p.person_id in died and not alive_on(dt.date.min, died[p.person_id], on):
            raise ProgrammeError(
                "after_death", f"patient {p.id}: the person died on {died[p.person_id]}"
            )
    for p in found:
        p.state = to
        setattr(p, _DATE_OF[to], on)
        p.updated_by = by
        if institution_code is not None:
            p.institution_code = institution_code
    session.flush()
    return len(found)
