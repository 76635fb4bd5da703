"""Review tests run on the settlement tests' tiny county (both databases): claims are settled
through the real service, then reviewed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from safetynet.settlement.service import submit
from safetynet.store.db import session_scope
from safetynet.store.models import Claim
from tests.settlement.conftest import County, build_county
from tests.settlement.helpers import inpatient


@pytest.fixture
def county(db_engine: Engine) -> County:
    with session_scope(db_engine) as s:
        return build_county(s)


def settle(engine: Engine, resident_id: str, day: date = date(2017, 3, 1), **extra: object
           ) -> tuple[int, int]:  # fmt: skip
    """Settle the standard inpatient bill (6000 + 2000 + 1000 + 1000 yuan); the claim's id
    and the settlement's id."""
    with session_scope(engine, write_lock=True) as s:
        view = submit(s, inpatient(resident_id, day, **extra), user="clerk")
        claim_id = s.scalar(select(Claim.id).where(Claim.claim_no == view.claim_no))
    assert claim_id is not None and view.settlement_id is not None
    return claim_id, view.settlement_id
