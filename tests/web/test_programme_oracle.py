"""The programme's rates of the synthetic county equal an independent computation from the raw
rows (plain Python over the ORM rows, no Polars, no code of safetynet/programmes), for the
year and for each month, on both databases: the target population (a listed status held some
day of the period while alive, a person's own period overriding the household's), contract
and health-record rates, planned and done services, on-time follow-ups, blood-pressure and
glucose control, verified and treated patients per batch, and the in-county share."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from safetynet.codes import PovertyStatus
from safetynet.programmes.service import rates
from safetynet.registry.status import resolve
from safetynet.store.db import session_scope
from safetynet.store.models import Claim, Institution, Person, PovertyStatusPeriod, Region
from safetynet.store.models.programmes import DoctorContract, FollowUp, ProgrammePatient

YEAR = 2017
# the shipped national-2017 file, read here as a county officer reads it
TARGET = {PovertyStatus.REGISTERED_POOR, PovertyStatus.RETURNED, PovertyStatus.LOW_INCOME,
          PovertyStatus.EXTREMELY_POOR}  # fmt: skip
PER_YEAR = {"basic": {"health_check": (1, None)},
            "chronic": {"health_check": (1, None), "follow_up": (4, "HD"),
                        "drug_delivery": (4, "HD")}}  # fmt: skip
HYPER, DIAB = ("I10", "I11", "I12", "I13"), ("E10", "E11", "E14")
# fixed fees in fen by (code, level), each at the county's own hospitals of those levels
FEES = {
    ("H25", "county"): 350_000, ("K35", "county"): 450_000, ("K35", "township"): 300_000,
    ("K80", "county"): 800_000, ("O80", "township"): 120_000, ("O80", "county"): 200_000,
}  # fmt: skip
ON_TIME = 14


def _months() -> list[tuple[date, date]]:
    return [(date(YEAR, m, 1), date(YEAR, m, calendar.monthrange(YEAR, m)[1]) + timedelta(1))
            for m in range(1, 13)]  # fmt: skip


class Oracle:
    def __init__(self, s: Session) -> None:
        self.persons = {p.id: p for p in s.scalars(select(Person))}
        self.periods = list(s.scalars(select(PovertyStatusPeriod)))
        self.contracts = list(s.scalars(select(DoctorContract)))
        self.services = list(s.scalars(select(FollowUp)))
        self.patients = list(s.scalars(select(ProgrammePatient)
                                       .where(ProgrammePatient.year == YEAR)))  # fmt: skip
        inst = {i.code: i for i in s.scalars(select(Institution))}
        self.claims = [(c.person_id, c.start_date, bool(inst[c.institution_code].in_county))
                       for c in s.scalars(select(Claim))]  # fmt: skip
        self.admissions = [
            (c.start_date, c.total_fen, inst[c.institution_code].level.value,
             bool(inst[c.institution_code].in_county),
             (c.diagnosis_code or "").upper().replace(".", ""))
            for c in s.scalars(select(Claim).where(Claim.kind == "inpatient"))
        ]  # fmt: skip
        self.county = s.scalar(select(Region.code).where(Region.level == "county"))

    def _holds(self, person: Person, day: date) -> bool:
        active = [(p.person_id is not None, p.status) for p in self.periods
                  if (p.person_id == person.id
                      or (p.person_id is None and p.household_id == person.household_id))
                  and p.valid_from <= day and (p.valid_to is None or p.valid_to > day)]  # fmt: skip
        return bool(resolve(active) & TARGET)

    def targets(self, start: date, end: date) -> set[int]:
        out = set()
        for person in self.persons.values():
            if person.birth_date >= end or (person.deceased_on and person.deceased_on <= start):
                continue
            alive_from = max(start, person.birth_date)
            alive_to = min(end, person.deceased_on) if person.deceased_on else end
            days = {alive_from} | {d for p in self.periods for d in (p.valid_from, p.valid_to)
                                   if d is not None and alive_from < d < alive_to}  # fmt: skip
            if any(self._holds(person, d) for d in days):
                out.add(person.id)
        return out

    def contract_rates(self, start: date, end: date) -> tuple[tuple[int, int], tuple[int, int]]:
        targets = self.targets(start, end)
        live = [c for c in self.contracts if c.valid_from < end and c.valid_to > start]
        signed = {c.person_id for c in live} & targets
        recorded = {c.person_id for c in live if c.health_record_no} & targets
        return (len(signed), len(targets)), (len(recorded), len(targets))

    def slots(self) -> list[tuple[str, date, date | None]]:
        """(kind, due, done) of every planned slot of every contract."""
        done: dict[tuple[int, str], list[date]] = defaultdict(list)
        for f in self.services:
            done[(f.contract_id, f.kind.value)].append(f.done_on)
        out = []
        for c in self.contracts:
            code = (c.disease_code or "").upper().replace(".", "")
            death = self.persons[c.person_id].deceased_on
            for kind, (n, lists) in PER_YEAR[c.package].items():
                if lists == "HD" and not code.startswith(HYPER + DIAB):
                    continue
                days = sorted(done[(c.id, kind)])
                k = 0
                for y in range(50):
                    a = c.valid_from + relativedelta(years=y)
                    if a >= c.valid_to:
                        break
                    length = (c.valid_from + relativedelta(years=y + 1) - a).days
                    for j in range(1, n + 1):
                        due = a + timedelta(days=j * length // n - 1)
                        if due >= c.valid_to or (death is not None and due >= death):
                            continue
                        out.append((kind, due, days[k] if k < len(days) else None))
                        k += 1
        return out

    def delivery(self, start: date, end: date) -> tuple[tuple[int, int], tuple[int, int]]:
        due = [s for s in self.slots() if start <= s[1] < end]
        done = sum(1 for _, _, d in due if d is not None and d < end)
        follow = [s for s in due if s[0] == "follow_up"]
        on_time = sum(1 for _, u, d in follow
                      if d is not None and d < end and d <= u + timedelta(ON_TIME))  # fmt: skip
        return (done, len(due)), (on_time, len(follow))

    def control(self, start: date, end: date) -> tuple[tuple[int, int], tuple[int, int]]:
        disease = {c.id: (c.disease_code or "").upper().replace(".", "") for c in self.contracts}
        latest_bp: dict[int, FollowUp] = {}
        latest_gl: dict[int, FollowUp] = {}
        for f in sorted(self.services, key=lambda f: (f.done_on, f.id)):
            if not start <= f.done_on < end:
                continue
            if disease[f.contract_id].startswith(HYPER) and f.systolic is not None:
                latest_bp[f.person_id] = f
            if disease[f.contract_id].startswith(DIAB) and f.glucose_tenths is not None:
                latest_gl[f.person_id] = f
        bp = sum(1 for f in latest_bp.values() if f.systolic < 140 and f.diastolic < 90)  # type: ignore[operator]
        gl = sum(1 for f in latest_gl.values() if f.glucose_tenths < 70)  # type: ignore[operator]
        return (bp, len(latest_bp)), (gl, len(latest_gl))

    def fixed_fees(self, start: date, end: date) -> tuple[tuple[int, int], tuple[int, int]]:
        """(Σ bills, Σ fees) and (Σ overrun, 1) of the admissions priced by a fixed fee."""
        bills = fees = overrun = 0
        for day, total, level, in_county, code in self.admissions:
            fee = FEES.get((code[:3], level))
            if start <= day < end and in_county and fee is not None:
                bills, fees, overrun = bills + total, fees + fee, overrun + max(0, total - fee)
        return (bills, fees), (overrun, 1)

    def batches(self, start: date, end: date) -> dict[str, dict[str, tuple[int, int]]]:
        out: dict[str, dict[str, tuple[int, int]]] = {}
        for batch in {p.batch.value for p in self.patients}:
            mine = [p for p in self.patients if p.batch.value == batch]
            verified = [p for p in mine if p.verified_on and start <= p.verified_on < end]
            known = [p for p in mine if p.verified_on and p.verified_on < end]
            treated = [p for p in known if p.state.value in ("treated", "managed", "backstopped")
                       and p.outcome_on is not None and p.outcome_on < end]  # fmt: skip
            people = {p.person_id for p in known}
            visits = [c for c in self.claims if c[0] in people and start <= c[1] < end]
            out[batch] = {
                "programme_verified": (len(verified), len(verified)),
                "programme_treated_rate": (len(treated), len(known)),
                "programme_in_county_share": (sum(c[2] for c in visits), len(visits)),
            }
        return out


@pytest.fixture(scope="module")
def oracle(web_engine: Engine) -> Oracle:
    with session_scope(web_engine) as s:
        return Oracle(s)


def _figures(engine: Engine, county: str, by_month: bool) -> dict[tuple, tuple[int, int]]:  # type: ignore[type-arg]
    with session_scope(engine) as s:
        got = rates(s, YEAR, county, by_month=by_month)
    return {(r["indicator"], r["part"], r["period"]): (r["numerator"], r["denominator"])
            for r in got.to_dicts()}  # fmt: skip


def _expected(o: Oracle, start: date, end: date) -> dict[tuple, tuple[int, int]]:  # type: ignore[type-arg]
    contract, record = o.contract_rates(start, end)
    delivery, on_time = o.delivery(start, end)
    bp, gl = o.control(start, end)
    ratio, overrun = o.fixed_fees(start, end)
    out = {("contract_rate", None): contract, ("health_record_rate", None): record,
           ("delivery_rate", None): delivery, ("follow_up_on_time_rate", None): on_time,
           ("bp_control_rate", None): bp, ("glucose_control_rate", None): gl}  # fmt: skip
    if ratio[1]:  # no row when nothing is priced by a fixed fee
        out |= {("fixed_fee_cost_ratio", None): ratio, ("fixed_fee_overrun", None): overrun}
    for batch, figures in o.batches(start, end).items():
        out |= {(k, batch): v for k, v in figures.items()}
    return out


def test_the_years_rates_equal_the_oracle(web_engine: Engine, oracle: Oracle) -> None:
    assert oracle.contracts and oracle.patients, "the synthetic county has a programme"
    assert oracle.fixed_fees(date(YEAR, 1, 1), date(YEAR + 1, 1, 1))[0][1], "fees were applied"
    got = _figures(web_engine, oracle.county, by_month=False)
    start = date(YEAR, 1, 1)
    expected = _expected(oracle, start, date(YEAR + 1, 1, 1))
    assert {k: got.get((*k, start)) for k in expected} == expected


def test_each_months_rates_equal_the_oracle(web_engine: Engine, oracle: Oracle) -> None:
    got = _figures(web_engine, oracle.county, by_month=True)
    wrong = {}
    for start, end in _months():
        expected = _expected(oracle, start, end)
        for k, v in expected.items():
            if v[1] and got.get((*k, start)) != v:
                wrong[(*k, start)] = (got.get((*k, start)), v)
    assert not wrong, wrong


def test_each_months_target_population_is_its_own(web_engine: Engine) -> None:
    """Planted: an ordinary person becomes registered poor on 1 November; a target dies on
    15 March; an ordinary person who died on 15 March is recorded registered poor from
    1 June. Each month's contract rate counts that month's targets (it counted the year's in
    every month), and a status recorded after a death makes no target of the year."""
    year = (date(YEAR, 1, 1), date(YEAR + 1, 1, 1))
    with session_scope(web_engine) as s:
        before = Oracle(s)
        targets = before.targets(*year)
        ordinary = [p for p in before.persons.values()
                    if p.id not in targets and p.deceased_on is None]  # fmt: skip
        newcomer, ghost = ordinary[0], ordinary[1]
        dying = next(p for p in before.persons.values()
                     if p.id in targets and p.deceased_on is None)  # fmt: skip
        starts = ((newcomer, date(YEAR, 11, 1)), (ghost, date(YEAR, 6, 1)))
        planted = [PovertyStatusPeriod(household_id=p.household_id, person_id=p.id,
                                       status=PovertyStatus.REGISTERED_POOR, valid_from=day,
                                       department="test") for p, day in starts]  # fmt: skip
        s.add_all(planted)
        for p in (dying, ghost):
            s.get(Person, p.id).deceased_on = date(YEAR, 3, 15)  # type: ignore[union-attr]
    try:
        with session_scope(web_engine) as s:
            o = Oracle(s)
        assert o.targets(*year) == targets | {newcomer.id}  # the oracle sees what was planted
        whole = _figures(web_engine, o.county, by_month=False)
        assert whole[("contract_rate", None, year[0])] == o.contract_rates(*year)[0]
        got = _figures(web_engine, o.county, by_month=True)
        for start, end in _months():
            assert got[("contract_rate", None, start)] == o.contract_rates(start, end)[0], start
    finally:
        with session_scope(web_engine) as s:
            for row in planted:
                s.delete(s.get(PovertyStatusPeriod, row.id))
            for p in (dying, ghost):
                s.get(Person, p.id).deceased_on = None  # type: ignore[union-attr]
