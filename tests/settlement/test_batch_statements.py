"""What a batch costs the database and what it writes: a fixed number of statements whatever
its size; each claim's lines and layers on its own rows (on PostgreSQL the four inserts are
one chained statement); the one-statement snapshot of PostgreSQL reads what one statement
per table reads; a poisoned claim rolls the batch back whole and then fails alone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from safetynet.settlement import snapshot
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.facts import find_person
from safetynet.settlement.service import Order, SettlementView, submit, submit_many
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import session_scope
from safetynet.store.models import Claim, ClaimItem, Settlement, SettlementLayer
from safetynet.web.writer import Writer
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    """The statements run on ``engine`` meanwhile."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _claims(county: County, n: int, start: date = date(2017, 2, 1)) -> list[ClaimSubmission]:
    people = [county.poor_id, county.spouse_id, county.ordinary_id]
    return [inpatient(people[i % 3], start + timedelta(days=3 * i)) for i in range(n)]


def test_a_batch_costs_the_same_statements_whatever_its_size(
    db_engine: Engine, county: County
) -> None:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes a row at a time")
    with session_scope(db_engine, write_lock=True) as s:  # the statements prepared, rows there
        submit_many(s, [Order(sub, "his") for sub in _claims(county, 3, date(2017, 1, 2))])
    sizes = {}
    # three claims of three persons: one run (a person's second claim starts another run,
    # settled after the first as if submitted alone: service._segments)
    for n, start in ((1, date(2017, 3, 1)), (3, date(2017, 5, 1))):
        with counted(db_engine) as seen, session_scope(db_engine, write_lock=True) as s:
            out = submit_many(
                s,
                [Order(sub, "his", f"{n}-{i}") for i, sub in enumerate(_claims(county, n, start))],
            )
        assert all(isinstance(o, SettlementView) for o in out)
        sizes[n] = len(seen)
    assert sizes[1] == sizes[3]
    # persons with their households locked, the snapshot, suspensions, screening's history
    # with its lines (one statement), the chained insert with the accumulators, early
    # warning's households with their ledger (one statement; and its insert when a warning
    # is new), the fund journal
    assert sizes[3] <= 8, sizes


def test_each_claim_of_a_batch_gets_its_own_lines_and_layers(
    db_engine: Engine, county: County
) -> None:
    subs = [
        inpatient(county.poor_id, items=[{"code": "BED", "amount": "300.00"}]),
        inpatient(county.spouse_id, date(2017, 3, 2), items=[
            {"code": "DRUG-A", "quantity": 3, "amount": "90.00"},
            {"code": "DRUG-C", "amount": "40.00"},
        ]),
        inpatient(county.ordinary_id, date(2017, 3, 3)),
    ]  # fmt: skip
    with session_scope(db_engine, write_lock=True) as s:
        views = submit_many(s, [Order(sub, "his") for sub in subs])
    with session_scope(db_engine) as s:
        for sub, view in zip(subs, views, strict=True):
            assert isinstance(view, SettlementView)
            entry = s.get(Settlement, view.settlement_id)
            assert entry is not None and entry.paid_fen == view.paid_fen
            claim = s.get(Claim, entry.claim_id)
            assert claim is not None and claim.claim_no == view.claim_no
            lines = s.execute(
                select(ClaimItem.item_code, ClaimItem.quantity)
                .where(ClaimItem.claim_id == claim.id)
                .order_by(ClaimItem.id)
            ).all()
            assert [tuple(x) for x in lines] == [(i.code, i.quantity) for i in sub.items]
            layers = s.execute(
                select(SettlementLayer.layer_id, SettlementLayer.paid_fen)
                .where(SettlementLayer.settlement_id == entry.id)
                .order_by(SettlementLayer.position)
            ).all()
            assert [tuple(x) for x in layers] == [(x.layer_id, x.paid_fen) for x in view.layers]


def test_the_one_statement_snapshot_reads_what_each_table_gives(
    db_engine: Engine, county: County
) -> None:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads one statement per table")
    with session_scope(db_engine, write_lock=True) as s:
        first = submit(s, inpatient(county.poor_id, date(2017, 1, 9)), user="his",
                       client_key="k1")  # fmt: skip
    with Session(db_engine) as s:
        people = [find_person(s, rid) for rid in (county.poor_id, county.ordinary_id)]
        subs = [
            (inpatient(county.poor_id, date(2017, 2, 1), claim_no=first.claim_no), people[0],
             "k1"),
            (inpatient(county.ordinary_id, date(2016, 12, 30)), people[1], "k2"),
        ]  # fmt: skip
        one = snapshot.read(s, subs)
        lists = {
            "keys": ["k1", "k2"], "nos": [first.claim_no], "codes": ["H-COUNTY"],
            "persons": sorted(p.id for p in people),
            "households": sorted({p.household_id for p in people}), "years": [2016, 2017],
            "items": sorted({line.code for sub, _, _ in subs for line in sub.items}),
        }  # fmt: skip
        each = snapshot.read_each(s.connection(), lists)
    assert one.earlier == each.earlier and one.earlier["k1"][0] == first.settlement_id
    assert one.claim_nos == each.claim_nos == {first.claim_no}
    assert one.enrolled == each.enrolled
    assert one.accumulators == each.accumulators and one.accumulators
    assert {k: tuple(v) for k, v in one.institutions.items()} == {
        k: tuple(v) for k, v in each.institutions.items()
    }
    assert {k: tuple(v) for k, v in one.items.items()} == {
        k: tuple(v) for k, v in each.items.items()
    }
    assert sorted(map(tuple, one.periods)) == sorted(map(tuple, each.periods)) != []  # type: ignore[arg-type]
    for person in people:
        assert one.statuses(person, date(2017, 2, 1)) == each.statuses(person, date(2017, 2, 1))


def test_a_claim_that_fails_the_batch_statement_fails_alone(
    db_engine: Engine, county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claim number another writer took after the batch read the ledger fails the batch's
    insert: the writer rolls the batch back and settles each claim alone, so only that claim
    fails and the others are recorded once."""
    with session_scope(db_engine, write_lock=True) as s:
        submit(s, inpatient(county.ordinary_id, date(2017, 1, 9), claim_no="TAKEN"), user="his")
    read = snapshot.read

    def blind(session, subs):  # type: ignore[no-untyped-def]
        snap = read(session, subs)
        snap.claim_nos.clear()  # as if the number were taken after the read
        return snap

    monkeypatch.setattr(snapshot, "read", blind)
    batches: list[int] = []

    def run(jobs: list[ClaimSubmission]) -> list[object]:
        batches.append(len(jobs))
        with session_scope(db_engine, write_lock=True) as s:
            return list(submit_many(s, [Order(sub, "his", f"w-{sub.claim_no}") for sub in jobs]))

    writer: Writer[ClaimSubmission] = Writer(run)  # type: ignore[arg-type]
    try:
        subs = [inpatient(county.poor_id, date(2017, 3, 1), claim_no="A-1"),
                inpatient(county.spouse_id, date(2017, 3, 2), claim_no="TAKEN"),
                inpatient(county.poor_id, date(2017, 3, 3), claim_no="A-3")]  # fmt: skip
        outcomes = writer._settle(subs)  # the batch, then each alone
    finally:
        writer.stop()
    assert batches == [3, 1, 1, 1]
    assert isinstance(outcomes[0], SettlementView) and isinstance(outcomes[2], SettlementView)
    assert isinstance(outcomes[1], Exception) and not isinstance(outcomes[1], SettlementError)
    with session_scope(db_engine) as s:
        numbers = s.scalars(select(Claim.claim_no).order_by(Claim.id)).all()
        assert numbers == ["TAKEN", "A-1", "A-3"]
        assert s.scalar(select(func.count()).select_from(Settlement)) == 3


def test_sqlite_finds_client_keys_by_the_unique_index_among_many_entries_without_one(
    tmp_path: object,
) -> None:
    """SQLite's statistics see a ledger of entries without a client key (the year batch's)
    as one key value of thousands of rows: an ``IN`` list of keys was planned as a scan of
    the whole ledger at every batch. The batch's read takes the unique index for each key."""
    from pathlib import Path

    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{Path(str(tmp_path)) / 'keys.db'}")
    with engine.begin() as conn:  # the ledger's columns the read names, its unique key
        conn.execute(text("CREATE TABLE settlement (id INTEGER PRIMARY KEY, "
                          "client_key VARCHAR(80) UNIQUE, request_hash VARCHAR(64))"))  # fmt: skip
        conn.execute(text("INSERT INTO settlement (id, client_key) VALUES (1, 'a'), (2, NULL)"))
        conn.execute(text("ANALYZE"))
        # what ANALYZE says of a ledger of 20,000 entries, none with a key
        conn.execute(text("DELETE FROM sqlite_stat1"))
        stats = "('settlement', NULL, '20000'), ('settlement', ?, '20000 20000')"
        conn.exec_driver_sql(f"INSERT INTO sqlite_stat1 VALUES {stats}",
                             ("sqlite_autoindex_settlement_1",))  # fmt: skip
        conn.execute(text("ANALYZE sqlite_schema"))  # reload the statistics
        listed = "SELECT client_key, id, request_hash FROM settlement WHERE client_key IN (?, ?, ?)"
        assert (
            conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {listed}", ("a", "b", "c"))
            .all()[0][-1]
            .startswith("SCAN")
        )  # as an IN list: the whole ledger
        statement = snapshot._earlier_each(3).compile(engine)
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", ("a", "b", "c")).all()
        steps = [row[-1] for row in plan]
        assert not any(step.startswith("SCAN") for step in steps), steps
        assert sum("INDEX" in step for step in steps) == 3
        found = conn.execute(snapshot._earlier_each(2), {"k0": "a", "k1": "b"}).all()
        assert [tuple(r) for r in found] == [("a", 1, None)]
