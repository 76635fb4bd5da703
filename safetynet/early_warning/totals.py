"""Running totals of a year's claims for the online check: ``early_warning_total``.

The check after a settlement evaluates the households just settled over their year
(:mod:`~safetynet.early_warning.online`); reading their persons' ledger entries each time was
most of its cost. Here each person's claims of a year are kept summed per bucket
(:class:`~safetynet.early_warning.few.Bucket`: household, kind, level, status mask, the
disease sources the claim is on) — what every rule reads of them — so the check reads a few
rows per person and evaluates the same rules on them (``few.evaluate_buckets``, which the
ledger read goes through too: the same answers by construction).

- A settlement adds its claim's bucket (and its (person, household) placeholder) in the
  batch's transaction: one ``INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE`` on
  PostgreSQL, a prepared ``INSERT … ON CONFLICT`` per row on SQLite
  (:func:`after_settlement`, a settlement after step that runs whatever the check's setting).
- A reversal (refund) recomputes its person's rows of the year from the ledger.
- A year is read from the totals only when ``early_warning_total_year`` marks it, with the
  fingerprint of the disease sources of the year's rule sets (the ``listed`` bits depend on
  them): the national file's and every county's own, one bit each (:func:`year_shared`). The
  sums do not depend on any threshold: a household's buckets are evaluated with its county's
  rules and its county's view of the bits. Otherwise the check reads the ledger. A bulk
  write of the ledger (``ledger.write_frames``) drops its years' marks; the year batch then
  rebuilds the year (:func:`after_year`); :func:`rebuild` (``safetynet warnings totals
  --year Y``) rebuilds a year from the ledger and marks it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import MAXYEAR, MINYEAR, date
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Connection, Integer, Select, any_, bindparam, delete, func, literal, select
from sqlalchemy.orm import Session, aliased

from safetynet.early_warning import few, rules
from safetynet.early_warning.few import Bucket, Source
from safetynet.early_warning.load import _build_few, _ledger_select, few_params
from safetynet.policy.rule_files import own_folder
from safetynet.settlement.hooks import Entry
from safetynet.store import json_rows
from safetynet.store.lists import one_of, per_dialect
from safetynet.store.models import EarlyWarningTotal, EarlyWarningTotalYear, Settlement
from safetynet.store.unnest import array_text

T, Y = EarlyWarningTotal, EarlyWarningTotalYear
KEY = ("year", "person_id", "household_id", "kind", "level", "status_mask", "listed")
SUMS = ("claims", "total_fen", "paid_fen", "out_of_pocket_fen", "self_pay_fen")
COLUMNS = (*KEY, *SUMS, "first_date", "first_claim_id", "first_diagnosis", "last_date",
           "last_claim_id")  # fmt: skip
CHUNK = 10_000  # rows per statement of a rebuild
# the year's listed bits and each rule set's view of them, by rule set id
Shared = tuple[tuple[Source, ...], dict[str, tuple[Source, ...]]]


def year_shared(year: int) -> Shared:
    """The disease sources of every rule set in force on the year's 31 December — the
    national file's and each county's own (a household is evaluated with its county's, as
    the check reads it) — as one tuple of ``listed`` bits, and each set's view of them
    (:func:`~safetynet.early_warning.few.shared_sources`); remembered per rule folders (the
    shipped and the deployment's) and year."""
    return _year_shared(str(rules.FILES), own_folder(rules.CAPABILITY), year)


@lru_cache(maxsize=64)
def _year_shared(
    folder: str, own: str | None, year: int
) -> tuple[tuple[Source, ...], dict[str, tuple[Source, ...]]]:
    return few.shared_sources(rules.in_force_on(date(year, 12, 31)))


def year_sources(year: int) -> tuple[Source, ...] | None:
    """The ``listed`` bits of the year (:func:`year_shared`); ``()`` when no rule set is in
    force; None when they are more than the ``listed`` bits hold (the year cannot be kept in
    totals)."""
    found = year_shared(year)[0]
    return None if len(found) > few.MAX_SOURCES else found


def fingerprint(year: int) -> str | None:
    """What the year's ``listed`` bits mean (its sources and which rule set reads which), as
    a digest; None: not kept. A county file added or changed changes it: the year is read
    from the ledger until its totals are rebuilt."""
    return _fingerprint(str(rules.FILES), own_folder(rules.CAPABILITY), year)


@lru_cache(maxsize=64)
def _fingerprint(folder: str, own: str | None, year: int) -> str | None:
    found = year_sources(year)
    if found is None:
        return None
    views = year_shared(year)[1]
    bits = [(s.rule_id, s.pattern.pattern, str(s.start), str(s.end), s.region,
             [b.model_dump(mode="json") for b in s.ages]) for s in found]  # fmt: skip
    # one rule set (no county file): the digest of before, so a kept year stays kept
    owners = sorted((rid, [s.rule_id for s in v]) for rid, v in views.items())
    text = json.dumps(bits if len(views) <= 1 else [bits, owners])
    return hashlib.sha256(text.encode()).hexdigest()


# -- writing -----------------------------------------------------------------------------------
def _values(year: int, b: Bucket) -> tuple[Any, ...]:
    return (year, b.person_id, b.household_id, b.kind, b.level, b.status_mask, b.listed,
            b.claims, b.total_fen, b.paid_fen, b.out_of_pocket_fen, b.self_pay_fen,
            b.first_date, b.first_claim_id, b.first_diagnosis, b.last_date,
            b.last_claim_id)  # fmt: skip


def _on_conflict() -> str:
    """The upsert's update: sums added, the first and latest claim kept (as
    :meth:`Bucket.add`; a placeholder's NULLs never replace a claim)."""
    sums = ", ".join(f"{c} = t.{c} + excluded.{c}" for c in SUMS)
    first = ("(t.first_date IS NULL OR (excluded.first_date, excluded.first_claim_id) "
             "< (t.first_date, t.first_claim_id))")  # fmt: skip
    last = ("(t.last_date IS NULL OR (excluded.last_date, excluded.last_claim_id) "
            "> (t.last_date, t.last_claim_id))")  # fmt: skip
    firsts = ", ".join(
        f"{c} = CASE WHEN excluded.first_date IS NOT NULL AND {first} THEN excluded.{c} "
        f"ELSE t.{c} END"
        for c in ("first_date", "first_claim_id", "first_diagnosis")
    )
    lasts = ", ".join(
        f"{c} = CASE WHEN excluded.last_date IS NOT NULL AND {last} THEN excluded.{c} "
        f"ELSE t.{c} END"
        for c in ("last_date", "last_claim_id")
    )
    return f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {sums}, {firsts}, {lasts}"


_PG_TYPES = ("int", "int", "int", "text", "text", "int", "bigint", "int", "bigint", "bigint",
             "bigint", "bigint", "date", "int", "text", "date", "int")  # fmt: skip


@cache
def _upsert(pg: bool) -> str:
    """The upsert's SQL in the driver's style: one statement of arrays on PostgreSQL (the
    same text whatever the number of rows: prepared once per connection), a row's on
    SQLite (prepared once by the driver's statement cache, run per row)."""
    cols = ", ".join(COLUMNS)
    if pg:
        arrays = ", ".join(f"%(c{i})s::{t}[]" for i, t in enumerate(_PG_TYPES))
        source = f"SELECT * FROM unnest({arrays})"
    else:
        source = f"VALUES ({', '.join('?' for _ in COLUMNS)})"
    return f"INSERT INTO early_warning_total AS t ({cols}) {source} {_on_conflict()}"


def add(conn: Connection, year: int, parts: Sequence[Bucket]) -> None:
    """Add buckets of distinct keys (as :func:`~safetynet.early_warning.few.buckets` gives
    them: one row each in the statement) to the year's stored ones."""
    rows = [_values(year, b) for b in parts]
    if not rows:
        return
    pg = conn.dialect.name == "postgresql"
    for i in range(0, len(rows), CHUNK):
        part = rows[i : i + CHUNK]
        if pg:
            columns = list(zip(*part, strict=True))
            conn.exec_driver_sql(
                _upsert(True), {f"c{j}": array_text(c) for j, c in enumerate(columns)}
            )
        else:
            conn.exec_driver_sql(_upsert(False), [_sqlite(r) for r in part])


def _sqlite(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row's values as SQLite stores them (a date as ISO text, as SQLAlchemy writes it)."""
    return tuple(v.isoformat() if isinstance(v, date) else v for v in row)


def _ledger(conn: Connection, where: Any) -> list[tuple[Any, ...]]:
    """Ledger entries (:data:`~safetynet.early_warning.evaluate.LEDGER_SCHEMA` order)."""
    query = _ledger_select(literal(0, Integer).label("reassisted_fen"), few=True).where(where)
    return [tuple(r) for r in conn.execute(query)]


_LOCK_HOMES = (
    "SELECT h.id FROM household h JOIN person p ON p.household_id = h.id "
    "WHERE p.id = ANY(%(persons)s) ORDER BY h.id FOR UPDATE OF h"
)


def recompute(conn: Connection, year: int, persons: Sequence[int]) -> None:
    """The persons' rows of the year again from the ledger (after a reversal)."""
    persons = sorted(set(persons))
    found = year_sources(year)
    if not persons or found is None:
        return
    S = Settlement
    if conn.dialect.name == "postgresql":
        # a settlement of these persons (which locks their present households) either
        # committed before — the ledger read below sees it — or adds its claim after this
        # transaction: never in between (a refund locks the entry's household, which a
        # person who moved no longer lives in)
        conn.exec_driver_sql(_LOCK_HOMES, {"persons": persons})
    conn.execute(delete(T).where(T.year == year, T.person_id.in_(persons)))
    ledger = _ledger(conn, S.person_id.in_(persons) & (S.year == year))
    add(conn, year, few.buckets(ledger, found))


def rebuild(session: Session, year: int) -> int:
    """The year's rows again from the ledger, and the year marked as maintained; the rows
    written. On PostgreSQL settlements wait meanwhile (the table locked against writers):
    one that wrote its ledger rows earlier adds its totals after the rebuild commits."""
    if not MINYEAR <= year <= MAXYEAR:
        raise LookupError(f"no year {year}")
    found = year_sources(year)
    mark = fingerprint(year)
    if found is None or mark is None:
        raise LookupError(f"the year {year}'s rules have too many disease lists for totals")
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE early_warning_total IN SHARE ROW EXCLUSIVE MODE")
    conn.execute(delete(T).where(T.year == year))
    ledger = _ledger(conn, Settlement.year == year)
    parts = few.buckets(ledger, found)
    add(conn, year, parts)
    conn.execute(delete(Y).where(Y.year == year))
    conn.execute(Y.__table__.insert().values(year=year, fingerprint=mark))
    return len(parts)


def after_year(session: Session, year: int) -> None:
    """After the year batch's bulk write of a year's ledger (a year-written step,
    :data:`~safetynet.settlement.hooks.AFTER_YEAR`): the year's totals rebuilt and marked;
    a year whose rules the totals cannot hold stays unmarked (the check reads the ledger)."""
    try:
        rebuild(session, year)
    except LookupError:
        drop_marks(session.connection(), [year])


def drop_marks(conn: Connection, years: Iterable[int]) -> None:
    """The years read from the ledger again (a writer that does not keep their totals)."""
    years = sorted(set(years))
    if years:
        conn.execute(delete(Y).where(Y.year.in_(years)))


def _entry_rows(entries: Sequence[Entry]) -> list[tuple[Any, ...]] | None:
    """The entries as ledger rows, from memory; None when one lacks its amounts."""
    rows = []
    for e in entries:
        if e.amounts is None:
            return None
        mask, level, diagnosis, total, compliant, paid, oop, age = e.amounts
        # the re-assistance is not read by the rules (0), the age is
        rows.append((e.claim_id, e.person_id, e.household_id, e.kind, e.claim_date, mask,
                     diagnosis, total, compliant, paid, oop, level, 0, age))  # fmt: skip
    return rows


def after_settlement(session: Session, entry_ids: Sequence[int], entries: Sequence[Entry]) -> None:
    """Settlement after step: the batch's claims added to their year's totals; a reversal's
    person (or a person whose entry came without its amounts) recomputed from the ledger."""
    conn = session.connection()
    by_year: dict[int, list[Entry]] = {}
    for e in entries:
        by_year.setdefault(e.year, []).append(e)
    for year, mine in sorted(by_year.items()):
        found = year_sources(year)
        if found is None:
            continue
        again = {e.person_id for e in mine if e.reversal or e.amounts is None}
        rows = _entry_rows([e for e in mine if e.person_id not in again])
        assert rows is not None
        add(conn, year, few.buckets(rows, found))
        recompute(conn, year, sorted(again))


# -- reading -----------------------------------------------------------------------------------
Homes = dict[int, tuple[int, int | None, int | None, str]]


def _build(pg: bool) -> tuple[Select[Any], Select[Any]]:
    """The check's two selects (bound ``year``, ``ids``, ``jan1``, ``dec31``, ``before``):
    the households (their present members settled nowhere in the year: without a row in the
    totals) with the year's mark as their last column, and the rows of every person with a
    row in them."""
    mark = select(Y.fingerprint).where(Y.year == bindparam("year")).scalar_subquery()
    homes = _build_few(pg, settled=False, totals=True)[0].add_columns(mark.label("mark"))
    T2 = aliased(T)
    persons = select(T2.person_id).where(
        one_of(T2.household_id, "ids", pg), T2.year == bindparam("year"), T2.kind == ""
    )
    mine = T.person_id == any_(func.array(persons.scalar_subquery())) if pg else (
        T.person_id.in_(persons)
    )  # fmt: skip
    rows = select(*(T.__table__.c[c] for c in COLUMNS[1:])).where(T.year == bindparam("year"), mine)
    return homes, rows


_statements = per_dialect(_build)


@cache
def _one(pg: bool) -> Select[Any]:
    return json_rows.json_select(*_build(pg))


FIRST, LAST = COLUMNS.index("first_date") - 1, COLUMNS.index("last_date") - 1


def read(conn: Connection, year: int, ids: Sequence[int]) -> tuple[Homes, list[Bucket]] | None:
    """The households ``ids`` (as ``few_read.few_rows`` gives them) and the year's buckets of
    every person with a row in them; None when the year is not kept in totals for its rule
    set, or no household was found (the caller reads the ledger). One statement on
    PostgreSQL, two on SQLite."""
    mark = fingerprint(year)
    if mark is None:
        return None
    params = few_params(year, ids)
    if conn.dialect.name == "postgresql":
        homes, rows = json_rows.fetch(conn, _one(True), params)
        if not homes or homes[0][5] != mark:
            return None
        rows = json_rows.rows_with_days(rows, [FIRST, LAST])
    else:
        q_homes, q_rows = _statements(conn)
        homes = conn.execute(q_homes, params).all()
        if not homes or homes[0][5] != mark:
            return None
        rows = conn.execute(q_rows, {"year": year, "ids": list(ids)}).all()
    found = [Bucket(*r) for r in rows]
    settled: dict[int, int] = {}  # household -> its persons settled in it in the year
    for b in found:
        if b.kind == "":
            settled[b.household_id] = settled.get(b.household_id, 0) + 1
    out: Homes = {}
    for h, present, income, reference, region, _ in homes:
        members = present + settled.get(h, 0)
        if members:
            out[h] = (members, income, reference, region)
    return out, found


def movers(found: Iterable[Bucket]) -> set[int]:
    """The persons settled in several households in the year (placeholders of each)."""
    homes: dict[int, int] = {}
    moved: set[int] = set()
    for b in found:
        if b.kind == "" and homes.setdefault(b.person_id, b.household_id) != b.household_id:
            moved.add(b.person_id)
    return moved
