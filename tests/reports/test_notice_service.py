"""The public notice service: masked lines, totals equal to the ledger's, subtotals per
township or village, refunds as negative lines in their month, clear refusals."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, event

from safetynet.clock import local_date
from safetynet.policy.in_force import policy_by_id
from safetynet.registry.masking import mask_name, mask_resident_id
from safetynet.reports.notice import NoticeError, parse_month, public_notice
from safetynet.store.db import session_scope
from safetynet.store.models import Person, Settlement
from safetynet.store.models.ledger import EntryKind
from tests.reports.helpers import (
    assert_nothing_unmasked,
    busiest_month,
    ledger_month,
    refund_one,
)

LEVELS = ("county", "township", "village")


def _check_totals(engine: Engine, code: str, year: int, month: int) -> None:
    with session_scope(engine) as s:
        notice = public_notice(s, code, year, month)
    want = ledger_month(engine, code, year, month)
    assert notice.rows.height == want.pop("lines")
    for key, value in notice.totals.items():
        assert value == want.get(key, 0), key
    for column in notice.money_columns:  # the lines add up to the totals
        assert int(notice.rows[column].sum()) == notice.totals[column]


@pytest.mark.parametrize("level", LEVELS)
def test_totals_equal_the_ledger_of_the_month(
    county_engine: Engine, regions: dict[str, str], level: str
) -> None:
    year, month = busiest_month(county_engine)
    _check_totals(county_engine, regions[level], year, month)


@pytest.mark.parametrize("level", LEVELS)
def test_no_line_carries_an_unmasked_name_or_id(
    county_engine: Engine, regions: dict[str, str], level: str
) -> None:
    year, month = busiest_month(county_engine)
    with session_scope(county_engine) as s:
        notice = public_notice(s, regions[level], year, month)
        people = {p.id: p for p in s.query(Person)}
        entries = {e.id: e for e in s.query(Settlement)}
    assert not notice.is_empty
    texts = [str(v) for row in notice.rows.iter_rows() for v in row]
    assert_nothing_unmasked(texts, county_engine)
    for line in notice.rows.iter_rows(named=True):  # each line is its person, masked
        person = people[entries[line["entry_id"]].person_id]
        assert line["name"] == mask_name(person.name)
        assert line["resident_id"] == mask_resident_id(person.resident_id)


def test_a_township_subtotals_its_villages_and_a_county_its_townships(
    county_engine: Engine, regions: dict[str, str]
) -> None:
    year, month = busiest_month(county_engine)
    with session_scope(county_engine) as s:
        county = public_notice(s, regions["county"], year, month)
        township = public_notice(s, regions["township"], year, month)
        village = public_notice(s, regions["village"], year, month)
    assert county.group_level == "township" and township.group_level == "village"
    assert village.group_level is None
    assert set(township.groups["group_code"]) <= {regions["village"], regions["second_village"]}
    assert set(township.rows["village_code"]) == set(township.groups["group_code"])
    assert regions["township"] in set(county.groups["group_code"])
    for notice in (county, township):
        for column in ["claims", *notice.money_columns]:
            assert int(notice.groups[column].sum()) == notice.totals[column], column
        for group in notice.groups.iter_rows(named=True):  # each group is its region's notice
            want = ledger_month(county_engine, group["group_code"], year, month)
            assert group["total_fen"] == want["total_fen"]
            assert group["paid_fen"] == want["paid_fen"]
            assert group["persons"] == want["persons"]
    # the township's line in the county's notice is the township's own notice
    row = county.groups.filter(county.groups["group_code"] == regions["township"]).row(
        0, named=True
    )
    assert row["paid_fen"] == township.totals["paid_fen"]


def test_layer_columns_are_the_policy_layers_with_their_names(
    county_engine: Engine, regions: dict[str, str]
) -> None:
    year, month = busiest_month(county_engine)
    with session_scope(county_engine) as s:
        notice = public_notice(s, regions["county"], year, month)
    assert notice.layers
    policy = policy_by_id("anhui-poor-2017")
    assert policy is not None
    names = {la.id: (la.name_en, la.name_zh) for la in policy.layers}
    assert [la.id for la in notice.layers] == [la.id for la in policy.layers]
    for layer in notice.layers:
        assert (layer.name_en, layer.name_zh) == names[layer.id]
    paid = sum(notice.totals[la.column] for la in notice.layers)
    assert paid == notice.totals["paid_fen"]


def test_a_refund_is_a_negative_line_in_the_month_it_is_made(
    county_engine: Engine, regions: dict[str, str]
) -> None:
    year, month = busiest_month(county_engine)
    later = (year, month + 1) if month < 12 else (year + 1, 1)
    code = regions["township"]
    with session_scope(county_engine) as s:
        before = public_notice(s, code, *later)
    original, reversal = refund_one(
        county_engine, code, year, month, when=datetime(later[0], later[1], 15, 10, 30)
    )
    with session_scope(county_engine) as s:
        after = public_notice(s, code, *later)
        paid_month = public_notice(s, code, year, month)
    line = after.rows.filter(after.rows["entry_id"] == reversal.id).row(0, named=True)
    assert line["entry_kind"] == EntryKind.REVERSAL.value
    assert line["reverses_id"] == original.id
    assert line["paid_fen"] == -original.paid_fen < 0
    assert line["total_fen"] == -original.total_fen
    assert line["entry_date"].isoformat() == f"{later[0]}-{later[1]:02d}-15"
    assert after.totals["paid_fen"] == before.totals["paid_fen"] - original.paid_fen
    assert after.totals["claims"] == before.totals["claims"] - 1
    # the settlement itself stays in the month it was paid
    assert original.id in set(paid_month.rows["entry_id"])
    assert reversal.id not in set(paid_month.rows["entry_id"])
    _check_totals(county_engine, code, *later)
    _check_totals(county_engine, regions["county"], *later)


def test_a_refund_made_today_counts_in_this_month(
    county_engine: Engine, regions: dict[str, str]
) -> None:
    year, month = busiest_month(county_engine)
    _, reversal = refund_one(county_engine, regions["county"], year, month)
    made = local_date(reversal.created_at)  # the county's month, not UTC's
    with session_scope(county_engine) as s:
        notice = public_notice(s, regions["county"], made.year, made.month)
    assert reversal.id in set(notice.rows["entry_id"])
    _check_totals(county_engine, regions["county"], made.year, made.month)


def test_a_month_without_reimbursements_gives_an_empty_notice(
    county_engine: Engine, regions: dict[str, str]
) -> None:
    with session_scope(county_engine) as s:
        policy_year = public_notice(s, regions["county"], 2018, 6)  # a policy, no claims
        no_policy = public_notice(s, regions["village"], 2031, 1)
    for notice in (policy_year, no_policy):
        assert notice.is_empty and notice.groups.is_empty()
        assert all(v == 0 for v in notice.totals.values())
    assert [la.id for la in policy_year.layers][-1] == "re_assistance"  # Langxi 2018
    assert no_policy.layers == []


def test_the_notice_is_a_fixed_number_of_queries(
    county_engine: Engine, regions: dict[str, str]
) -> None:
    year, month = busiest_month(county_engine)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(county_engine, "before_cursor_execute", count)
    try:
        with session_scope(county_engine) as s:
            notice = public_notice(s, regions["county"], year, month)
    finally:
        event.remove(county_engine, "before_cursor_execute", count)
    assert notice.rows.height > 20
    assert len(statements) <= 7, statements  # with the refunds of the month's settlements


@pytest.mark.parametrize(
    ("region", "month", "code"),
    [
        ("999999", 3, "region_unknown"),
        ("", 3, "region_unknown"),
        ("341800", 3, "region_level"),  # the city
        ("340000", 3, "region_level"),  # the province
        ("341821", 13, "month_invalid"),
        ("341821", 0, "month_invalid"),
    ],
)
def test_refusals_say_what_is_wrong(
    county_engine: Engine, region: str, month: int, code: str
) -> None:
    with session_scope(county_engine) as s, pytest.raises(NoticeError) as caught:
        public_notice(s, region, 2017, month)
    assert caught.value.code == code
    assert caught.value.field == ("month" if code == "month_invalid" else "region")


@pytest.mark.parametrize("text", ["2018-3", "2018-03", " 2018-12 "])
def test_months_parse(text: str) -> None:
    assert parse_month(text)[0] == 2018


@pytest.mark.parametrize("text", ["", "2018", "2018-13", "2018-00", "18-03", "2018/03",
                                  "2018-03-01", "March 2018", "0000-01"])  # fmt: skip
def test_malformed_months_are_refused(text: str) -> None:
    with pytest.raises(NoticeError, match="YYYY-MM"):
        parse_month(text)


def test_the_leak_check_catches_a_leak(county_engine: Engine) -> None:
    """The check the other tests rely on fails on a real name or ID."""
    with session_scope(county_engine) as s:
        person = s.query(Person).order_by(Person.id).first()
        assert person is not None
    with pytest.raises(AssertionError):
        assert_nothing_unmasked([f"x {person.resident_id} y"], county_engine)
    with pytest.raises(AssertionError):
        assert_nothing_unmasked([f"3418**{person.name}"], county_engine)
    assert_nothing_unmasked(
        [mask_name(person.name), mask_resident_id(person.resident_id)], county_engine
    )
