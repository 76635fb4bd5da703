"""The household facts early warning reads, at their date boundaries, on SQLite and PostgreSQL:
members alive some day of the year (a death on 1 January is not a day alive, as at
settlement; a birth after 31 December is not in the year), the
latest income recorded for the year, last year's reference income of the nearest region."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from safetynet.codes import IncomeSource, RegionLevel, Sex
from safetynet.early_warning.load import household_rows, load_households
from safetynet.early_warning.rounds import RoundError, approve_round, cancel_round, draft_round
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import Household, HouseholdIncome, Person, ReferenceIncome, Region
from tests.early_warning.test_service_db import big
from tests.settlement.conftest import County, county

__all__ = ["county"]

YEAR = 2018


COUNTY, TOWNSHIP, VILLAGE = "340421", "340421100", "340421100201"


@pytest.fixture
def home(db_session: Session) -> int:
    """A household of seven: living; died on 31 December before the year, on 1 and 2 January
    and on 31 December of the year; born on its last day and on the next year's first."""
    s = db_session
    s.add(Region(code=COUNTY, name="县", level=RegionLevel.COUNTY))
    s.flush()
    s.add(Region(code=TOWNSHIP, name="镇", level=RegionLevel.TOWNSHIP, parent_code=COUNTY))
    s.flush()
    s.add(Region(code=VILLAGE, name="村", level=RegionLevel.VILLAGE, parent_code=TOWNSHIP))
    s.flush()
    s.add(Household(number="H1", region_code=VILLAGE))
    s.flush()
    h = s.scalar(select(Household.id).where(Household.number == "H1"))
    assert h is not None
    people = [(date(1980, 1, 1), None), (date(1980, 1, 1), date(YEAR - 1, 12, 31)),
              (date(1980, 1, 1), date(YEAR, 1, 1)), (date(1980, 1, 1), date(YEAR, 1, 2)),
              (date(1980, 1, 1), date(YEAR, 12, 31)), (date(YEAR, 12, 31), None),
              (date(YEAR + 1, 1, 1), None)]  # fmt: skip
    s.add_all(
        Person(resident_id=f"34182119800101{n:04d}", name=f"P{n}", sex=Sex.MALE,
               birth_date=born, household_id=h, region_code=VILLAGE, deceased_on=died)
        for n, (born, died) in enumerate(people)
    )  # fmt: skip
    s.add_all([
        HouseholdIncome(household_id=h, year=YEAR, income_fen=1_000_000,
                        source=IncomeSource.DECLARED, recorded_by="t"),
        HouseholdIncome(household_id=h, year=YEAR, income_fen=2_000_000,
                        source=IncomeSource.DECLARED, recorded_by="t"),
        HouseholdIncome(household_id=h, year=YEAR - 1, income_fen=9_000_000,
                        source=IncomeSource.DECLARED, recorded_by="t"),
        ReferenceIncome(region_code=COUNTY, year=YEAR - 1, per_capita_fen=1_200_000, source="s"),
        ReferenceIncome(region_code=COUNTY, year=YEAR, per_capita_fen=9_900_000, source="s"),
    ])  # fmt: skip
    s.commit()
    return h


def test_members_income_and_reference_of_the_year(db_session: Session, home: int) -> None:
    conn = db_session.connection()
    frame = load_households(conn, YEAR, household_id=home)
    # alive some day of the year: the living one, those who died on 2 January and
    # 31 December, the one born on 31 December
    assert frame.select("members", "income_fen", "reference_fen").row(0) == (
        4, 2_000_000, 1_200_000,
    )  # fmt: skip
    members, income, reference, _ = household_rows(conn, YEAR, [home])[home]
    assert (members, income, reference) == (4, 2_000_000, 1_200_000)
    # a year later: the living one and both born
    assert load_households(conn, YEAR + 1, household_id=home)["members"].to_list() == [3]
    assert household_rows(conn, YEAR + 1, [home])[home][0] == 3


PADDED = ("341821000000", "341821100000", "341821100201")  # the statistical office's codes


@pytest.mark.parametrize(
    ("refs", "expected"),
    [({PADDED[0]: 1_100_000}, 1_100_000),  # a padded county code reaches its villages
     ({PADDED[0]: 1_100_000, PADDED[1]: 1_300_000}, 1_300_000),  # the nearest region wins
     ({"341822000000": 1_100_000}, None)],  # another county's does not
)  # fmt: skip
def test_reference_income_of_a_region_with_padded_codes(
    db_session: Session, refs: dict[str, int], expected: int | None
) -> None:
    s = db_session
    parent = None
    for code, level in zip(PADDED, (RegionLevel.COUNTY, RegionLevel.TOWNSHIP,
                                    RegionLevel.VILLAGE), strict=True):  # fmt: skip
        s.add(Region(code=code, name=code, level=level, parent_code=parent))
        s.flush()
        parent = code
    s.add(Region(code="341822000000", name="other", level=RegionLevel.COUNTY))
    s.add(Household(number="P1", region_code=PADDED[2]))
    s.flush()
    h = s.scalar(select(Household.id).where(Household.number == "P1"))
    assert h is not None
    s.add(Person(resident_id="341821198001010011", name="p", sex=Sex.MALE,
                 birth_date=date(1980, 1, 1), household_id=h, region_code=PADDED[2]))  # fmt: skip
    s.add_all(ReferenceIncome(region_code=c, year=YEAR - 1, per_capita_fen=f, source="s")
              for c, f in refs.items())  # fmt: skip
    s.commit()
    conn = s.connection()
    assert load_households(conn, YEAR, household_id=h)["reference_fen"].to_list() == [expected]
    assert household_rows(conn, YEAR, [h])[h][2] == expected


def test_one_live_round_a_year_in_a_county(db_engine: Engine, county: County) -> None:
    """A county's round and its township's would pay the township's households twice, two
    townships' rounds would each spend the county's budget: a second live round in the
    county is refused, at drafting or at approval; after a cancellation a township's may go."""
    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 3, 1), 60_000), user="clerk")
    with session_scope(db_engine) as s:
        s.add(Region(code="340421200", name="另一镇", level=RegionLevel.TOWNSHIP,
                     parent_code="340421"))  # fmt: skip
        whole = draft_round(s, 2017, "340421", user="officer")
        part = draft_round(s, 2017, "340421100", user="officer")
        other = draft_round(s, 2017, "340421200", user="officer")
        assert part.budget_fen == whole.budget_fen == 270_000_000  # nothing paid elsewhere
        approve_round(s, whole.id, user="director", on=date(2018, 1, 5))
        for region in ("340421", "340421100", "340421200"):
            with pytest.raises(RoundError) as err:
                draft_round(s, 2017, region, user="officer")
            assert err.value.code == "round.exists"
        for draft in (part, other):
            with pytest.raises(RoundError) as err:
                approve_round(s, draft.id, user="director", on=date(2018, 1, 6))
            assert err.value.code == "round.exists"
        cancel_round(s, whole.id, user="director", on=date(2018, 1, 7), reason="by township")
        assert approve_round(s, part.id, user="director", on=date(2018, 1, 8)).state == "approved"
        with pytest.raises(RoundError) as err:
            approve_round(s, other.id, user="director", on=date(2018, 1, 8))
        assert err.value.code == "round.exists"
