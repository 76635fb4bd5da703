"""A month whose journal holds lines of an institution the registry does not have (written
before manual entries were checked) is refused by the payment round, naming the codes and the
journal lines, nothing written — not an integrity error of the database half-way through
(both databases). Once the registry holds the institution the round is made and pays it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from safetynet.codes import InstitutionLevel
from safetynet.funds.journal import Line, post_entry
from safetynet.funds.payments import PaymentError, make_round, unknown_payee_lines
from safetynet.funds.rules import default_rules
from safetynet.store.db import session_scope
from safetynet.store.models import FundLine, Institution, Payment, PaymentBatch
from tests.settlement.conftest import County

RULES = default_rules()
COUNTY = "340421"


def _claim(engine: Engine, institution: str, fen: int, month: int, payer: str | None) -> int:
    """A settlement entry of ``institution``'s claims of ``month``; its entry id."""
    with session_scope(engine) as s:
        lines = [
            Line("basic", "spending", fen, institution_code=institution,
                 claim_kind="inpatient", month=month, payer_region=payer),
            Line("basic", "payable", -fen, institution_code=institution,
                 claim_kind="inpatient", month=month, payer_region=payer),
        ]  # fmt: skip
        return post_entry(s, RULES, year=2017, posted_on=date(2017, month, 28),
                          kind="settlement", lines=lines, user="legacy")  # fmt: skip


def _rounds(engine: Engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(PaymentBatch)) or 0


@pytest.mark.parametrize("payer", [None, COUNTY])
def test_a_round_paying_an_unknown_institution_is_refused_naming_it_and_its_lines(
    db_engine: Engine, county: County, payer: str | None
) -> None:
    _claim(db_engine, "H-COUNTY", 100_000, 3, payer)
    gone = _claim(db_engine, "H-GONE", 40_000, 2, payer)  # February's, carried into March
    other = _claim(db_engine, "X-9", 10_000, 3, payer)
    with session_scope(db_engine) as s:
        line_ids = list(s.scalars(select(FundLine.id).where(FundLine.entry_id == gone)
                                  .where(FundLine.account == "spending")))  # fmt: skip
    for month in (3, 2):
        with pytest.raises(PaymentError) as error, session_scope(db_engine) as s:
            make_round(s, RULES, 2017, month, user="maker", payer_region=payer)
        assert error.value.code == "round_unknown_institution"
        message = error.value.message
        assert "H-GONE" in message and f"entry {gone} line {line_ids[0]}" in message
        assert "400.00 yuan" in message and "no round was made" in message
        assert ("X-9" in message) == (month == 3) and "H-COUNTY" not in message
    assert _rounds(db_engine) == 0
    with session_scope(db_engine) as s:
        listed = unknown_payee_lines(s, 2017, payer=payer)
        assert {(ln.entry_id, ln.institution_code) for ln in listed} == {
            (gone, "H-GONE"), (other, "X-9")}  # fmt: skip
        for code in ("H-GONE", "X-9"):  # the registry learns of them: the round is made
            s.add(Institution(code=code, name=code, level=InstitutionLevel.COUNTY,
                              in_county=True, region_code=COUNTY))  # fmt: skip
    with session_scope(db_engine) as s:
        batch = make_round(s, RULES, 2017, 3, user="maker", payer_region=payer)
        rows = s.execute(select(Payment.institution_code, Payment.approved_fen)
                         .where(Payment.batch_id == batch.id))  # fmt: skip
        paid = {code: int(fen) for code, fen in rows}
    assert paid == {"H-COUNTY": 100_000, "H-GONE": 40_000, "X-9": 10_000}


def test_an_unknown_institution_with_nothing_to_pay_blocks_nothing(
    db_engine: Engine, county: County
) -> None:
    _claim(db_engine, "H-COUNTY", 100_000, 3, None)
    _claim(db_engine, "H-GONE", 40_000, 3, None)
    _claim(db_engine, "H-GONE", -40_000, 3, None)  # refunded in full: nothing to pay
    with session_scope(db_engine) as s:
        batch = make_round(s, RULES, 2017, 3, user="maker")
        paid = set(s.scalars(select(Payment.institution_code).where(Payment.batch_id == batch.id)))
    assert paid == {"H-COUNTY"}
