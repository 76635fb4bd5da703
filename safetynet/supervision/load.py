"""A county's year of claims from the database, as the screening's frames.

Claims of persons in the region (and everything under it) whose visit or admission falls in
the year. The rules that span admissions (split admission, overlapping stays) also read the
claims that end (discharge or visit) in the last ``LOOKBACK_DAYS`` of the previous year — or
more, when the rules look further back (:meth:`RuleSet.lookback_days`) — so a readmission in
early January is compared with a December discharge, however early that stay was admitted;
:func:`in_year` keeps the hits on the year's own claims.
:func:`frames_from_tables` also turns the synthetic county's tables into the same frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    and_,
    exists,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import aliased

from safetynet.catalogs.in_force import line_day_of
from safetynet.codes import ClaimKind
from safetynet.registry.age import age_on
from safetynet.security.scope import within
from safetynet.store.fetch import fetch_frame
from safetynet.store.models import Claim, ClaimItem, Institution, Person
from safetynet.store.models.ledger import EntryKind, Settlement
from safetynet.supervision.catalog import Entries, county_entries, shipped_entries, with_catalog
from safetynet.supervision.frames import (
    CLAIMS_SCHEMA,
    LINES_SCHEMA,
    PERSONS_SCHEMA,
    ScreenInput,
    conform,
)
from safetynet.supervision.schema import RuleSet

LOOKBACK_DAYS = 60


def not_refunded() -> ColumnElement[bool]:
    """A claim whose settlement was not refunded (reversed): the claims screened and scored,
    the window's rule (:mod:`safetynet.supervision.service`: a refunded claim is no longer
    paid, and its corrected resubmission is the stay)."""
    reversal = aliased(Settlement)
    return ~exists().where(reversal.claim_id == Claim.id,
                           reversal.entry_kind == EntryKind.REVERSAL)  # fmt: skip


def load_year(
    conn: Connection, region_code: str | None, year: int, rules: RuleSet | None = None
) -> ScreenInput:
    """The region's (None: every) claims dated in ``year``, and those ending in the
    ``LOOKBACK_DAYS`` before it (or the days ``rules`` look back, when more)."""
    back = max(LOOKBACK_DAYS, rules.lookback_days() if rules is not None else 0)
    start = date(year, 1, 1) - timedelta(days=back)
    end = date(year, 12, 31)
    in_scope = within(Person.region_code, region_code) if region_code else true()
    # a stay admitted before the look-back but discharged in it counts from its discharge;
    # a refunded claim is left out, as at the window (no longer paid: a claim refunded and
    # settled again corrected is one stay, not two overlapping ones)
    dated = and_(
        Claim.start_date <= end,
        or_(Claim.start_date >= start, Claim.end_date >= start),
        not_refunded(),
    )
    claims_q = (
        select(
            Claim.id,
            Claim.claim_no,
            Claim.person_id,
            type_coerce(Claim.kind, String).label("kind"),
            type_coerce(Institution.level, String).label("level"),
            Claim.institution_code,
            Claim.start_date,
            Claim.end_date,
            Claim.diagnosis_code,
            Claim.total_fen,
            Claim.doctor_code,
            Person.birth_date,
        )
        .join(Person, Person.id == Claim.person_id)
        .join(Institution, Institution.code == Claim.institution_code)
        .where(in_scope, dated)
    )
    claims = fetch_frame(
        conn,
        claims_q,
        {
            "id": pl.Int64, "claim_no": pl.String, "person_id": pl.Int64, "kind": pl.String,
            "level": pl.String, "institution_code": pl.String, "start_date": pl.Date,
            "end_date": pl.Date, "diagnosis_code": pl.String, "total_fen": pl.Int64,
            "doctor_code": pl.String, "birth_date": pl.Date,
        },
    )  # fmt: skip
    items_q = (
        select(
            ClaimItem.claim_id,
            ClaimItem.item_code,
            ClaimItem.quantity,
            ClaimItem.amount_fen,
            ClaimItem.service_date,
        )
        .join(Claim, Claim.id == ClaimItem.claim_id)
        .join(Person, Person.id == Claim.person_id)
        .where(in_scope, dated)
    )
    items = fetch_frame(
        conn,
        items_q,
        {"claim_id": pl.Int64, "item_code": pl.String, "quantity": pl.Int64,
         "amount_fen": pl.Int64, "service_date": pl.Date},
    )  # fmt: skip
    persons_q = select(
        Person.id,
        type_coerce(Person.sex, String).label("sex"),
        Person.deceased_on,
        Person.region_code,
        Person.phone,
    ).where(in_scope)
    persons = fetch_frame(
        conn,
        persons_q,
        {"id": pl.Int64, "sex": pl.String, "deceased_on": pl.Date, "region_code": pl.String,
         "phone": pl.String},
    )  # fmt: skip
    return frames_from_tables(claims, items, persons, county_entries(conn))


def _age(day: pl.Expr, born: pl.Expr) -> pl.Expr:
    # month × 100 in Int32: month() is Int8, where 12 × 100 wraps round (an age a year off)
    def md(d: pl.Expr) -> pl.Expr:
        return d.dt.month().cast(pl.Int32) * 100 + d.dt.day().cast(pl.Int32)

    before = md(day) < md(born)
    return day.dt.year() - born.dt.year() - before.cast(pl.Int32)


def admissions_after(
    data: ScreenInput, conn: Connection, region_code: str | None, year: int, days: int
) -> pl.DataFrame:
    """The admissions (person_id, admitted, diagnosis) after ``year`` that a stay of the year in
    ``data`` may be followed by within ``days`` of its discharge (1 January to ``days`` days
    after the year's last discharge: a stay admitted in December may end in January): the
    readmission rate of the risk scores; the stays themselves belong to the next year."""
    in_scope = within(Person.region_code, region_code) if region_code else true()
    ends = data.claims.filter(pl.col("date").dt.year() == year)["discharged"].drop_nulls()
    ended = max(date(year, 12, 31), ends.max() if len(ends) else date(year, 12, 31))  # type: ignore[type-var]
    first, last = date(year + 1, 1, 1), ended + timedelta(days=days)
    query = (
        select(Claim.person_id, Claim.start_date.label("admitted"),
               Claim.diagnosis_code.label("diagnosis"))
        .join(Person, Person.id == Claim.person_id)
        .where(in_scope, Claim.kind == ClaimKind.INPATIENT,
               Claim.start_date >= first, Claim.start_date <= last, not_refunded())
    )  # fmt: skip
    schema = {"person_id": pl.Int64, "admitted": pl.Date, "diagnosis": pl.String}
    return fetch_frame(conn, query, schema)


def frames_from_tables(
    claims: pl.DataFrame,
    items: pl.DataFrame,
    persons: pl.DataFrame,
    entries: pl.DataFrame | None = None,
) -> ScreenInput:
    """The screening's frames from claim, claim-item and person rows (database columns),
    each line with the catalog facts of its entry in force on its day, else its claim's
    (``entries``: the county's catalog; None: the shipped one, the synthetic county's); a
    line keeps the day it gives, none when undated (each day-based rule reads undated lines
    by its own rule: ``duplicate_charge`` allows the limit times the stay's days)."""
    inpatient = pl.col("kind") == "inpatient"
    c = claims.with_columns(
        pl.col("person_id").cast(pl.String),
        pl.col("start_date").alias("date"),
        pl.col("institution_code").alias("institution"),
        (pl.col("doctor_code") if "doctor_code" in claims.columns else pl.lit(None, pl.String))
        .alias("doctor"),
        pl.col("diagnosis_code").alias("diagnosis"),
        pl.when(inpatient).then(pl.col("start_date")).alias("admitted"),
        pl.when(inpatient).then(pl.col("end_date")).alias("discharged"),
        (
            pl.col("age") if "age" in claims.columns
            else _age(pl.col("start_date"), pl.col("birth_date"))
        ).alias("age"),
    )  # fmt: skip
    # a line keeps the day it gives (none: undated, read by each day-based rule's own rule
    # for undated lines); its catalog entry is the one in force on its day, else its claim's
    given = "service_date" in items.columns
    item_day = pl.col("service_date") if given else pl.lit(None, pl.Date)
    lines = with_catalog(
        items.join(
            c.select(pl.col("id").alias("claim_id"), "claim_no", "date"), on="claim_id"
        ).with_columns(
            pl.col("item_code").alias("code"),
            item_day.cast(pl.Date).alias("day"),
            line_day_of(item_day, "date").alias("_on"),
        ),
        shipped_entries() if entries is None else entries,
        day="_on",
    ).drop("_on")
    people = persons.select(
        pl.col("id").cast(pl.String).alias("person_id"),
        "sex",
        "deceased_on",
        (
            pl.col("region_code") if "region_code" in persons.columns else pl.lit(None, pl.String)
        ).alias("village"),
        (pl.col("phone") if "phone" in persons.columns else pl.lit(None, pl.String)).alias("phone"),
    )
    return ScreenInput(
        conform(c, CLAIMS_SCHEMA), conform(lines, LINES_SCHEMA), conform(people, PERSONS_SCHEMA)
    )


def _age_on(day: date, born: date | None) -> int | None:
    return None if born is None else age_on(born, day)


def frames_from_rows(
    claims: Sequence[Sequence[Any]],
    items: Sequence[Sequence[Any]],
    births: dict[int, date | None],
    persons: Sequence[tuple[int, str | None, date | None, str | None]],
    catalog: Entries | None = None,
) -> ScreenInput:
    """:func:`frames_from_tables` of a few rows (a window's batch), built in Python rather
    than by joins (whose fixed cost is most of one claim's screening); tested equal to it.

    ``claims``: (id, claim_no, kind, level, institution_code, start_date, end_date,
    diagnosis_code, total_fen, doctor_code, person_id); ``items``: (claim_id, item_code,
    quantity, amount_fen, service_date); ``births`` by person; ``persons``: (id, sex,
    deceased_on, region_code); ``catalog``: the county's entries (None: the shipped
    catalog's), each line's facts of the entry in force on its day."""
    catalog = Entries() if catalog is None else catalog
    by_id = {c[0]: c for c in claims}
    claim_rows = [
        (no, str(person), start, kind, level, institution, doctor, diagnosis,
         start if kind == "inpatient" else None, end if kind == "inpatient" else None,
         _age_on(start, births[person]), total)
        for (_, no, kind, level, institution, start, end, diagnosis, total, doctor,
             person) in claims
    ]  # fmt: skip
    line_rows = []
    for cid, code, quantity, amount, day, *_ in items:
        if cid in by_id:
            # its catalog entry: the one in force on its day, else on its claim's; its day:
            # the one it gives (none when undated), as frames_from_tables keeps it
            on = day if day is not None else by_id[cid][5]
            cls, ceiling, sex, low, high = catalog.facts(code, on)
            line_rows.append((by_id[cid][1], code, cls, amount, quantity, day, ceiling, sex,
                              low, high))  # fmt: skip
    seen: set[int] = set()
    people = []
    for pid, sex, deceased, region in persons:
        if pid not in seen:
            seen.add(pid)
            people.append((str(pid), sex, deceased, region, None))  # no phone: a year rule
    return ScreenInput(
        pl.DataFrame(claim_rows, schema=CLAIMS_SCHEMA, orient="row"),
        pl.DataFrame(line_rows, schema=LINES_SCHEMA, orient="row"),
        pl.DataFrame(people, schema=PERSONS_SCHEMA, orient="row"),
    )


def in_year(hits: pl.DataFrame, year: int) -> pl.DataFrame:
    """The hits on claims dated in ``year`` (the look-back's own claims left out)."""
    return hits.filter(pl.col("date").dt.year() == year)


def load_catchment(conn: Connection, region_code: str | None, year: int) -> pl.DataFrame:
    """Enrolled persons each institution serves (``scores.catchment``) for ``year``."""
    from safetynet.store.models import Enrollment
    from safetynet.supervision.scores import catchment

    in_scope = within(Person.region_code, region_code) if region_code else true()
    institutions = fetch_frame(
        conn,
        select(Institution.code, type_coerce(Institution.level, String).label("level"),
               Institution.region_code),
        {"code": pl.String, "level": pl.String, "region_code": pl.String},
    )  # fmt: skip
    villages = fetch_frame(
        conn,
        select(Person.region_code)
        .join(Enrollment, Enrollment.person_id == Person.id)
        .where(Enrollment.year == year, in_scope),
        {"region_code": pl.String},
    )["region_code"]
    return catchment(institutions, villages)
