"""Monitored categories as dated periods (SQLite and PostgreSQL): a change in the year, the
open period closed by the next, marginal status counted, overlaps refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from safetynet.codes import MonitoredCategory as C
from safetynet.codes import PovertyStatus
from safetynet.early_warning.categories import (
    CategoryError,
    categories_in_year,
    end_category,
    record_category,
)
from safetynet.store.db import session_scope
from safetynet.store.models import Household, MonitoringPeriod, PovertyStatusPeriod
from tests.settlement.conftest import County, county

__all__ = ["county"]


def test_periods_in_a_year(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine) as s:
        h1, h2 = s.scalars(select(Household.id).order_by(Household.number)).all()
        record_category(s, h1, C.UNSTABLE_EXITED, date(2016, 5, 1), department="乡村振兴局")
        # sudden hardship from July 2017: the unstable period stays, a second category opens
        record_category(s, h1, C.SUDDEN_HARDSHIP, date(2017, 7, 1), department="民政局")
        assert end_category(s, h1, C.UNSTABLE_EXITED, date(2017, 3, 1)) == 1
        s.add(
            PovertyStatusPeriod(
                household_id=h2,
                status=PovertyStatus.MARGINAL,
                valid_from=date(2017, 2, 1),
                department="乡村振兴局",
            )
        )
    with session_scope(db_engine) as s:
        y2017 = categories_in_year(s, 2017).rows()
        assert y2017 == [(h1, "sudden_hardship"), (h1, "unstable_exited"), (h2, "marginal")]
        assert categories_in_year(s, 2018).rows() == [(h1, "sudden_hardship"), (h2, "marginal")]
        # a later start closes the open period where the new one starts
        record_category(
            s, h1, C.SUDDEN_HARDSHIP, date(2018, 2, 1), department="民政局", reference="复核"
        )
        ends = s.scalars(
            select(MonitoringPeriod.valid_to)
            .where(MonitoringPeriod.category == C.SUDDEN_HARDSHIP)
            .order_by(MonitoringPeriod.valid_from)
        ).all()
        assert ends == [date(2018, 2, 1), None]
        with pytest.raises(CategoryError) as err:
            record_category(s, h1, C.SUDDEN_HARDSHIP, date(2018, 1, 1), department="民政局")
        assert err.value.code == "period.overlaps"
