"""A family doctor's day: the services of the region's contracts that are due or overdue,
one contract with its services done, and recording a service from the phone form.

The form is checked as the import checks a row (same limits, same contract rule), so a
service recorded by hand and one imported mean the same.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.codes import Service
from safetynet.numerals import ascii_digits, numeric_text
from safetynet.programmes import load
from safetynet.programmes.imports.checks import SLACK
from safetynet.programmes.imports.follow_ups import GLUCOSE, LIMITS
from safetynet.programmes.patients import ProgrammeError
from safetynet.programmes.plan import slots, worklist
from safetynet.programmes.rules import programmes_of, rules_for
from safetynet.programmes.schema import ProgrammeRules
from safetynet.regions import descendants
from safetynet.registry.alive import not_dead_by
from safetynet.registry.masking import mask_resident_id_tail
from safetynet.store.models import Person
from safetynet.store.models.programmes import DoctorContract, DoctorTeam, FollowUp
from safetynet.tabular.reading import FORMULA

BP, GLUCOSE_FIELD, DRUGS = "bp", "glucose", "drugs"
DRUGS_LENGTH = 200  # the column's length, as the import's ``too_long``


def _pattern(rules: ProgrammeRules, list_id: str) -> str:
    return "^(?:" + "|".join(rules.disease_list(list_id).prefixes()) + ")"


def to_record(rules: ProgrammeRules, kind: str, disease_code: str | None) -> list[str]:
    """What the doctor records for a service: blood pressure for hypertension, glucose for
    diabetes, both at a health check, drugs at a follow-up or delivery."""
    code = (disease_code or "").upper().replace(".", "")
    hyper = bool(code) and re.match(_pattern(rules, rules.control.hypertension_list), code)
    diabetes = bool(code) and re.match(_pattern(rules, rules.control.diabetes_list), code)
    if kind == Service.HEALTH_CHECK:
        return [BP, GLUCOSE_FIELD]
    if kind == Service.DRUG_DELIVERY:
        return [DRUGS]
    return [*([BP] if hyper else []), *([GLUCOSE_FIELD] if diabetes else []), DRUGS]


def _region_contracts(session: Session, region_code: str, on: dt.date) -> pl.DataFrame:
    """The contracts in force on ``on`` of the region's persons alive that day (nothing is
    due for a person who has died), with the day of death for the slots."""
    people = load.persons(session).filter(
        pl.col("region_code").is_in(descendants(session, region_code)), not_dead_by(on)
    )
    contracts = load.contracts(session, on, on + dt.timedelta(days=1))
    return contracts.join(
        people.select("person_id", "name", "resident_id", "region_code", "deceased_on"),
        on="person_id",
    )


def day_for(session: Session, region_code: str, today: dt.date) -> dt.date:
    """``today`` when the region has contracts in force; else the day its records end, so a
    county whose data ends earlier still shows its last worklist as it stood: the last day a
    service of its contracts was recorded, or the last day of its latest contract when that
    is earlier (or nothing was recorded)."""
    if _region_contracts(session, region_code, today).height:
        return today
    people = load.persons(session).filter(
        pl.col("region_code").is_in(descendants(session, region_code))
    )
    ends = load.contracts(session, dt.date.min, dt.date.max).join(
        people.select("person_id"), on="person_id"
    )
    if ends.is_empty():
        return today
    day: dt.date = min(today, ends["valid_to"].max() - dt.timedelta(days=1))  # type: ignore[operator]
    done = load.follow_ups(session, dt.date.min, day + dt.timedelta(days=1)).join(
        ends.select(pl.col("id").alias("contract_id")), on="contract_id"
    )
    return day if done.is_empty() else min(day, done["done_on"].max())  # type: ignore[type-var]


def due_list(session: Session, region_code: str, on: dt.date) -> list[dict[str, Any]]:
    """The services due or overdue on ``on`` for contracts of persons in the region: overdue
    first, then by due date; each with what to record."""
    rules_for(region_code, on)  # no programme in force on the day: LookupError
    contracts = _region_contracts(session, region_code, on)
    if contracts.is_empty():
        return []
    start = contracts["valid_from"].min()
    done = load.follow_ups(session, start, on + dt.timedelta(days=1))  # type: ignore[arg-type]
    done = done.join(contracts.select(pl.col("id").alias("contract_id")), on="contract_id")
    parts, files = [], {}
    # each contract planned by the programme in force for its person's county on the day
    for rules, villages in programmes_of(contracts["region_code"].unique().to_list(), on):
        mine = contracts.filter(pl.col("region_code").is_in(villages))
        theirs = done.join(mine.select(pl.col("id").alias("contract_id")), on="contract_id")
        slot = slots(rules, mine, theirs)
        last = theirs.sort("done_on").group_by("contract_id", "kind").agg(pl.col("next_on").last())
        parts.append(worklist(rules, slot, last, on).with_columns(pl.lit(rules.id).alias("_file")))
        files[rules.id] = rules
    if not parts:
        return []
    due = pl.concat(parts).join(
        contracts.select(pl.col("id").alias("contract_id"), "name", "resident_id",
                         "region_code", "disease_code"),
        on="contract_id",
    )  # fmt: skip
    rows = due.sort(["overdue", "due_on", "contract_id"], descending=[True, False, False])
    out = []
    for r in rows.to_dicts():
        r["resident_id"] = mask_resident_id_tail(r["resident_id"])
        r["record"] = to_record(files[r.pop("_file")], r["kind"], r["disease_code"])
        out.append(r)
    return out


def contract_in_region(session: Session, region_code: str, contract_id: int) -> DoctorContract:
    """The contract if its person lives in the region; ``ProgrammeError`` otherwise."""
    found = session.get(DoctorContract, contract_id)
    if found is not None:
        village = session.scalar(select(Person.region_code).where(Person.id == found.person_id))
        if village in descendants(session, region_code):
            return found
    raise ProgrammeError("contract_unknown", f"no contract {contract_id} in your region")


@dataclass(frozen=True)
class ContractView:
    contract: DoctorContract
    name: str
    resident_id: str  # the tail masked too: the doctor may not read IDs
    team: DoctorTeam
    done: list[FollowUp]
    record: dict[str, list[str]]  # kind -> fields to record


def contract_view(session: Session, contract: DoctorContract, on: dt.date) -> ContractView:
    person = session.get(Person, contract.person_id)
    team = session.get(DoctorTeam, contract.team_id)
    assert person is not None and team is not None
    rules = rules_for(person.region_code, on)  # the person's county's own file, else national
    done = session.scalars(
        select(FollowUp).where(FollowUp.contract_id == contract.id)
        .order_by(FollowUp.done_on.desc(), FollowUp.id.desc())
    ).all()  # fmt: skip
    kinds = [s.kind.value for s in rules.package(contract.package).services]
    return ContractView(
        contract, person.name, mask_resident_id_tail(person.resident_id), team, list(done),
        {k: to_record(rules, k, contract.disease_code) for k in kinds},
    )  # fmt: skip


def _int(text: str, field: str, low: int, high: int) -> int | None:
    text = numeric_text(text)  # the one rule for numbers: １２０ is 120
    if not text:
        return None
    if not ascii_digits(text) or not low <= int(text) <= high:
        raise ProgrammeError(f"range_{field}", f"{field} must be a whole number {low}-{high}")
    return int(text)


def _tenths(text: str) -> int | None:
    text = numeric_text(text)  # ６．５ is 6.5
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{1,3}(\.[0-9])?", text) or not (
        GLUCOSE[0] <= round(float(text) * 10) <= GLUCOSE[1]
    ):
        raise ProgrammeError("range_glucose", "glucose must be 1.0-40.0 with one decimal")
    return round(float(text) * 10)


def _drugs(text: str) -> str | None:
    """The drugs given, as the import takes a cell: at most 200 characters (longer is
    refused, never cut), never starting like a spreadsheet formula (the exports write it as
    it is, and the import refuses such a cell)."""
    text = text.strip()
    if len(text) > DRUGS_LENGTH:
        raise ProgrammeError("drugs_long", f"drugs: at most {DRUGS_LENGTH} characters")
    if re.match(FORMULA, text):
        raise ProgrammeError("drugs_formula", "drugs: starts like a spreadsheet formula")
    return text or None


def record_service(
    session: Session,
    contract: DoctorContract,
    *,
    kind: str,
    done_on: dt.date,
    systolic: str = "",
    diastolic: str = "",
    glucose: str = "",
    drugs: str = "",
    next_on: dt.date | None = None,
    by: str,
    today: dt.date | None = None,
) -> FollowUp:
    """Record one service under ``contract`` (the caller commits); refused with a code. A
    service is recorded once done: not after ``today`` (a day of slack for time zones)."""
    try:
        service = Service(kind)
    except ValueError:
        raise ProgrammeError("kind_unknown", f"no service {kind!r}") from None
    if done_on > (today or local_today()) + SLACK:
        raise ProgrammeError("future", f"{done_on} is after today")
    if done_on < contract.valid_from:
        raise ProgrammeError("before_contract", f"{done_on} is before the contract")
    if done_on >= contract.valid_to:
        raise ProgrammeError("after_contract", f"{done_on} is after the contract")
    deceased_on = session.scalar(select(Person.deceased_on).where(Person.id == contract.person_id))
    if deceased_on is not None and done_on >= deceased_on:
        raise ProgrammeError("after_death", f"{done_on}: the person died on {deceased_on}")
    if next_on is not None and next_on <= done_on:
        raise ProgrammeError("next_before", "the next date must be after the day")
    row = FollowUp(
        contract_id=contract.id, person_id=contract.person_id, kind=service, done_on=done_on,
        disease_code=contract.disease_code,
        systolic=_int(systolic, "systolic", *LIMITS["systolic"]),
        diastolic=_int(diastolic, "diastolic", *LIMITS["diastolic"]),
        glucose_tenths=_tenths(glucose), drugs=_drugs(drugs), next_on=next_on,
        recorded_by=by,
    )  # fmt: skip
    if (row.systolic is None) != (row.diastolic is None):
        raise ProgrammeError("bp_pair", "give both blood pressures or neither")
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ProgrammeError("duplicate", "this service is already recorded on that day") from None
    return row
