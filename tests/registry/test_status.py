"""Dated poverty status: on a date, history, recording, and the vectorised masks, on both DBs."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from safetynet.codes import PovertyStatus, RegionLevel, Sex
from safetynet.engine.facts import status_mask, statuses_of
from safetynet.registry.resident_id import check_char
from safetynet.registry.status import (
    ORDINARY_MASK,
    StatusError,
    close_status,
    history,
    periods_frame,
    record_status,
    status_masks_at,
    statuses_on,
)
from safetynet.store.models import Household, Person, PovertyStatusPeriod, Region

S = PovertyStatus
VILLAGE = "341821100201"


def build_registry(session: Session, sizes: list[int]) -> list[tuple[int, list[int]]]:
    """A county, a township, a village and households of ``sizes`` members (committed).

    Returns (household id, member ids) per household; member j of household i is born
    1950 + i on day j + 1 of January.
    """
    session.add(Region(code="341821000000", name="郎溪县", level=RegionLevel.COUNTY))
    session.flush()
    session.add(
        Region(code="341821100000", name="建平镇", level=RegionLevel.TOWNSHIP,
               parent_code="341821000000")
    )  # fmt: skip
    session.flush()
    session.add(
        Region(code=VILLAGE, name="东风村", level=RegionLevel.VILLAGE, parent_code="341821100000")
    )
    session.flush()
    out = []
    for i, size in enumerate(sizes):
        household = Household(number=f"H{i:04d}", region_code=VILLAGE)
        session.add(household)
        session.flush()
        members = []
        for j in range(size):
            born = date(1950 + i % 60, 1, j + 1)
            body = f"341821{born:%Y%m%d}{(i * 10 + j) % 1000:03d}"
            person = Person(
                resident_id=body + check_char(body),
                name=f"人{i}-{j}",
                sex=Sex.MALE if int(body[16]) % 2 else Sex.FEMALE,
                birth_date=born,
                household_id=household.id,
                region_code=VILLAGE,
            )
            session.add(person)
            session.flush()
            members.append(person.id)
        out.append((household.id, members))
    session.commit()
    return out


def _period(hid: int, pid: int | None, status: S, start: date, end: date | None = None) -> object:
    return PovertyStatusPeriod(
        household_id=hid, person_id=pid, status=status, valid_from=start, valid_to=end,
        department="县扶贫办",
    )  # fmt: skip


def test_status_changes_mid_year(db_session: Session) -> None:
    [(hid, members)] = build_registry(db_session, [2])
    record_status(db_session, hid, None, S.REGISTERED_POOR, date(2016, 1, 1), "县扶贫办", "2016-1")
    record_status(db_session, hid, None, S.EXITED, date(2017, 7, 1), "县扶贫办", "2017-退出")
    db_session.commit()
    for pid in members:
        assert statuses_on(db_session, pid, date(2015, 12, 31)) == {S.ORDINARY}
        assert statuses_on(db_session, pid, date(2016, 1, 1)) == {S.REGISTERED_POOR}
        assert statuses_on(db_session, pid, date(2017, 6, 30)) == {S.REGISTERED_POOR}
        assert statuses_on(db_session, pid, date(2017, 7, 1)) == {S.EXITED}  # boundary day
    first, second = history(db_session, members[0])
    assert (first.status, first.valid_from, first.valid_to) == (
        S.REGISTERED_POOR, date(2016, 1, 1), date(2017, 7, 1)
    )  # fmt: skip
    assert (second.status, second.valid_to) == (S.EXITED, None)


def test_household_status_applies_to_members_only(db_session: Session) -> None:
    (h1, members), (_h2, [other]) = build_registry(db_session, [3, 1])
    db_session.add(_period(h1, None, S.LOW_INCOME, date(2017, 1, 1)))
    db_session.commit()
    on = date(2017, 3, 1)
    assert [statuses_on(db_session, pid, on) for pid in members] == [{S.LOW_INCOME}] * 3
    assert statuses_on(db_session, other, on) == {S.ORDINARY}
    assert history(db_session, other) == []


def test_person_periods_override_the_household_within_a_family(db_session: Session) -> None:
    [(hid, [a, b, c])] = build_registry(db_session, [3])
    db_session.add_all([
        _period(hid, None, S.REGISTERED_POOR, date(2016, 1, 1)),
        _period(hid, None, S.LOW_INCOME, date(2016, 1, 1)),
        _period(hid, a, S.EXTREMELY_POOR, date(2017, 1, 1)),
        _period(hid, b, S.EXITED, date(2017, 5, 1), date(2017, 9, 1)),
    ])  # fmt: skip
    db_session.commit()
    on = date(2017, 6, 1)
    assert statuses_on(db_session, a, on) == {S.REGISTERED_POOR, S.EXTREMELY_POOR}
    assert statuses_on(db_session, b, on) == {S.EXITED, S.LOW_INCOME}
    assert statuses_on(db_session, c, on) == {S.REGISTERED_POOR, S.LOW_INCOME}
    # b's own period has ended: the household's status applies again.
    assert statuses_on(db_session, b, date(2017, 9, 1)) == {S.REGISTERED_POOR, S.LOW_INCOME}
    assert statuses_on(db_session, a, date(2016, 12, 31)) == {S.REGISTERED_POOR, S.LOW_INCOME}
    assert [p.status for p in history(db_session, b)] == [S.REGISTERED_POOR, S.LOW_INCOME, S.EXITED]


def test_record_status_scope_and_family(db_session: Session) -> None:
    [(hid, [a, b])] = build_registry(db_session, [2])
    household = record_status(db_session, hid, None, S.REGISTERED_POOR, date(2016, 1, 1), "扶贫办")
    civil = record_status(db_session, hid, a, S.LOW_INCOME, date(2016, 3, 1), "民政局")
    # A person's period does not close the household's, nor another family's.
    own = record_status(db_session, hid, a, S.EXITED, date(2017, 1, 1), "扶贫办")
    assert household.valid_to is None and civil.valid_to is None
    extreme = record_status(db_session, hid, a, S.EXTREMELY_POOR, date(2017, 2, 1), "民政局")
    assert civil.valid_to == date(2017, 2, 1)
    assert statuses_on(db_session, a, date(2017, 2, 1)) == {S.EXITED, S.EXTREMELY_POOR}
    assert statuses_on(db_session, b, date(2017, 2, 1)) == {S.REGISTERED_POOR}
    # Recording what is already in force changes nothing.
    again = record_status(db_session, hid, a, S.EXTREMELY_POOR, date(2017, 5, 1), "民政局")
    assert again.id == extreme.id and extreme.valid_to is None
    assert own.valid_to is None
    assert len(history(db_session, a)) == 4


def test_record_status_refusals(db_session: Session) -> None:
    (h1, [a]), (h2, _) = build_registry(db_session, [1, 1])
    record_status(db_session, h1, None, S.REGISTERED_POOR, date(2017, 1, 1), "扶贫办")
    with pytest.raises(StatusError) as err:
        record_status(db_session, h1, None, S.EXITED, date(2017, 1, 1), "扶贫办")
    assert err.value.code == "later_period"
    with pytest.raises(StatusError) as err:
        record_status(db_session, h1, None, S.ORDINARY, date(2018, 1, 1), "扶贫办")
    assert err.value.code == "ordinary"
    with pytest.raises(StatusError) as err:
        record_status(db_session, h2, a, S.LOW_INCOME, date(2018, 1, 1), "民政局")
    assert err.value.code == "household"
    with pytest.raises(StatusError) as err:
        record_status(
            db_session, h1, a, S.LOW_INCOME, date(2018, 1, 1), "民政局", valid_to=date(2018, 1, 1)
        )
    assert err.value.code == "period"


def test_close_status(db_session: Session) -> None:
    [(hid, [a])] = build_registry(db_session, [1])
    record_status(db_session, hid, a, S.LOW_INCOME, date(2017, 1, 1), "民政局")
    with pytest.raises(StatusError, match="cannot end on 2017-01-01"):
        close_status(db_session, hid, a, S.LOW_INCOME, date(2017, 1, 1))
    closed = close_status(db_session, hid, a, S.LOW_INCOME, date(2018, 1, 1))
    assert closed is not None and closed.valid_to == date(2018, 1, 1)
    assert close_status(db_session, hid, a, S.LOW_INCOME, date(2019, 1, 1)) is None
    assert statuses_on(db_session, a, date(2017, 12, 31)) == {S.LOW_INCOME}
    assert statuses_on(db_session, a, date(2018, 1, 1)) == {S.ORDINARY}


def test_masks_use_the_engine_bits_and_keep_claim_order() -> None:
    periods = pl.DataFrame(
        {
            "household_id": [1, 1, 2],
            "person_id": [None, 11, None],
            "status": ["registered_poor", "extremely_poor", "low_income"],
            "valid_from": [date(2017, 1, 1), date(2017, 6, 1), date(2017, 1, 1)],
            "valid_to": [date(2017, 7, 1), None, None],
        }
    )
    claims = pl.DataFrame(
        {
            "person_id": [11, 12, 11, 21, 11, 99],
            "household_id": [1, 1, 1, 2, 1, 9],
            "date": [date(2017, 6, 1), date(2017, 6, 1), date(2017, 7, 1), date(2016, 1, 1),
                     date(2017, 6, 1), date(2017, 6, 1)],
        }
    )  # fmt: skip
    masks = status_masks_at(periods, claims).to_list()
    assert masks == [
        status_mask({S.REGISTERED_POOR, S.EXTREMELY_POOR}),
        status_mask({S.REGISTERED_POOR}),
        status_mask({S.EXTREMELY_POOR}),
        ORDINARY_MASK,
        status_mask({S.REGISTERED_POOR, S.EXTREMELY_POOR}),
        ORDINARY_MASK,
    ]
    assert statuses_of(masks[0]) == {S.REGISTERED_POOR, S.EXTREMELY_POOR}


def test_masks_of_no_periods_are_ordinary(db_session: Session) -> None:
    [(hid, [a])] = build_registry(db_session, [1])
    claims = pl.DataFrame({"person_id": [a], "household_id": [hid], "date": [date(2017, 1, 1)]})
    assert status_masks_at(periods_frame(db_session), claims).to_list() == [ORDINARY_MASK]


STATUSES = [s for s in PovertyStatus if s is not S.ORDINARY]
BASE = date(2017, 1, 1)
SIZES = [3, 2, 1]
period_specs = st.lists(
    st.tuples(
        st.integers(0, len(SIZES) - 1),  # household
        st.integers(-1, 2),  # member index, -1 = the whole household
        st.sampled_from(STATUSES),
        st.integers(0, 20),  # start day
        st.one_of(st.none(), st.integers(1, 10)),  # length in days, None = open
    ),
    max_size=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(specs=period_specs)
def test_vectorised_masks_equal_per_person_queries(db_session: Session, specs: list) -> None:
    registry = getattr(db_session, "_test_registry", None)
    if registry is None:
        registry = build_registry(db_session, SIZES)
        db_session._test_registry = registry  # type: ignore[attr-defined]
    try:
        for h, member, status, start, length in specs:
            hid, members = registry[h]
            pid = members[member % len(members)] if member >= 0 else None
            begin = BASE + timedelta(days=start)
            end = None if length is None else begin + timedelta(days=length)
            db_session.add(_period(hid, pid, status, begin, end))
        db_session.flush()
        days = [BASE + timedelta(days=d) for d in range(0, 32, 3)]
        pairs = [(hid, pid, d) for hid, members in registry for pid in members for d in days]
        claims = pl.DataFrame(
            {
                "person_id": [p for _, p, _ in pairs],
                "household_id": [h for h, _, _ in pairs],
                "date": [d for _, _, d in pairs],
            }
        )
        masks = status_masks_at(periods_frame(db_session), claims).to_list()
        expected = [status_mask(statuses_on(db_session, p, d)) for _, p, d in pairs]
        assert masks == expected
    finally:
        db_session.rollback()


def test_recording_ends_the_persons_own_period_of_their_former_household(
    db_session: Session,
) -> None:
    """A person's own periods are theirs whatever household they were recorded with: after a
    move, recording ``exited`` ends the own ``registered_poor`` period recorded before (it
    held both statuses of one family), and a later period recorded before is a conflict."""
    (h1, [a]), (h2, [_b]) = build_registry(db_session, [1, 1])
    record_status(db_session, h1, a, S.REGISTERED_POOR, date(2015, 1, 1), "poverty office")
    db_session.get(Person, a).household_id = h2  # type: ignore[union-attr]
    db_session.commit()
    record_status(db_session, h2, a, S.EXITED, date(2017, 7, 1), "poverty office")
    db_session.commit()
    assert statuses_on(db_session, a, date(2017, 6, 30)) == {S.REGISTERED_POOR}
    assert statuses_on(db_session, a, date(2018, 1, 1)) == {S.EXITED}
    with pytest.raises(StatusError) as err:
        record_status(db_session, h2, a, S.RETURNED, date(2016, 1, 1), "poverty office")
    assert err.value.code == "later_period"
    assert close_status(db_session, h2, a, S.EXITED, date(2019, 1, 1)) is not None
