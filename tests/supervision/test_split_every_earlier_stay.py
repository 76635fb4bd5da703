"""A split admission is found against EVERY earlier stay of the person and category in the
window, however many stays (of that category or of others) lie between: no fixed count of
earlier stays. Over claim frames, at the window (a submission screened with the person's
history from the database) and over a year (the year's frames from the database).

Domain notes §A2: "same person readmitted ≤15 days after discharge, same ICD-10 3-character
code, any hospital". A long stay's discharge can be the latest one before a readmission
although several shorter stays of the category were admitted after it (admitted during it):
the readmission pairs with the earliest stay only.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from safetynet.codes import ClaimKind
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import session_scope
from safetynet.store.models import Claim, ClaimItem, Person
from safetynet.supervision.load import in_year, load_year
from safetynet.supervision.screen import screen
from safetynet.supervision.service import batch_hits
from tests.settlement.conftest import County, build_county
from tests.supervision.helpers import RULES, data, hits, stay

LONG_END = date(2021, 4, 28)  # the earliest stay's discharge (admitted 2021-01-05)

# (claim, admitted, discharged, diagnosis): the earliest stay is long; the three stays of its
# category after it were all discharged more than 15 days before the readmission (and within
# the window's 62 days of history, so the window reads them all); the stays of other
# categories between them count for nothing.
HISTORY = [
    ("A", "2021-01-05", LONG_END.isoformat(), "J18.9"),  # the earliest: discharged last
    ("B", "2021-03-12", "2021-03-13", "J18.1"),
    ("X", "2021-03-15", "2021-03-20", "K35.8"),  # another category in between
    ("C", "2021-03-29", "2021-03-30", "J18.0"),  # 16 days after B: not a split
    ("Y", "2021-04-02", "2021-04-03", "I10"),  # another one
    ("D", "2021-04-15", "2021-04-16", "J18.8"),  # 16 days after C
]


def _readmitted(gap: int, history: list[tuple[str, str, str, str]] = HISTORY) -> list[Any]:
    admitted = LONG_END + timedelta(days=gap)
    again = stay("E", admitted.isoformat(), (admitted + timedelta(days=4)).isoformat(), "J18.9")
    return [*[stay(no, a, b, dx) for no, a, b, dx in history], again]


@pytest.mark.parametrize(("gap", "hit"), [(0, True), (8, True), (15, True), (16, False)])
def test_a_readmission_pairs_with_the_earliest_of_five_stays(gap: int, hit: bool) -> None:
    """Five stays of the J18 category (codes mixed) and two of others: only the pairing of
    the readmission with the earliest stay is within 15 days."""
    found = hits("split-admission", data(_readmitted(gap)))
    if not hit:
        assert found == []
        return
    assert [(no, facts["previous_claim"], facts["gap_days"]) for no, _, facts in found] == [
        ("E", "A", gap)
    ]


def test_five_stays_of_the_category_alone_pair_with_the_earliest() -> None:
    """The planted case without other categories: 5 stays, the 5th readmitted 8 days after
    the 1st's discharge, the 2nd to 4th each discharged long before."""
    history = [h for h in HISTORY if h[3].startswith("J18")]
    found = hits("split-admission", data(_readmitted(8, history)))
    assert [(no, f["previous_claim"], f["gap_days"]) for no, _, f in found] == [("E", "A", 8)]


def test_many_earlier_stays_no_fixed_count() -> None:
    """Ten stays of the category admitted during a long one: a readmission 3 days after the
    long stay's discharge is found; each short stay is itself a readmission of the one before
    (discharged the day before its admission), as before."""
    rows = [stay("L", "2021-01-01", "2021-06-30", "J18.9")]
    day = date(2021, 1, 10)
    for n in range(10):
        rows.append(stay(f"S{n}", (day + timedelta(days=2 * n)).isoformat(),
                         (day + timedelta(days=2 * n + 1)).isoformat(), "J18.1"))  # fmt: skip
    rows.append(stay("R", "2021-07-03", "2021-07-05", "J18.0"))
    found = {no: f for no, _, f in hits("split-admission", data(rows))}
    assert found["R"]["previous_claim"] == "L" and found["R"]["gap_days"] == 3
    assert sorted(found) == ["R", *[f"S{n}" for n in range(1, 10)]]


def test_a_planned_cycle_between_does_not_hide_an_earlier_stay() -> None:
    """Compared with every earlier stay: a planned chemotherapy cycle (excluded) discharged
    after the pneumonia stay does not stand in for it."""
    rows = [
        stay("P", "2021-05-01", "2021-05-05", "Z51.9"),
        stay("Q", "2021-05-06", "2021-05-07", "Z51.1"),  # a planned cycle: not a split
        stay("R", "2021-05-10", "2021-05-12", "Z51.9"),  # 5 days after P's discharge
    ]
    found = hits("split-admission", data(rows))
    assert [(no, f["previous_claim"]) for no, _, f in found] == [("R", "P")]


def test_a_same_day_stay_is_not_its_own_earlier_stay() -> None:
    rows = [stay("A", "2021-05-01", "2021-05-01", "J18.9")]
    assert hits("split-admission", data(rows)) == []
    two = [*rows, stay("B", "2021-05-01", "2021-05-01", "J18.1")]
    assert [no for no, _, _ in hits("split-admission", data(two))] == ["B"]


# --- from the database: at the window and over a year -----------------------------------


@pytest.fixture
def county(db_engine: Engine) -> County:
    with session_scope(db_engine) as s:
        return build_county(s)


def _store_history(s: Any, person: Person, year: int) -> None:
    for no, admitted, discharged, dx in HISTORY:
        claim = Claim(
            claim_no=no, person_id=person.id, institution_code="H-COUNTY",
            kind=ClaimKind.INPATIENT, diagnosis_code=dx, total_fen=50_000,
            start_date=date.fromisoformat(admitted).replace(year=year),
            end_date=date.fromisoformat(discharged).replace(year=year),
        )  # fmt: skip
        s.add(claim)
        s.flush()
        s.add(ClaimItem(claim_id=claim.id, item_code="S0002", quantity=1, amount_fen=3500))
    s.flush()


def _submission(resident: str, admitted: date) -> ClaimSubmission:
    return ClaimSubmission.model_validate({
        "resident_id": resident, "institution_code": "H-COUNTY", "kind": "inpatient",
        "date": admitted.isoformat(), "discharge_date": (admitted + timedelta(days=4)).isoformat(),
        "diagnosis": "J18.9", "claim_no": "NEW-1",
        "items": [{"code": "S0002", "quantity": 4, "amount": "140.00"}],
    })  # fmt: skip


def test_at_the_window_a_readmission_pairs_with_the_earliest_stay(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine) as s:
        person = s.scalars(select(Person).where(Person.resident_id == county.ordinary_id)).one()
        _store_history(s, person, 2017)
        end = LONG_END.replace(year=2017)
        for gap, expected in ((15, ["split-admission"]), (16, [])):
            found = batch_hits(s, [(_submission(person.resident_id, end + timedelta(gap)),
                                    person)], RULES)[0]  # fmt: skip
            assert found["rule_id"].to_list() == expected, gap
            if expected:
                assert json.loads(found["facts"][0])["previous_claim"] == "A"


def test_over_a_year_a_readmission_pairs_with_the_earliest_stay(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine) as s:
        person = s.scalars(select(Person).where(Person.resident_id == county.ordinary_id)).one()
        _store_history(s, person, 2017)
        end = LONG_END.replace(year=2017)
        for no, gap in (("E", 15), ("F", 40)):  # F: 16+ days after every discharge
            admitted = end + timedelta(days=gap)
            s.add(Claim(claim_no=no, person_id=person.id, institution_code="H-COUNTY",
                        kind=ClaimKind.INPATIENT, diagnosis_code="J18.0", total_fen=50_000,
                        start_date=admitted, end_date=admitted + timedelta(days=4)))  # fmt: skip
    with db_engine.connect() as conn:
        year = load_year(conn, None, 2017, RULES)
    found = in_year(screen(RULES, year, ["split-admission"], check=False), 2017)
    assert found["claim_no"].to_list() == ["E"]
    facts = json.loads(found["facts"][0])
    assert (facts["previous_claim"], facts["gap_days"]) == ("A", 15)
