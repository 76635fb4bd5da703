"""Contribution policies (loading, sources, splits) and yearly enrollment on both databases."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from safetynet.codes import PovertyStatus
from safetynet.policy.contribution import (
    COLUMN,
    Payer,
    load_contribution_policy,
    shipped_contribution_policies,
)
from safetynet.policy.loader import PolicyError
from safetynet.registry.enrollment import contribution_totals, enroll_year, enrollment_counts
from safetynet.registry.status import statuses_on
from safetynet.store.models import Enrollment, Person, PovertyStatusPeriod
from tests.registry.test_status import build_registry

S = PovertyStatus
ON = date(2017, 1, 1)


@pytest.fixture(scope="module")
def anhui():  # type: ignore[no-untyped-def]
    return load_contribution_policy("anhui-2017")


def test_shipped_policies_load_and_every_split_adds_up() -> None:
    shipped = shipped_contribution_policies()
    assert {"anhui-2017", "jiangxi-nanchang-2022"} <= set(shipped)
    for path in shipped.values():
        policy = load_contribution_policy(path)
        for status in PovertyStatus:
            assert sum(policy.split(status).values()) == policy.per_person_fen


def test_anhui_2017_figures_and_sources(anhui) -> None:  # type: ignore[no-untyped-def]
    assert anhui.individual_standard == 18_000 and anhui.subsidy_fen == 45_000
    ordinary = anhui.split(S.ORDINARY)
    assert ordinary[Payer.INDIVIDUAL] == 18_000 and ordinary[Payer.MEDICAL_ASSISTANCE] == 0
    poor = anhui.split(S.REGISTERED_POOR)
    assert poor[Payer.INDIVIDUAL] == 0 and poor[Payer.COUNTY] == 9_000 + 18_000
    assert anhui.split(S.EXTREMELY_POOR)[Payer.MEDICAL_ASSISTANCE] == 18_000
    low = anhui.split(S.LOW_INCOME)
    assert 0 < low[Payer.INDIVIDUAL] < 18_000
    assert anhui.split(S.MARGINAL) == ordinary  # not a category in 2017
    assert anhui.source_of("categories.registered_poor.individual").confidence == "doc"
    assert "seed 004" in anhui.source_of("categories.registered_poor.individual").document
    assert anhui.source_of("categories.registered_poor.paid_for.county").confidence == "recalled"
    assert anhui.source_of("subsidy.central").confidence == "recalled"
    assert anhui.source_of("individual_standard").confidence == "recalled"


def test_priority_decides_overlapping_categories(anhui) -> None:  # type: ignore[no-untyped-def]
    assert anhui.category_for({S.REGISTERED_POOR, S.EXTREMELY_POOR}) is S.EXTREMELY_POOR
    assert anhui.category_for({S.LOW_INCOME, S.REGISTERED_POOR}) is S.REGISTERED_POOR
    assert anhui.category_for({S.MARGINAL}) is S.ORDINARY
    assert anhui.category_for({S.ORDINARY}) is S.ORDINARY


GOOD = """\
id: t
title_en: Test
title_zh: 测试
region: "34"
year: 2017
source: s
sources:
  s: {document: test, confidence: doc}
individual_standard: "180"
subsidy: {central: "450"}
categories:
  ordinary: {individual: "180"}
  registered_poor:
    individual: "0"
    paid_for: {county: "180"}
priority: [registered_poor, ordinary]
"""


def _error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as err:
        load_contribution_policy(path)
    return str(err.value)


def test_good_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_contribution_policy(path).split(S.REGISTERED_POOR)[Payer.COUNTY] == 18_000


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('county: "180"}', 'county: "150"}', ":13: categories.registered_poor: individual 0.00"),
        (
            'individual: "0"',
            'individual: "0.005"',
            ":14: categories.registered_poor.individual: more",
        ),
        ('individual: "0"', 'individul: "0"', ":14: categories.registered_poor.individul: unknown"),
        ("[registered_poor, ordinary]", "[ordinary]", ":16: priority: must name every category"),
        ('  ordinary: {individual: "180"}\n', "", ":11: categories: the category `ordinary`"),
        ("source: s\n", "source: nope\n", "unknown source id(s): nope"),
        ('subsidy: {central: "450"}', 'subsidy: {centre: "450"}', ":10: subsidy.centre: unknown"),
        ("year: 2017", "year: 17", ":5: year"),
    ],
)
def test_bad_files_name_file_line_and_problem(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in GOOD
    message = _error(tmp_path, GOOD.replace(old, new, 1))
    assert "c.yaml" in message and expected in message


def test_unknown_shipped_name() -> None:
    with pytest.raises(PolicyError, match="no such contribution policy"):
        load_contribution_policy("atlantis-1999")


def _periods(session: Session, specs: list[tuple[int, int | None, S, date, date | None]]) -> None:
    session.add_all(
        PovertyStatusPeriod(household_id=h, person_id=p, status=s, valid_from=a, valid_to=b,
                            department="test")
        for h, p, s, a, b in specs
    )  # fmt: skip
    session.commit()


@contextmanager
def count_selects(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_enroll_year(db_session: Session, anhui) -> None:  # type: ignore[no-untyped-def]
    (h1, [a, b, c]), (h2, [d, e]), (_h3, [f]) = build_registry(db_session, [3, 2, 1])
    _periods(db_session, [
        (h1, None, S.REGISTERED_POOR, date(2016, 1, 1), None),
        (h1, a, S.EXTREMELY_POOR, date(2016, 6, 1), None),
        (h2, None, S.LOW_INCOME, date(2016, 1, 1), date(2017, 1, 1)),  # ended the day before
        (h2, e, S.LOW_INCOME, date(2016, 1, 1), None),
        (h2, d, S.MARGINAL, date(2016, 1, 1), None),
    ])  # fmt: skip
    db_session.get(Person, c).deceased_on = date(2016, 12, 31)  # type: ignore[union-attr]
    db_session.get(Person, f).deceased_on = ON  # living on the day before, not on ON
    db_session.commit()

    with count_selects(db_session) as selects:
        result = enroll_year(db_session, 2017, anhui, ON)
    assert len(selects) == 2  # persons, status periods: nothing per person
    db_session.commit()
    assert result.enrolled == 4
    assert result.by_category == {S.EXTREMELY_POOR: 1, S.REGISTERED_POOR: 1, S.ORDINARY: 1,
                                  S.LOW_INCOME: 1}  # fmt: skip
    rows = {r.person_id: r for r in db_session.scalars(select(Enrollment))}
    assert set(rows) == {a, b, d, e}
    assert {p: rows[p].category for p in rows} == {
        a: S.EXTREMELY_POOR, b: S.REGISTERED_POOR, d: S.ORDINARY, e: S.LOW_INCOME
    }  # fmt: skip
    for pid, row in rows.items():
        split = anhui.split(row.category)
        assert {p: getattr(row, COLUMN[p]) for p in Payer} == split, pid
        assert row.year == 2017 and row.enrolled_on == ON

    # Idempotent: nothing more the second time.
    assert enroll_year(db_session, 2017, anhui, ON).enrolled == 0
    assert len(db_session.scalars(select(Enrollment)).all()) == 4

    totals = contribution_totals(db_session, 2017)
    assert totals[Payer.INDIVIDUAL] == 18_000 + anhui.split(S.LOW_INCOME)[Payer.INDIVIDUAL]
    assert totals[Payer.MEDICAL_ASSISTANCE] == 18_000 + 9_000
    assert totals[Payer.CENTRAL] == 4 * 27_000
    assert sum(totals.values()) == 4 * anhui.per_person_fen
    assert enrollment_counts(db_session, 2017) == result.by_category
    assert contribution_totals(db_session, 2018) == dict.fromkeys(Payer, 0)


def test_enrolls_newcomers_only_and_checks_the_year(db_session: Session, anhui) -> None:  # type: ignore[no-untyped-def]
    [(hid, [a])] = build_registry(db_session, [1])
    assert enroll_year(db_session, 2017, anhui, ON).enrolled == 1
    db_session.add(
        Person(resident_id="11010519491231002X", name="新人", sex="F",
               birth_date=date(1949, 12, 31), household_id=hid, region_code="341821100201")
    )  # fmt: skip
    db_session.commit()
    again = enroll_year(db_session, 2017, anhui, ON)
    assert again.enrolled == 1
    assert db_session.scalar(select(Enrollment.person_id).where(Enrollment.person_id != a))
    with pytest.raises(ValueError, match="is for 2017, not 2018"):
        enroll_year(db_session, 2018, anhui, date(2018, 1, 1))


def test_categories_agree_with_per_person_statuses(db_session: Session) -> None:
    # Nanchang's categories, applied to the test registry's (Anhui) region
    policy = load_contribution_policy("jiangxi-nanchang-2022").model_copy(update={"region": "34"})
    on = date(2022, 1, 1)
    registry = build_registry(db_session, [4, 3, 3, 2, 2, 1, 1, 1])
    rng = random.Random(2022)
    specs = []
    for hid, members in registry:
        for _ in range(rng.randint(0, 3)):
            pid = rng.choice([None, *members])
            status = rng.choice([s for s in PovertyStatus if s is not S.ORDINARY])
            start = date(2021, rng.randint(1, 12), 1)
            end = rng.choice([None, date(2022, 1, 1), date(2022, 1, 2)])
            specs.append((hid, pid, status, start, end))
    _periods(db_session, specs)
    enroll_year(db_session, 2022, policy, on)
    got = {p: c for p, c in db_session.execute(select(Enrollment.person_id, Enrollment.category))}
    expected = {
        pid: policy.category_for(statuses_on(db_session, pid, on))
        for _, members in registry
        for pid in members
    }
    assert got == expected
    assert len(set(expected.values())) > 2  # the random data exercised several categories


def test_a_policy_enrolls_its_own_region_only(db_session: Session, anhui) -> None:  # type: ignore[no-untyped-def]
    """Anhui's contributions are not charged to a person of another province (nor, by a
    county's file, of another county): a policy's region is a code prefix."""
    from safetynet.store.models import Region

    [(hid, [a])] = build_registry(db_session, [1])
    db_session.add_all([Region(code="360102", name="东湖区", level="county"),
                        Region(code="3418", name="宣城市", level="city")])  # fmt: skip
    db_session.flush()
    db_session.add_all([
        Person(resident_id="36010219800101001X", name="外省", sex="F", birth_date=date(1980, 1, 1),
               household_id=hid, region_code="360102"),
        Person(resident_id="34180019800101002X", name="邻县", sex="F", birth_date=date(1980, 1, 1),
               household_id=hid, region_code="3418"),
    ])  # fmt: skip
    db_session.commit()
    county = anhui.model_copy(update={"region": "341821"})
    assert enroll_year(db_session, 2017, county, ON).enrolled == 1
    assert set(db_session.scalars(select(Enrollment.person_id))) == {a}
    assert enroll_year(db_session, 2017, anhui, ON).enrolled == 1  # the other Anhui county
    outside = db_session.scalar(select(Person.id).where(Person.region_code == "360102"))
    enrolled = set(db_session.scalars(select(Enrollment.person_id)))
    assert outside not in enrolled and len(enrolled) == 3 - 1


@pytest.mark.parametrize(
    ("on", "enrolled"),
    [
        (date(2016, 1, 1), True),  # the first day of the campaign year before: included
        (date(2016, 9, 1), True),  # the usual autumn campaign
        (date(2017, 12, 31), True),  # the last day of the scheme year: included
        (date(2015, 12, 31), False),  # the day before the span
        (date(2018, 1, 1), False),  # the day after the year: nobody born later is enrolled
        (date(2030, 1, 1), False),
    ],
)
def test_the_enrollment_date_lies_in_the_span_of_its_year(
    db_session: Session,
    anhui,
    on: date,
    enrolled: bool,  # type: ignore[no-untyped-def]
) -> None:
    """An enrollment for 2017 dated in 2030 would enroll people born after 2017 with statuses
    of 2030: the date lies from 1 January of the year before to 31 December, inclusive."""
    build_registry(db_session, [1])
    if enrolled:
        assert enroll_year(db_session, 2017, anhui, on).enrolled == 1
        assert db_session.scalar(select(Enrollment.enrolled_on)) == on
    else:
        with pytest.raises(ValueError, match="from 2016-01-01 to 2017-12-31"):
            enroll_year(db_session, 2017, anhui, on)
        assert db_session.scalar(select(Enrollment.id)) is None


@pytest.mark.parametrize("name", sorted(shipped_contribution_policies()))
def test_two_subsidised_categories_give_the_larger_subsidy_not_both(name: str) -> None:
    """A person in two categories at once (one of each family: the poverty-alleviation
    register and social assistance) is placed in one, by the policy's priority: for every
    shipped policy that one pays the least, so the person gets the larger subsidy, never the
    two added up, and the split still adds up to the standard."""
    from safetynet.registry.status import FAMILY

    policy = load_contribution_policy(shipped_contribution_policies()[name])
    register = [s for s in S if FAMILY[s] == "poverty_alleviation"]
    assistance = [s for s in S if FAMILY[s] == "social_assistance"]
    for a in register:
        for b in assistance:
            held = policy.category_for({a, b})
            assert held in (a, b) or held not in policy.categories
            paid = {s: policy.split(s)[Payer.INDIVIDUAL] for s in (a, b, held)}
            assert paid[held] == min(paid[a], paid[b]), (a, b, held)
            assert sum(policy.split(held).values()) == policy.per_person_fen
