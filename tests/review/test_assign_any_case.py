"""A review case is assigned to a reviewer named in any case (usernames are
case-insensitive): the account's own name is kept as the assignee, so the reviewer's
worklist ("mine") finds it; a name no account has is refused (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from safetynet.review import cases
from safetynet.review.errors import ReviewError
from safetynet.security.users import create_user
from safetynet.store.db import session_scope
from safetynet.store.models.security import Role
from tests.review.conftest import settle
from tests.settlement.conftest import County


def test_a_reviewer_named_in_another_case_is_the_account(db_engine: Engine, county: County) -> None:
    claim_id, _ = settle(db_engine, county.ordinary_id)
    with session_scope(db_engine) as s:
        create_user(s, username="Reviewer-A", password="right-password-1", role=Role.REVIEWER,
                    region_code="340421")  # fmt: skip
        case_id = cases.open_case(s, claim_id).id
    with session_scope(db_engine) as s:
        case = cases.assign(s, case_id, reviewer="REVIEWER-a", by="bureau")
        assert case.assigned_to == "Reviewer-A"
    with session_scope(db_engine) as s:  # the same assignee again: nothing changes
        assert cases.assign(s, case_id, reviewer="reviewer-a", by="bureau").assigned_to == (
            "Reviewer-A")  # fmt: skip
    with pytest.raises(ReviewError) as error, session_scope(db_engine) as s:
        cases.assign(s, case_id, reviewer="Reviewer-B", by="bureau")
    assert error.value.code == "reviewer_unknown"
