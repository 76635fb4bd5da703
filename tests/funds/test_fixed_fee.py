"""The fixed fee per disease: the institution bears the overrun, as a deduction posted once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from safetynet.funds.fixed_fee import FixedFeeCase, overrun_deductions
from safetynet.funds.journal import JournalError, owed_to_institutions
from safetynet.funds.posting import post_deductions
from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient


def test_the_institution_bears_the_overrun(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine, write_lock=True) as s:
        view = submit(s, inpatient(county.poor_id), user="clerk")
    paid = sum(layer.paid_fen for layer in view.layers)
    cases = [
        FixedFeeCase("H-COUNTY", view.claim_no, date(2017, 3, 1), "J18.9", paid - 12_345, paid),
        FixedFeeCase("H-COUNTY", "OTHER", date(2017, 3, 2), "K35", 500_000, 400_000),  # below
    ]
    cuts = overrun_deductions(cases)
    assert [(d.amount_fen, d.reference) for d in cuts] == [(12_345, f"fixed-fee:{view.claim_no}")]
    with session_scope(db_engine) as s:
        post_deductions(s, cuts)
        post_deductions(s, cuts)  # once
        assert owed_to_institutions(s)["H-COUNTY"] == paid - 12_345  # the fee
    with pytest.raises(JournalError, match="negative"):
        overrun_deductions([FixedFeeCase("H-COUNTY", "X", date(2017, 1, 1), "K35", -1, 0)])
