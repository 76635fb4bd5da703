"""The year of the warning rules is the scheme year of the claim (seed 004: "年度累计", the
year's cumulative compliant self-pay), not a rolling twelve months: two admissions on
31 December and 1 January, each below the 10,000-yuan line and together above it, raise no
``self_pay_year`` warning in either year, on SQLite and PostgreSQL; a person's year counted
as the oracle counts it from the raw ledger (``min(out_of_pocket, max(compliant − paid, 0))``
per claim, summed by ``Settlement.year``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import Engine, select

from safetynet.codes import PovertyStatus
from safetynet.early_warning.service import evaluate_year
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import Enrollment, Person, Settlement
from tests.early_warning.test_service_db import big
from tests.settlement.conftest import County, county

__all__ = ["county"]

LINE = 1_000_000


def test_the_line_is_per_year_not_a_rolling_twelve_months(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine) as s:
        for pid in s.scalars(select(Person.id)):
            s.add(Enrollment(person_id=pid, year=2018, category=PovertyStatus.ORDINARY,
                             enrolled_on=date(2017, 12, 1)))  # fmt: skip
    with session_scope(db_engine) as s:
        submit(s, big(county.ordinary_id, date(2017, 12, 31), 40_000), user="c", client_key="a")
        submit(s, big(county.ordinary_id, date(2018, 1, 1), 40_000), user="c", client_key="b")
    with session_scope(db_engine) as s:
        by_year: dict[int, int] = defaultdict(int)
        rows = s.execute(select(Settlement.year, Settlement.out_of_pocket_fen,
                                Settlement.compliant_fen, Settlement.paid_fen))  # fmt: skip
        for year, oop, compliant, paid in rows:
            by_year[year] += min(oop, max(compliant - paid, 0))
    assert sorted(by_year) == [2017, 2018]
    assert all(v < LINE for v in by_year.values())
    assert sum(by_year.values()) >= LINE  # a rolling twelve months would reach the line
    with db_engine.connect() as conn:
        for year in (2017, 2018):
            found = evaluate_year(conn, year).warnings
            assert "self_pay_year" not in found["rule_id"].to_list()
