"""The fixed fee per disease (单病种定额): the institution bears the overrun once, at
settlement — the claim is settled on its fee (:mod:`safetynet.programmes.fixed_fee`: the
overrun is the institution-borne amount) — so what the funds owe the institution for the case
is the funds' share of the fee, and its payment round deducts nothing more for it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from safetynet.funds.journal import owed_to_institutions
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient

FEE_FEN = 450_000  # the appendectomy's fee at the county hospital (national-2017)


def test_the_institution_bears_the_overrun_at_settlement(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine) as s:
        before = owed_to_institutions(s).get("H-COUNTY", 0)
    with session_scope(db_engine, write_lock=True) as s:
        plain = submit(s, inpatient(county.ordinary_id), user="clerk", client_key="plain")
        over = submit(s, inpatient(county.poor_id, date(2017, 4, 1), diagnosis="K35.8"),
                      user="clerk", client_key="over")  # fmt: skip
    # a 10,000-yuan bill: the institution bears 5,500 yuan, the fee is shared as any bill
    assert (over.total_fen, over.institution_borne_fen) == (1_000_000, 1_000_000 - FEE_FEN)
    assert over.paid_fen + over.out_of_pocket_fen == FEE_FEN
    with session_scope(db_engine) as s:
        owed = owed_to_institutions(s)["H-COUNTY"] - before
    # the funds owe what their layers paid: the plain claim's and the fee's share, no overrun
    assert owed == plain.paid_fen + over.paid_fen
    assert 0 < over.paid_fen <= FEE_FEN
