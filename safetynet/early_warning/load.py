"""The evaluation's frames from the database, for a region's tree and a scheme year.

Set-based queries read with :func:`safetynet.store.fetch.fetch_frame` (COPY on
PostgreSQL): the ledger entries of the year with their claim's diagnosis and any
re-assistance the cascade paid (layer ``re_assistance``); the households with their members
of the year (:func:`_period_members`: those settled in the household that year, and its
present members alive some day of the year and settled nowhere), their village and
township, the income of the year in force and last year's reference per-capita disposable
income of the nearest region that has one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import (
    Connection,
    Date,
    Integer,
    Select,
    String,
    any_,
    bindparam,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.orm import aliased

from safetynet.early_warning.evaluate import AGE, HOUSEHOLD_SCHEMA, LEDGER_SCHEMA
from safetynet.regions import significant, significant_sql
from safetynet.security.scope import within
from safetynet.store.fetch import fetch_frame
from safetynet.store.lists import one_of, per_dialect
from safetynet.store.models import (
    Claim,
    Household,
    HouseholdIncome,
    Person,
    ReferenceIncome,
    Region,
    Settlement,
    SettlementLayer,
)

REASSISTANCE_LAYER = "re_assistance"
HOME_SCHEMA = {**HOUSEHOLD_SCHEMA, "region_code": pl.String, "township_code": pl.String}


def _reassisted_by_entry():  # type: ignore[no-untyped-def]
    """Each ledger entry's re-assistance, looked up by its id (a few households' entries)."""
    L = SettlementLayer
    return (
        select(func.coalesce(func.sum(L.paid_fen), 0))
        .where(L.settlement_id == Settlement.id, L.layer_id == REASSISTANCE_LAYER)
        .scalar_subquery()
    )


def _ledger_select(reassisted: Any, few: bool = False) -> Select:  # type: ignore[type-arg]
    """The ledger entries' columns (:data:`LEDGER_WITH_REASSISTED`), with their claims'
    diagnoses, ``reassisted`` and the patient's age on the claim's date last. ``few``: a few
    households' entries, each claim's diagnosis looked up by its id (a join let the planner
    hash the whole claim table for a few hundred entries: a scan of every claim per check)."""
    S = Settlement
    if few:
        diagnosis: Any = (
            select(Claim.diagnosis_code).where(Claim.id == S.claim_id).scalar_subquery()
        )
    else:
        diagnosis = Claim.diagnosis_code
    query = select(
        S.claim_id, S.person_id, S.household_id, type_coerce(S.kind, String).label("kind"),
        S.claim_date, S.status_mask, diagnosis.label("diagnosis_code"), S.total_fen,
        S.compliant_fen, S.paid_fen, S.out_of_pocket_fen,
        type_coerce(S.level, String).label("level"), reassisted, S.age,
    )  # fmt: skip
    return query if few else query.join(Claim, Claim.id == S.claim_id)


def _region_persons(year: int, region_code: str) -> Select[Any]:
    """The persons with an entry of the year settled in a household of the region's tree."""
    S = aliased(Settlement)
    homes = select(Household.id).where(within(Household.region_code, region_code))
    return select(S.person_id).where(S.year == year, S.household_id.in_(homes))


def region_households(conn: Connection, region_code: str) -> list[int]:
    """The ids of the households in the region's tree (by the household's village)."""
    query = select(Household.id).where(within(Household.region_code, region_code))
    return sorted(conn.execute(query).scalars())


def ledger_query(  # type: ignore[no-untyped-def]
    year: int,
    region_code: str | None,
    households: list[int] | None = None,
    by_household: bool = False,
):
    """The year's ledger entries (in the region's tree; of ``households`` when given: then
    each entry's re-assistance is looked up by its id, not summed over the year's layers).
    In a region, the entries of the persons living there now (``Person.region_code``), or
    with ``by_household`` every entry of the year of the persons settled in one of the
    region's households at some time of the year, wherever each was settled: a household's
    share counts a member who moved away since, and a person's year runs across the move."""
    S = Settlement
    L = SettlementLayer
    if households is not None:
        query = _ledger_select(_reassisted_by_entry()).where(
            S.household_id.in_(households), S.year == year
        )
        if region_code is not None:
            query = query.join(Person, Person.id == S.person_id).where(
                within(Person.region_code, region_code)
            )
        return query
    reassisted = (
        select(L.settlement_id, func.sum(L.paid_fen).label("paid"))
        .where(L.layer_id == REASSISTANCE_LAYER)
        .group_by(L.settlement_id)
        .subquery()
    )
    query = (
        _ledger_select(func.coalesce(reassisted.c.paid, 0))
        .outerjoin(reassisted, reassisted.c.settlement_id == S.id)
        .where(S.year == year)
    )
    if region_code is not None and by_household:
        query = query.where(S.person_id.in_(_region_persons(year, region_code)))
    elif region_code is not None:
        query = query.join(Person, Person.id == S.person_id).where(
            within(Person.region_code, region_code)
        )
    return query


# and the patient's age on the claim's date (:data:`~safetynet.early_warning.evaluate.AGE`)
LEDGER_WITH_REASSISTED = {**LEDGER_SCHEMA, "reassisted_fen": pl.Int64, AGE: pl.Int64}


Households = int | Sequence[int] | None  # one household, several, or every one


def _ids(household_id: Households) -> list[int] | None:
    if household_id is None:
        return None
    return [household_id] if isinstance(household_id, int) else sorted(set(household_id))


SMALL = 1_000  # households read through the statement cache rather than COPY / literal SQL


def _fetch(
    conn: Connection,
    query: Select,  # type: ignore[type-arg]
    schema: dict[str, Any],
    ids: list[int] | None,
) -> pl.DataFrame:
    """The query's rows as a frame: a few households' rows (the check after a settlement)
    through SQLAlchemy's compiled-statement cache with bound parameters — compiling the
    query as literal SQL, as :func:`fetch_frame` must for COPY, costs more than the rows —
    and a region's or the county's with :func:`fetch_frame`."""
    if ids is None or len(ids) > SMALL:
        return fetch_frame(conn, query, schema)
    rows = conn.execute(query).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def load_ledger(
    conn: Connection,
    year: int,
    region_code: str | None = None,
    household_id: Households = None,
    *,
    by_household: bool = False,
) -> pl.DataFrame:
    """The year's ledger entries (of the households ``household_id`` names, when given;
    ``by_household``: see :func:`ledger_query`)."""
    ids = _ids(household_id)
    query = ledger_query(year, region_code, ids, by_household=by_household)
    return _fetch(conn, query, LEDGER_WITH_REASSISTED, ids)


def _period_members(year: int) -> tuple[Select[Any], Select[Any]]:
    """The (household, person) pairs of a year's members, as two selects to unite: a person
    with entries settled in the year is a member of each household they were settled in (the
    registry keeps a person's present household only and a move updates it, so the entries
    record where a person lived during the year: the household whose out-of-pocket they
    count in); a person without one is a member of their present household when alive some
    day of the year (born by 31 December, not died by 1 January: the day of death is not a
    day alive, as settlement and enrollment count it)."""
    S = Settlement
    settled = select(S.household_id.label("household_id"), S.person_id.label("person_id")).where(
        S.year == year
    )
    alive = (Person.birth_date <= date(year, 12, 31)) & (
        Person.deceased_on.is_(None) | (Person.deceased_on > date(year, 1, 1))
    )
    none = ~select(S.id).where(S.person_id == Person.id, S.year == year).exists()
    current = select(Person.household_id, Person.id.label("person_id")).where(alive, none)
    return settled, current


def load_households(
    conn: Connection, year: int, region_code: str | None = None, household_id: Households = None
) -> pl.DataFrame:
    """Households with members, income of the year, reference income, village and township."""
    ids = _ids(household_id)
    S = Settlement
    homes_of = select(Household.id)
    if region_code is not None:
        homes_of = homes_of.where(within(Household.region_code, region_code))
    if ids is not None:
        homes_of = homes_of.where(Household.id.in_(ids))
    settled, current = _period_members(year)
    pairs = (
        settled.where(S.household_id.in_(homes_of))
        .union(current.where(Person.household_id.in_(homes_of)))
        .subquery()
    )
    query = (
        select(Household.id, func.count(pairs.c.person_id), Household.region_code,
               Region.parent_code)
        .join(pairs, pairs.c.household_id == Household.id)
        .join(Region, Region.code == Household.region_code)
        .group_by(Household.id, Household.region_code, Region.parent_code)
    )  # fmt: skip
    homes = _fetch(
        conn,
        query,
        {"household_id": pl.Int64, "members": pl.Int64, "region_code": pl.String,
         "township_code": pl.String},
        ids,
    )  # fmt: skip
    H = HouseholdIncome
    incomes = select(H.id, H.household_id, H.income_fen).where(H.year == year)
    if ids is not None:
        incomes = incomes.where(H.household_id.in_(ids))
    income = (
        _fetch(
            conn,
            incomes,
            {"id": pl.Int64, "household_id": pl.Int64, "income_fen": pl.Int64},
            ids,
        )
        .sort("id")
        .group_by("household_id")
        .agg(pl.col("income_fen").last())
    )
    refs = _fetch(
        conn,
        select(ReferenceIncome.region_code, ReferenceIncome.per_capita_fen).where(
            ReferenceIncome.year == year - 1
        ),
        {"code": pl.String, "reference_fen": pl.Int64},
        ids,
    )
    out = homes.join(income, on="household_id", how="left")
    return with_reference(out, refs).select(list(HOME_SCHEMA))


def _build_few(
    pg: bool, settled: bool = True, totals: bool = False
) -> tuple[Select[Any], Select[Any]]:
    """The statements of :func:`household_rows` and :func:`ledger_rows`, built once per
    dialect with bound parameters (``year``, ``jan1``, ``dec31``, ``before``, ``ids``: an
    array on PostgreSQL): building them per batch cost more than running them. ``settled``
    false: the members counted are only the present ones settled nowhere in the year (the
    caller adds those settled in the household, from the ledger rows it reads with them:
    :mod:`~safetynet.early_warning.few_read`). ``totals``: "settled nowhere" read from the
    year's running totals (:mod:`~safetynet.early_warning.totals`: a row per person settled)
    rather than the ledger."""
    H, P, Inc, R = Household, Person, HouseholdIncome, ReferenceIncome
    S = Settlement
    # the year's members as :func:`_period_members` defines them: those settled in the
    # household in the year, and its present members alive in the year and settled nowhere
    Sm = aliased(Settlement)
    if totals:
        from safetynet.store.models import EarlyWarningTotal as T

        unsettled = ~select(T.person_id).where(T.year == bindparam("year"),
                                               T.person_id == P.id).exists()  # fmt: skip
    else:
        unsettled = ~select(Sm.id).where(Sm.person_id == P.id,
                                         Sm.year == bindparam("year")).exists()  # fmt: skip
    present = (
        select(func.count(P.id))
        .where(P.household_id == H.id, P.birth_date <= bindparam("dec31", type_=Date),
               P.deceased_on.is_(None) | (P.deceased_on > bindparam("jan1", type_=Date)),
               unsettled)
        .scalar_subquery()
    )  # fmt: skip
    settled_here = (
        select(func.count(func.distinct(Sm.person_id)))
        .where(Sm.household_id == H.id, Sm.year == bindparam("year"))
        .scalar_subquery()
    )
    members = present + settled_here if settled else present
    income = (
        select(Inc.income_fen)
        .where(Inc.household_id == H.id, Inc.year == bindparam("year"))
        .order_by(Inc.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    sig = significant_sql(R.region_code)  # a padded county code reaches its villages too
    reference = (
        select(R.per_capita_fen)
        .where(R.year == bindparam("before"),
               func.substr(H.region_code, 1, func.length(sig)) == sig)
        .order_by(func.length(sig).desc(), R.region_code)
        .limit(1)
        .scalar_subquery()
    )  # fmt: skip
    homes = select(H.id, members, income, reference, H.region_code).where(one_of(H.id, "ids", pg))
    # the rules read no re-assistance (:mod:`~safetynet.early_warning.few` reads the
    # :data:`LEDGER_SCHEMA` columns): looking it up per entry was most of the check's cost
    # and a person's rules run over the person's year: the entries of the households' persons
    # settled in another household (before a move) too
    S2 = aliased(Settlement)
    persons = select(S2.person_id).where(
        one_of(S2.household_id, "ids", pg), S2.year == bindparam("year")
    )
    # on PostgreSQL the persons as an array (= ANY): the planner cannot see how few they are
    # in IN (subquery), and scanned the whole year's settlements for each batch (6 ms at
    # 30,000 rows, growing with the ledger) instead of the (person_id, year) index (0.2 ms)
    mine = (
        S.person_id == any_(func.array(persons.scalar_subquery()))
        if pg
        else S.person_id.in_(persons)
    )
    ledger = _ledger_select(literal(0, Integer).label("reassisted_fen"), few=True).where(
        mine, S.year == bindparam("year")
    )
    return homes, ledger


_few_statements = per_dialect(_build_few)


def few_params(year: int, ids: Sequence[int]) -> dict[str, Any]:
    """The bound parameters of the few-households statements (:func:`household_rows`, the
    one-statement read of :mod:`safetynet.early_warning.few_read`)."""
    return {
        "ids": list(ids),
        "year": year,
        "jan1": date(year, 1, 1),
        "dec31": date(year, 12, 31),
        "before": year - 1,
    }


def household_rows(
    conn: Connection, year: int, ids: Sequence[int]
) -> dict[int, tuple[int, int | None, int | None, str]]:
    """A few households as :func:`load_households` reads them, in one statement (built once,
    bound parameters): ``{household_id: (members, income_fen, reference_fen,
    region_code)}``; the members of the year (:func:`_period_members`; a household with none
    is left out), the latest income of the year, the nearest region's reference income of
    the year before."""
    rows = conn.execute(_few_statements(conn)[0], few_params(year, ids)).all()
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows if r[1]}


def ledger_rows(conn: Connection, year: int, ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """A few households' ledger entries of the year as rows (:data:`LEDGER_WITH_REASSISTED`
    order, the rows :func:`ledger_query` selects for ``households``, but ``reassisted_fen``
    0: the warning rules do not read it), and their persons' entries settled in another
    household (a person's year across a move), in one statement built once."""
    rows = conn.execute(_few_statements(conn)[1], {"ids": list(ids), "year": year})
    return [tuple(r) for r in rows]


def with_reference(homes: pl.DataFrame, refs: pl.DataFrame) -> pl.DataFrame:
    """``reference_fen`` of the nearest region (village, then its ancestors by the
    significant prefix of their codes: :mod:`safetynet.regions`)."""
    found = pl.lit(None, pl.Int64)
    out = homes
    refs = (  # two spellings of one region: the shorter code's figure, as the query picks
        refs.with_columns(
            pl.col("code").alias("_raw"),
            pl.col("code").map_elements(significant, return_dtype=pl.String),
        )
        .sort("code", "_raw")
        .unique("code", keep="first", maintain_order=True)
        .drop("_raw")
    )
    for n, length in enumerate(sorted({len(c) for c in refs["code"].to_list()}, reverse=True)):
        part = refs.filter(pl.col("code").str.len_chars() == length).rename(
            {"code": f"_c{n}", "reference_fen": f"_r{n}"}
        )
        out = out.with_columns(pl.col("region_code").str.slice(0, length).alias(f"_c{n}")).join(
            part, on=f"_c{n}", how="left"
        )
        found = pl.coalesce(found, pl.col(f"_r{n}"))
    return out.with_columns(found.alias("reference_fen"))
