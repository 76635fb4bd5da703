"""The funds tests reuse the settlement tests' tiny county (Anhui policy, 2017)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from safetynet.store.db import session_scope
from tests.settlement.conftest import County, build_county


@pytest.fixture
def county(db_engine: Engine) -> County:
    with session_scope(db_engine) as s:
        return build_county(s)
