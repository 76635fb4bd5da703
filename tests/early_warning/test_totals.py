"""The online check's running totals (``early_warning_total``): kept incrementally by
settlements and refunds in any order they equal a rebuild from the ledger, and the check gives
the same warnings from them as from the ledger; on SQLite and PostgreSQL; the migration."""

from __future__ import annotations

import random
from dataclasses import astuple
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, inspect, select, text
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.codes import diagnosis_code
from safetynet.early_warning import few, totals
from safetynet.early_warning.few_read import few_rows
from safetynet.early_warning.online import household_year, year_rules
from safetynet.settlement import ledger
from safetynet.settlement.service import refund, submit
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import make_engine, session_scope
from safetynet.store.models import (
    EarlyWarningTotal,
    EarlyWarningTotalYear,
    Household,
    Person,
    Settlement,
)
from tests.settlement.conftest import County, county

__all__ = ["county"]
YEAR = 2017
RULES = year_rules(YEAR)
assert RULES is not None
SOURCES = few.sources(RULES)
# diagnoses: none, not listed, on the 2017 lists, on the national 30 from 2020 only (C73),
# on Langxi's own list only in Langxi (C50 is on both; A15 on Langxi's and the 30)
DIAGNOSES = [None, "J18.9", "C16.1", "c50.9", "C73", "A15.0", "N18.5"]
LEVELS = [None, "village", "township", "county", "city", "province", "out_of_province"]
KINDS = ["outpatient", "inpatient", "chronic"]


# -- pure: an in-memory ledger ---------------------------------------------------------------
def _settle(draw: Any, claim_id: int) -> tuple[Any, ...]:
    total = draw(st.integers(0, 5_000_000))
    compliant = draw(st.integers(0, total))
    paid = draw(st.integers(0, compliant))
    oop = total - paid
    day = date(YEAR, 1, 1) + timedelta(days=draw(st.integers(0, 364)))
    return (claim_id, draw(st.integers(1, 4)), draw(st.integers(1, 3)),
            draw(st.sampled_from(KINDS)), day, draw(st.sampled_from([0, 1, 2, 5, 16])),
            draw(st.sampled_from(DIAGNOSES)), total, compliant, paid, oop,
            draw(st.sampled_from(LEVELS)))  # fmt: skip


@st.composite
def histories(draw: Any) -> list[tuple[str, Any]]:
    """Settlements and refunds of earlier ones (each once), in any order."""
    ops: list[tuple[str, Any]] = []
    settled: list[int] = []
    for _ in range(draw(st.integers(1, 30))):
        if settled and draw(st.booleans()) and draw(st.booleans()):
            ops.append(("refund", settled.pop(draw(st.integers(0, len(settled) - 1)))))
        else:
            row = _settle(draw, 100 + len(ops))
            settled.append(len(ops))
            ops.append(("settle", row))
    return ops


def _rows(parts: list[few.Bucket]) -> list[tuple[Any, ...]]:
    return [astuple(b) for b in parts]


@settings(max_examples=300, deadline=None)
@given(histories(), st.data())
def test_totals_kept_incrementally_equal_a_rebuild_and_give_the_same_warnings(
    ops: list[tuple[str, Any]], data: st.DataObject
) -> None:
    ledger: list[tuple[Any, ...]] = []
    kept: dict[tuple[Any, ...], few.Bucket] = {}
    for op, arg in ops:
        if op == "settle":
            ledger.append(arg)
            for b in few.buckets([arg], SOURCES):  # the settlement's upsert
                if b.key in kept:
                    kept[b.key].add(b)
                else:
                    kept[b.key] = b
        else:  # a reversal: negated amounts; the person's rows recomputed from the ledger
            row = ops[arg][1]
            ledger.append((*row[:7], -row[7], -row[8], -row[9], -row[10], row[11]))
            person = row[1]
            kept = {k: b for k, b in kept.items() if b.person_id != person}
            mine = [r for r in ledger if r[1] == person]
            kept.update({b.key: b for b in few.buckets(mine, SOURCES)})
    rebuilt = few.buckets(ledger, SOURCES)
    assert _rows(few.summed(kept.values())) == _rows(rebuilt)
    # the check: the households with members, income or reference, in Langxi or not (or
    # left out: a claim of a household not checked is on no county's own list)
    homes: dict[int, Any] = {}
    for h in (1, 2, 3):
        if data.draw(st.booleans(), label=f"home {h}"):
            income = data.draw(st.none() | st.integers(0, 10_000_000), label="income")
            village = data.draw(st.sampled_from(["341821100201", "340421100201"]))
            homes[h] = (data.draw(st.integers(1, 6)), income, 1_172_000, village)
    via_totals = few.evaluate_buckets(RULES, few.summed(kept.values()), homes)
    assert via_totals == few.evaluate_few(RULES, ledger, homes)


def test_a_claim_on_a_countys_own_list_counts_only_in_the_county() -> None:
    """The ``listed`` bits hold the lists whatever the region; the household's village at
    the check decides a county's own list (C50 in 2017: Langxi's and the nine's lists)."""
    row = (1, 1, 1, "inpatient", date(YEAR, 5, 1), 0, "C50.9", 100, 100, 50, 50, "county")
    parts = few.buckets([row], SOURCES)
    hits = [r for r in few.evaluate_buckets(RULES, parts, {1: (1, None, 1, "341821100201")})
            if r["rule_id"] == "serious_disease"]  # fmt: skip
    assert [(r["measure"], r["diagnosis"]) for r in hits] == [(1, "C50.9")]
    assert not [r for r in few.evaluate_buckets(RULES, parts, {1: (1, None, 1, "340421100201")})
                if r["rule_id"] == "serious_disease"]  # fmt: skip


# -- the database: the service's settlements and refunds -------------------------------------
@pytest.fixture(autouse=True)
def online(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYNET_EARLY_WARNING_ONLINE", "true")


_seq = iter(range(1, 10**9))


def _claim(resident_id: str, kind: str, day: date, yuan: int, diagnosis: str | None) -> Any:
    n = next(_seq)  # every bill its own (the same bill twice is a duplicate)
    data: dict[str, Any] = {
        "resident_id": resident_id, "kind": kind, "date": day, "diagnosis": diagnosis,
        "institution_code": "H-COUNTY" if kind == "inpatient" else "V-CLINIC",
        "items": [{"code": "BED" if kind == "inpatient" else "DRUG-A",
                   "amount": f"{yuan}.{n % 100:02d}"}],
    }  # fmt: skip
    if kind == "inpatient":
        data["discharge_date"] = day + timedelta(days=2)
    return ClaimSubmission.model_validate(data)


def _stored(engine: Engine) -> list[tuple[Any, ...]]:
    T = EarlyWarningTotal
    with engine.connect() as conn:
        cols = [T.__table__.c[c] for c in totals.COLUMNS]
        return [tuple(r) for r in conn.execute(select(*cols).order_by(*cols[:7]))]


def _households(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.scalars(select(Household.id).order_by(Household.id)))


def _same_year_both_ways(engine: Engine) -> None:
    """The check's households and buckets from the totals equal those from the ledger."""
    ids = _households(engine)
    with engine.connect() as conn:
        kept = totals.read(conn, YEAR, ids)
        assert kept is not None  # the year is marked
        homes, parts = kept
        ledger_homes, ledger = few_rows(conn, YEAR, ids)
    assert homes == ledger_homes
    assert _rows(few.summed(parts)) == _rows(few.buckets(ledger, SOURCES))
    for h in ids:  # one household at a time, as a settlement checks it
        with engine.connect() as conn:
            homes, parts = household_year(conn, YEAR, [h])
            ledger_homes, ledger = few_rows(conn, YEAR, [h])
        assert homes == ledger_homes
        assert few.evaluate_buckets(RULES, parts, homes) == few.evaluate_few(
            RULES, ledger, ledger_homes
        )


def _rebuild(engine: Engine) -> int:
    with session_scope(engine) as s:
        return totals.rebuild(s, YEAR)


OPS = st.lists(
    st.tuples(st.sampled_from(["settle", "settle", "refund"]), st.integers(0, 2),
              st.sampled_from(["outpatient", "inpatient"]), st.integers(0, 360),
              st.integers(1, 30_000), st.sampled_from(DIAGNOSES)),
    min_size=1, max_size=8,
)  # fmt: skip


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_settlements_and_refunds_keep_the_totals_a_rebuild_gives(
    db_engine: Engine, county: County, ops: list[tuple[Any, ...]]
) -> None:
    """The database accumulates over the examples: the invariant holds for the whole ledger
    (the first example runs on an unmarked year, the next ones on the marked one)."""
    persons = [county.poor_id, county.spouse_id, county.ordinary_id]
    for op, who, kind, day, yuan, diagnosis in ops:
        with session_scope(db_engine, write_lock=True) as s:
            if op == "refund":
                entries = set(s.scalars(select(Settlement.id).where(
                    Settlement.entry_kind == "settlement")))  # fmt: skip
                entries -= set(s.scalars(select(Settlement.reverses_id)))
                if entries:
                    chosen = random.Random(day).choice(sorted(entries))
                    refund(s, chosen, user="clerk", reason="t")
                continue
            on = date(YEAR, 1, 1) + timedelta(days=day)
            submit(s, _claim(persons[who], kind, on, yuan, diagnosis), user="clerk")
    kept = _stored(db_engine)
    assert _rebuild(db_engine) == len(kept)
    assert _stored(db_engine) == kept
    _same_year_both_ways(db_engine)


def test_unmarked_or_other_rules_read_the_ledger_and_bulk_writes_drop_the_mark(
    db_engine: Engine, county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(db_engine, write_lock=True) as s:
        submit(s, _claim(county.poor_id, "inpatient", date(YEAR, 3, 1), 20_000, "C16.1"),
               user="clerk")  # fmt: skip
    ids = _households(db_engine)
    with db_engine.connect() as conn:
        assert totals.read(conn, YEAR, ids) is None  # not marked: the ledger
    assert _stored(db_engine)  # kept all the same
    url = db_engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["warnings", "totals", "--year", str(YEAR), "--db", url])
    assert result.exit_code == 0, result.output
    with db_engine.connect() as conn:
        assert totals.read(conn, YEAR, ids) is not None
    for year in ("0", "10000", "x"):  # refused, nothing marked
        bad = CliRunner().invoke(app, ["warnings", "totals", "--year", year, "--db", url])
        assert bad.exit_code != 0
    with db_engine.connect() as conn:
        assert list(conn.scalars(select(EarlyWarningTotalYear.year))) == [YEAR]
    with session_scope(db_engine) as s:  # marked for other disease lists: the ledger
        s.get(EarlyWarningTotalYear, YEAR).fingerprint = "other"  # type: ignore[union-attr]
    with db_engine.connect() as conn:
        assert totals.read(conn, YEAR, ids) is None
    _rebuild(db_engine)
    monkeypatch.setattr(ledger, "bulk_insert", lambda *a: None)
    monkeypatch.setattr(ledger, "sync_sequence", lambda *a: None)
    with db_engine.begin() as conn:  # the year batch's bulk write: the year's mark dropped
        ledger.write_frames(conn, pl.DataFrame({"year": [YEAR + 1, YEAR]}), pl.DataFrame())
    with db_engine.connect() as conn:
        assert conn.scalar(select(EarlyWarningTotalYear.year)) is None
        assert totals.read(conn, YEAR, ids) is None


@pytest.mark.parametrize("diagnosis", ['C16"\\{,}', "NULL", "", "  c16 ", "C16.1'--"])
def test_hostile_diagnoses_are_kept_as_written(
    db_engine: Engine, county: County, diagnosis: str
) -> None:
    """A diagnosis is free text up to 16 characters: quotes, backslashes, braces and commas
    (an array's syntax), the word NULL: stored as written in the one spelling of a code
    (``safetynet.codes.diagnosis_code``: upper case, no spaces around), the same both ways."""
    with session_scope(db_engine, write_lock=True) as s:
        submit(s, _claim(county.poor_id, "inpatient", date(YEAR, 6, 1), 20_000, diagnosis),
               user="clerk")  # fmt: skip
    firsts = {r[14] for r in _stored(db_engine) if r[7]}
    assert firsts == {diagnosis_code(diagnosis)}
    kept = _stored(db_engine)
    _rebuild(db_engine)
    assert _stored(db_engine) == kept
    _same_year_both_ways(db_engine)


def test_the_year_batch_rebuilds_and_marks_the_year(db_engine: Engine, county: County) -> None:
    """The year batch's bulk write runs no settlement after step: it rebuilds the year's
    totals once written (a settlement at the window before it counts too)."""
    from safetynet.settlement.year_batch import settle_year
    from tests.settlement.test_year_batch import _record_claims

    with session_scope(db_engine, write_lock=True) as s:
        submit(s, _claim(county.ordinary_id, "inpatient", date(YEAR, 2, 1), 30_000, "C16.1"),
               user="clerk")  # fmt: skip
    _record_claims(db_engine, county)
    assert settle_year(db_engine, YEAR).settled > 0
    kept = _stored(db_engine)
    with db_engine.connect() as conn:
        batch = conn.scalar(select(func.count()).select_from(Settlement))
    assert sum(r[7] for r in kept) == batch  # every claim of the ledger, none refunded
    with db_engine.connect() as conn:
        assert totals.read(conn, YEAR, _households(db_engine)) is not None  # marked
    _rebuild(db_engine)
    assert _stored(db_engine) == kept
    _same_year_both_ways(db_engine)


def test_a_refund_recomputes_the_persons_rows(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine, write_lock=True) as s:
        first = submit(s, _claim(county.ordinary_id, "inpatient", date(YEAR, 2, 1), 30_000,
                                 "C16.1"), user="clerk")  # fmt: skip
        submit(s, _claim(county.ordinary_id, "inpatient", date(YEAR, 4, 1), 30_000, None),
               user="clerk")  # fmt: skip
    _rebuild(db_engine)
    before = _stored(db_engine)
    assert sum(r[7] for r in before) == 2  # two claims
    with session_scope(db_engine, write_lock=True) as s:
        assert first.settlement_id is not None
        refund(s, first.settlement_id, user="clerk", reason="wrong patient")
    after = _stored(db_engine)
    assert sum(r[7] for r in after) == 1
    assert all(r[14] is None or r[14] != "C16.1" for r in after)
    _rebuild(db_engine)
    assert _stored(db_engine) == after
    _same_year_both_ways(db_engine)


# -- the migration ---------------------------------------------------------------------------
def _migrates(url: str, engine: Engine) -> None:
    from alembic import command

    from safetynet.store.migrate import alembic_config

    cfg = alembic_config(url)
    command.upgrade(cfg, "b4c6d8e0f2a1")
    assert "early_warning_total" not in inspect(engine).get_table_names()
    command.upgrade(cfg, "c5d7e9f1a3b2")
    names = set(inspect(engine).get_table_names())
    assert {"early_warning_total", "early_warning_total_year"} <= names
    with engine.begin() as conn:
        version = conn.scalar(text("SELECT version_num FROM alembic_version"))
        assert version == "c5d7e9f1a3b2"
        assert conn.scalar(text("SELECT count(*) FROM early_warning_total_year")) == 0
    command.downgrade(cfg, "b4c6d8e0f2a1")
    assert "early_warning_total" not in inspect(engine).get_table_names()
    command.upgrade(cfg, "head")


def test_sqlite_migration_from_b4c6d8e0f2a1(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    try:
        _migrates(url, engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_migration_from_b4c6d8e0f2a1(pg_engine: Engine) -> None:
    from safetynet.store.models import Base

    url = pg_engine.url.render_as_string(hide_password=False)
    with pg_engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    try:
        _migrates(url, pg_engine)
    finally:
        with pg_engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        Base.metadata.create_all(pg_engine)


def test_a_childrens_disease_counts_in_the_totals_only_within_its_age_bound(
    db_engine: Engine, county: County
) -> None:
    """The totals' ``listed`` bits keep the programme's age bound as the ledger's evaluators
    do: two children born on 1 March 2002 admitted with leukaemia on the eve of the 15th
    birthday (14: on the list) and on the birthday (15: not); settled with the year marked,
    the totals kept by the settlements equal a rebuild and warn the same as the ledger."""
    from tests.early_warning.test_serious_age import _child

    _rebuild(db_engine)  # the year marked: the settlements keep its totals
    eve = _child(db_engine, county, date(2002, 3, 1), 1)
    birthday = _child(db_engine, county, date(2002, 3, 1), 2)
    with session_scope(db_engine, write_lock=True) as s:
        for rid, day in ((eve, date(YEAR, 2, 28)), (birthday, date(YEAR, 3, 1))):
            submit(s, _claim(rid, "inpatient", day, 20_000, "C91.0"), user="clerk")
    kept = _stored(db_engine)
    assert sum(r[7] for r in kept) == 2
    assert len({r[6] for r in kept if r[7]}) == 2  # listed differently: the age decides
    _rebuild(db_engine)
    assert _stored(db_engine) == kept
    _same_year_both_ways(db_engine)
    ids = _households(db_engine)
    with db_engine.connect() as conn:
        read = totals.read(conn, YEAR, ids)
        assert read is not None
        homes, parts = read
        warned = {r["person_id"] for r in few.evaluate_buckets(RULES, few.summed(parts), homes)
                  if r["rule_id"] == "serious_disease"}  # fmt: skip
        born = {r[0]: r[1] for r in conn.execute(select(Person.resident_id, Person.id))}
    assert warned == {born[eve]}
