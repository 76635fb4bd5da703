"""The readmission rate across the year's end: a stay of December followed by the person's
admission in January within ``scoring.readmission_days`` is readmitted in its year's
scorecard (the January stay itself belongs to the next year); a stay admitted in December
and discharged in January is followed from its discharge; read from the database on both
backends."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from sqlalchemy import Engine, select

from safetynet.codes import PovertyStatus
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import Enrollment, Person
from safetynet.supervision.load import frames_from_rows
from safetynet.supervision.rules import load_rules
from safetynet.supervision.scores import scorecard
from safetynet.supervision.screen import HIT_SCHEMA
from safetynet.supervision.service import year_scores
from tests.settlement.conftest import County, county
from tests.settlement.helpers import inpatient

__all__ = ["county"]
RULES = load_rules()


def _rate(after: pl.DataFrame | None) -> float:
    """Five stays of one person at C0 in 2017, the last 20-26 December."""
    days = [date(2017, m, 1) for m in (2, 4, 6, 8)] + [date(2017, 12, 20)]
    claims = [(n, f"S{n}", "inpatient", "county", "C0", d, d + timedelta(days=6), "J18.9",
               100_000, None, 1) for n, d in enumerate(days)]  # fmt: skip
    data = frames_from_rows(claims, [], {1: date(1960, 1, 1)}, [(1, "male", None, "340421")])
    card = scorecard(data, pl.DataFrame(schema=HIT_SCHEMA), scoring=RULES.scoring, after=after)
    row = card.filter((pl.col("unit_type") == "institution") & (pl.col("unit") == "C0"))
    return float(row["readmission_rate"][0])


def test_a_december_stay_readmitted_in_january_counts() -> None:
    assert _rate(None) == 0.0
    january = pl.DataFrame({"person_id": [1], "admitted": [date(2018, 1, 9)]})  # day 14
    assert _rate(january) == 0.2  # one of five stays
    late = pl.DataFrame({"person_id": [1], "admitted": [date(2018, 1, 10)]})  # day 15
    assert _rate(late) == 0.0


def test_year_scores_read_the_next_januarys_admissions(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine) as s:
        pid = s.scalar(select(Person.id).where(Person.resident_id == county.ordinary_id))
        s.add(Enrollment(person_id=pid, year=2018, category=PovertyStatus.ORDINARY,
                         enrolled_on=date(2017, 12, 1)))  # fmt: skip
    stays = [(date(2017, m, 1), date(2017, m, 4)) for m in (2, 4, 6, 8)]
    stays += [(date(2017, 12, 28), date(2018, 1, 3)), (date(2018, 1, 16), date(2018, 1, 19))]
    with session_scope(db_engine, write_lock=True) as s:
        for n, (start, end) in enumerate(stays):
            submit(s, inpatient(county.ordinary_id, start, discharge_date=end,
                                claim_no=f"Y{n}"), user="his")  # fmt: skip
    with session_scope(db_engine) as s:
        card = year_scores(s, "340421", 2017).card
    row = card.filter((pl.col("unit_type") == "institution") & (pl.col("unit") == "H-COUNTY"))
    # the stay discharged 3 January is followed 13 days later: one of the year's five
    assert row["admissions"][0] == 5 and row["readmission_rate"][0] == 0.2
