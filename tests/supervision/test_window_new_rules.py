"""The rules of repeated tests and split prescriptions at the window: a claim submitted for
settlement is screened with its person's claims in the database, by the same rules as a
year's screening (a ghost bed needs item days, which a submission does not carry)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import make_engine, session_scope
from safetynet.store.models import Base, Claim, ClaimItem, Institution, Person
from safetynet.supervision.rules import load_rules
from safetynet.supervision.service import batch_hits, submission_hits
from safetynet.synth.county import generate
from safetynet.synth.load import load_county

RULES = load_rules()
TESTS = RULES.rules[[r.id for r in RULES.rules].index("repeat-test")].params.test_codes  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path: Path = tmp_path_factory.mktemp("window-new") / "county.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    load_county(engine, generate(1500, seed=3, year=2017))
    return engine


def _tested_visit(s: object) -> tuple[Claim, Person, ClaimItem, str]:
    """An outpatient visit with a test, its person, the test line and another village clinic."""
    rows = s.execute(  # type: ignore[attr-defined]
        select(Claim, Person, ClaimItem)
        .join(Person, Person.id == Claim.person_id)
        .join(ClaimItem, ClaimItem.claim_id == Claim.id)
        .where(Claim.kind == "outpatient", ClaimItem.item_code.in_(TESTS),
               Person.deceased_on.is_(None), Claim.institution_code.like("V%"))
        .order_by(Claim.id)
    ).first()  # fmt: skip
    assert rows is not None
    claim, person, item = rows
    other = s.scalar(  # type: ignore[attr-defined]
        select(Institution.code)
        .where(Institution.code.like("V%"), Institution.code != claim.institution_code)
        .order_by(Institution.code)
    )
    return claim, person, item, other


@pytest.mark.parametrize(("gap", "flagged"), [(30, True), (31, False)])
def test_a_test_repeated_at_another_clinic_inside_the_window_is_flagged(
    engine: Engine, gap: int, flagged: bool
) -> None:
    with session_scope(engine) as s:
        visit, person, item, other = _tested_visit(s)
        sub = ClaimSubmission(
            resident_id=person.resident_id, institution_code=other, kind="outpatient",
            date=visit.start_date + timedelta(days=gap), claim_no="W-REPEAT",
            items=[{"code": item.item_code, "quantity": item.quantity,
                    "amount": f"{item.amount_fen / 100:.2f}"}],
        )  # fmt: skip
        hits = submission_hits(s, sub)
        rules = hits["rule_id"].to_list()
        assert ("repeat-test" in rules) is flagged, hits
        if flagged:
            assert rules == ["repeat-test"]
            assert hits["amount_fen"].to_list() == [item.amount_fen]
            assert visit.claim_no in hits["facts"][0]


def test_a_split_prescription_in_one_batch_flags_the_second_claim(engine: Engine) -> None:
    with session_scope(engine) as s:
        visit, person, _item, _other = _tested_visit(s)
        day = visit.start_date + timedelta(days=200)
        subs = [
            ClaimSubmission(
                resident_id=person.resident_id, institution_code=visit.institution_code,
                kind="outpatient", date=day, claim_no=f"W-SPLIT-{i}",
                items=[{"code": "D0001", "quantity": 1, "amount": "8.50"}],
            )
            for i in range(2)
        ]  # fmt: skip
        found = batch_hits(s, [(sub, person) for sub in subs], RULES)
        assert found[0].is_empty()
        assert found[1]["rule_id"].to_list() == ["outpatient-abuse"]
        assert "split prescriptions" in found[1]["facts"][0]


@pytest.mark.parametrize(("gap", "flagged"), [(30, True), (31, False)])
def test_a_repeat_test_is_read_back_far_enough_on_both_databases(
    db_engine: Engine, gap: int, flagged: bool
) -> None:
    """A test at the county hospital, then at the village clinic ``gap`` days later: the
    window reads the earlier claim back as far as the rule's window (30 days)."""
    from datetime import date

    from safetynet.codes import ClaimKind
    from tests.settlement.conftest import build_county

    with session_scope(db_engine) as s:
        county = build_county(s)
        person = s.scalars(select(Person).where(Person.resident_id == county.ordinary_id)).one()
        first = Claim(claim_no="T-1", person_id=person.id, institution_code="H-COUNTY",
                      kind=ClaimKind.OUTPATIENT, start_date=date(2024, 3, 1),
                      end_date=date(2024, 3, 1), total_fen=6500)  # fmt: skip
        s.add(first)
        s.flush()
        s.add(ClaimItem(claim_id=first.id, item_code="S0006", quantity=1, amount_fen=6500))
    with session_scope(db_engine) as s:
        person = s.scalars(select(Person).where(Person.resident_id == county.ordinary_id)).one()
        sub = ClaimSubmission(
            resident_id=county.ordinary_id, institution_code="V-CLINIC", kind="outpatient",
            date=date(2024, 3, 1) + timedelta(days=gap), claim_no="T-2",
            items=[{"code": "S0006", "quantity": 1, "amount": "65.00"}],
        )  # fmt: skip
        hits = batch_hits(s, [(sub, person)], RULES)[0]
        assert hits["rule_id"].to_list() == (["repeat-test"] if flagged else [])


def test_a_years_screening_reads_phone_numbers_and_flags_a_shared_one(db_engine: Engine) -> None:
    """Three persons of one phone number with the three largest of 60 claims (the top 5 %)."""
    from datetime import date

    from safetynet.codes import ClaimKind
    from safetynet.supervision.load import in_year, load_year
    from safetynet.supervision.screen import screen
    from tests.settlement.conftest import build_county

    with session_scope(db_engine) as s:
        county = build_county(s)
        ids = [county.poor_id, county.spouse_id, county.ordinary_id, county.unenrolled_id]
        people = [s.scalars(select(Person).where(Person.resident_id == r)).one() for r in ids]
        for p in people[:3]:
            p.phone = "13800000000"
        amounts = [(p, 900_000) for p in people[:3]] + [(people[3], 1_000)] * 57
        for i, (p, fen) in enumerate(amounts):
            day = date(2024, 1, 1) + timedelta(days=i)
            s.add(Claim(claim_no=f"P-{i:02d}", person_id=p.id, institution_code="V-CLINIC",
                        kind=ClaimKind.OUTPATIENT, start_date=day, end_date=day,
                        total_fen=fen))  # fmt: skip
    with session_scope(db_engine) as s:
        data = load_year(s.connection(), None, 2024, RULES)
        hits = in_year(screen(RULES, data, only=["shared-phone"]), 2024)
    assert sorted(hits["claim_no"].to_list()) == ["P-00", "P-01", "P-02"]
    assert "*******0000" in hits["facts"][0] and "13800000000" not in hits["facts"][0]
