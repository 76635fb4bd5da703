"""A year of recorded claims settled in one batch lands in the ledger exactly as the window
would have settled them one by one."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, select

from safetynet.settlement.errors import SettlementError
from safetynet.settlement.service import preview, submit
from safetynet.settlement.year_batch import settle_year
from safetynet.store.db import session_scope
from safetynet.store.models import (
    Accumulator,
    Claim,
    ClaimItem,
    Enrollment,
    Institution,
    Person,
    Settlement,
)
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient


def _record_claims(engine: Engine, county: County) -> list[tuple[str, date]]:
    """Three admissions of the poor household and one of the ordinary person, no ledger."""
    plan = [
        (county.poor_id, date(2017, 1, 10)),
        (county.spouse_id, date(2017, 2, 10)),
        (county.poor_id, date(2017, 6, 1)),
        (county.ordinary_id, date(2017, 3, 3)),
    ]
    with session_scope(engine) as s:
        for n, (rid, day) in enumerate(plan):
            person = s.scalar(select(Person).where(Person.resident_id == rid))
            assert person is not None
            claim = Claim(
                claim_no=f"OLD-{n}",
                person_id=person.id,
                institution_code="H-COUNTY",
                kind="inpatient",
                start_date=day,
                end_date=day + timedelta(days=5),
                diagnosis_code="J18.9",
                referral=False,
                total_fen=1_000_000,
            )
            s.add(claim)
            s.flush()
            for code, fen in (
                ("BED", 600_000),
                ("DRUG-A", 200_000),
                ("DRUG-B", 100_000),
                ("DRUG-C", 100_000),
            ):
                s.add(ClaimItem(claim_id=claim.id, item_code=code, amount_fen=fen))
    return plan


def test_batch_year_equals_online_settlement(db_engine: Engine, county: County) -> None:
    plan = _record_claims(db_engine, county)
    result = settle_year(db_engine, 2017)
    assert result.settled == 4 and result.skipped_households == 0
    with session_scope(db_engine) as s:
        batch = {e.claim_id: e for e in s.scalars(select(Settlement))}
        stored = {(a.scope.value, a.owner_id): a.slots for a in s.scalars(select(Accumulator))}
    # the same claims, one by one through the online service, in another database state
    with session_scope(db_engine, write_lock=True) as s:
        s.execute(Accumulator.__table__.delete())
    online = []
    for rid, day in sorted(plan, key=lambda x: x[1]):
        with session_scope(db_engine) as s:
            online.append((rid, day, preview(s, inpatient(rid, day)).paid_fen))
        with session_scope(db_engine, write_lock=True) as s:
            submit(s, inpatient(rid, day), user="test")
    with session_scope(db_engine) as s:
        by_claim = {c.claim_no: c for c in s.scalars(select(Claim))}
        people = {p.id: p.resident_id for p in s.scalars(select(Person))}
        batch_paid = sorted((people[e.person_id], e.claim_date, e.paid_fen) for e in batch.values())
        after = {(a.scope.value, a.owner_id): a.slots for a in s.scalars(select(Accumulator))}
    assert batch_paid == sorted(online)
    assert stored == after
    assert len(by_claim) == 8


def test_second_run_settles_nothing_and_online_continues(db_engine: Engine, county: County) -> None:
    _record_claims(db_engine, county)
    settle_year(db_engine, 2017)
    assert settle_year(db_engine, 2017).settled == 0
    with session_scope(db_engine, write_lock=True) as s:  # ids continue after the batch
        view = submit(s, inpatient(county.ordinary_id, date(2017, 9, 1)), user="clerk")
    assert view.settlement_id is not None and view.settlement_id > 4


def _record_stay(engine: Engine, no: str, rid: str, start: date, end: date,
                 served: date | None = None, institution: str = "H-COUNTY") -> None:  # fmt: skip
    with session_scope(engine) as s:
        person = s.scalar(select(Person).where(Person.resident_id == rid))
        assert person is not None
        claim = Claim(claim_no=no, person_id=person.id, institution_code=institution,
                      kind="inpatient", start_date=start, end_date=end, diagnosis_code="J18.9",
                      referral=False, total_fen=1_000_000)  # fmt: skip
        s.add(claim)
        s.flush()
        for code, fen in (("BED", 600_000), ("DRUG-A", 200_000), ("DRUG-B", 100_000),
                          ("DRUG-C", 100_000)):  # fmt: skip
            s.add(ClaimItem(claim_id=claim.id, item_code=code, amount_fen=fen,
                            service_date=served))  # fmt: skip


def test_batch_and_window_refuse_a_service_after_death_alike(
    db_engine: Engine, county: County
) -> None:
    """A migrated stay of a person who died during it: discharged on the day of death is
    settled by both; discharged the day after, or with a line dated after the death, is
    refused by both with the window's code (``person_deceased``) — the batch leaves it
    unsettled and counts it."""
    died = date(2017, 7, 1)
    with session_scope(db_engine, write_lock=True) as s:
        for rid in (county.poor_id, county.ordinary_id):
            person = s.scalar(select(Person).where(Person.resident_id == rid))
            assert person is not None
            person.deceased_on = died
    _record_stay(db_engine, "ON-DEATH", county.poor_id, date(2017, 6, 25), died)
    _record_stay(db_engine, "AFTER", county.ordinary_id, date(2017, 6, 25), date(2017, 7, 2))
    _record_stay(db_engine, "LINE", county.poor_id, date(2017, 6, 1), date(2017, 6, 5),
                 served=date(2017, 7, 2))  # fmt: skip
    result = settle_year(db_engine, 2017)
    assert result.settled == 1 and result.refused == {"person_deceased": 2}
    with session_scope(db_engine) as s:
        settled = {c for (c,) in s.execute(select(Claim.claim_no).join(
            Settlement, Settlement.claim_id == Claim.id))}  # fmt: skip
    assert settled == {"ON-DEATH"}
    # the window on the same stays: the day of death settles, the day after is refused
    with session_scope(db_engine) as s:
        ok = preview(s, inpatient(county.ordinary_id, date(2017, 6, 25), discharge_date=died))
        assert ok.paid_fen > 0
        try:
            preview(s, inpatient(county.ordinary_id, date(2017, 6, 25),
                                 discharge_date=date(2017, 7, 2)))  # fmt: skip
        except SettlementError as exc:
            assert exc.code == "person_deceased"
        else:
            raise AssertionError("the window settled a stay discharged after the death")
    assert settle_year(db_engine, 2017).refused == {"person_deceased": 2}  # still unsettled


def test_batch_and_window_refuse_a_repeated_bill_alike(db_engine: Engine, county: County) -> None:
    """Two migrated claims of one bill (other numbers): the batch settles the first and leaves
    the second unsettled as ``duplicate_bill`` naming the first, as the window would; a bill
    that differs in one line is settled; the window then refuses the same bill again."""
    day, end = date(2017, 5, 2), date(2017, 5, 7)
    _record_stay(db_engine, "MIG-1", county.poor_id, day, end)
    _record_stay(db_engine, "MIG-2", county.poor_id, day, end)
    _record_stay(db_engine, "MIG-3", county.poor_id, day, end, served=day)  # dated lines: same
    _record_stay(db_engine, "MIG-4", county.spouse_id, day, end)  # another person
    result = settle_year(db_engine, 2017)
    assert result.settled == 2 and result.refused == {"duplicate_bill": 2}
    assert sorted(result.repeated) == [("MIG-2", "MIG-1"), ("MIG-3", "MIG-1")]
    with session_scope(db_engine) as s:
        try:
            preview(s, inpatient(county.poor_id, day, discharge_date=end))
        except SettlementError as exc:
            assert exc.code == "duplicate_bill" and "(claim MIG-1)" in exc.message
        else:
            raise AssertionError("the window settled a bill the batch settled")


def test_batch_and_window_refuse_a_claim_outside_the_designation_alike(
    db_engine: Engine, county: County
) -> None:
    """The county hospital designated from 1 February to 1 June 2017 (excluded), the village
    clinic for outpatient care only: stays starting on 31 January, on 1 June or at the clinic
    are refused by the window and left unsettled by the batch under the window's codes; those
    starting on 1 February and 31 May are settled by both, with the same payments."""
    with session_scope(db_engine, write_lock=True) as s:
        hospital = s.get(Institution, "H-COUNTY")
        assert hospital is not None
        hospital.designated_from, hospital.designated_to = date(2017, 2, 1), date(2017, 6, 1)
    stays = {"BEFORE": date(2017, 1, 31), "FIRST": date(2017, 2, 1), "LAST": date(2017, 5, 31),
             "ENDED": date(2017, 6, 1)}  # fmt: skip
    for no, day in stays.items():
        _record_stay(db_engine, no, county.ordinary_id, day, day + timedelta(days=3))
    _record_stay(db_engine, "CLINIC", county.poor_id, date(2017, 3, 1), date(2017, 3, 4),
                 institution="V-CLINIC")  # fmt: skip
    result = settle_year(db_engine, 2017)
    assert result.settled == 2
    assert result.refused == {"institution_not_designated": 2, "institution_kind": 1}
    with session_scope(db_engine) as s:
        batch = {no: paid for no, paid in s.execute(
            select(Claim.claim_no, Settlement.paid_fen).join(
                Settlement, Settlement.claim_id == Claim.id))}  # fmt: skip
    assert set(batch) == {"FIRST", "LAST"}
    # the window on the same stays (as visits of a day: not the batch's bills), from empty
    # accumulators
    with session_scope(db_engine, write_lock=True) as s:
        s.execute(Accumulator.__table__.delete())
    window: dict[str, int | str] = {}
    for no, day in sorted(stays.items(), key=lambda kv: kv[1]):
        sub = inpatient(county.ordinary_id, day, claim_no=f"W-{no}")
        try:
            with session_scope(db_engine, write_lock=True) as s:
                window[no] = submit(s, sub, user="clerk").paid_fen
        except SettlementError as exc:
            window[no] = exc.code
    try:
        with session_scope(db_engine) as s:
            preview(s, inpatient(county.poor_id, date(2017, 3, 1), institution_code="V-CLINIC"))
    except SettlementError as exc:
        window["CLINIC"] = exc.code
    assert window == {"BEFORE": "institution_not_designated", "ENDED": "institution_not_designated",
                      "CLINIC": "institution_kind", **batch}  # fmt: skip


def test_batch_and_window_refuse_a_claim_before_birth_or_without_enrollment_alike(
    db_engine: Engine, county: County
) -> None:
    """A migrated stay of a person not enrolled for the year, and one dated before the
    person's birth, are left unsettled by the batch under the window's codes
    (``not_enrolled``, ``person_not_born``), as the window refuses them; the others settle."""
    with session_scope(db_engine, write_lock=True) as s:
        person = s.scalar(select(Person).where(Person.resident_id == county.ordinary_id))
        assert person is not None
        s.execute(Enrollment.__table__.delete().where(Enrollment.person_id == person.id))
        spouse = s.scalar(select(Person).where(Person.resident_id == county.spouse_id))
        assert spouse is not None
        born = spouse.birth_date
        spouse.birth_date = date(2017, 5, 2)  # born in the year: a stay the day before
    day = date(2017, 4, 3)
    _record_stay(db_engine, "UNENROLLED", county.ordinary_id, day, day + timedelta(days=3))
    _record_stay(db_engine, "UNBORN", county.spouse_id, date(2017, 5, 1), date(2017, 5, 4))
    _record_stay(db_engine, "FINE", county.poor_id, day, day + timedelta(days=3))
    with session_scope(db_engine) as s:
        codes = []
        for rid, on in ((county.ordinary_id, day), (county.spouse_id, date(2017, 5, 1))):
            try:
                preview(s, inpatient(rid, on))
            except SettlementError as exc:
                codes.append(exc.code)
    assert codes == ["not_enrolled", "person_not_born"]
    result = settle_year(db_engine, 2017)
    assert result.settled == 1
    assert result.refused == {"not_enrolled": 1, "person_not_born": 1}
    with session_scope(db_engine, write_lock=True) as s:
        spouse = s.scalar(select(Person).where(Person.resident_id == county.spouse_id))
        assert spouse is not None
        spouse.birth_date = born


def test_a_bill_the_batch_refuses_is_no_earlier_bill_of_a_repeat(
    db_engine: Engine, county: County
) -> None:
    """Two migrated copies of one stay of a person who died: the first has a line dated after
    the death (refused, as the window refuses it: never stored), the second has none — at the
    window it settles, so the batch settles it too rather than calling it a repeat."""
    died = date(2017, 7, 1)
    with session_scope(db_engine, write_lock=True) as s:
        person = s.scalar(select(Person).where(Person.resident_id == county.ordinary_id))
        assert person is not None
        person.deceased_on = died
    stay = (date(2017, 6, 20), date(2017, 6, 25))
    _record_stay(db_engine, "COPY-1", county.ordinary_id, *stay, served=date(2017, 7, 2))
    _record_stay(db_engine, "COPY-2", county.ordinary_id, *stay)
    result = settle_year(db_engine, 2017)
    assert result.refused == {"person_deceased": 1} and result.repeated == []
    assert result.settled == 1


def test_the_policy_design_leaves_out_what_the_window_refuses(
    db_engine: Engine, county: County
) -> None:
    """The policy design's claims from the database are those the scheme pays: a stay the
    window refuses (outside the institution's designation) is left out, as the year batch
    leaves it unsettled; the designated ones are in."""
    from safetynet.design.source import claims_from_db
    from safetynet.policy.in_force import policy_by_id
    from safetynet.settlement.compiled import compiled

    with session_scope(db_engine, write_lock=True) as s:
        hospital = s.get(Institution, "H-COUNTY")
        assert hospital is not None
        hospital.designated_from, hospital.designated_to = date(2017, 2, 1), date(2017, 6, 1)
    for no, day in (("IN-1", date(2017, 2, 1)), ("IN-2", date(2017, 5, 31)),
                    ("OUT", date(2017, 6, 1))):  # fmt: skip
        _record_stay(db_engine, no, county.ordinary_id, day, day + timedelta(days=3))
    policy = policy_by_id("anhui-poor-2017")
    assert policy is not None
    design = claims_from_db(db_engine, compiled(policy), 2017)
    assert sorted(design["date"].to_list()) == [date(2017, 2, 1), date(2017, 5, 31)]
    assert settle_year(db_engine, 2017).settled == design.height
