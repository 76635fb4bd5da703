"""Import poverty lists (建档立卡 / 低保 / 特困 ...) as dated PovertyStatusPeriod rows.

A row names a registered person by resident ID; with scope ``household`` the period belongs to
the person's whole household (``person_id`` NULL). A period is identified by household, person,
status and start date: importing it again updates its end date, department and reference.

As when a status is recorded one at a time (:func:`safetynet.registry.status.record_status`),
a period ends where the next one of the same scope (this person, or the household as a whole)
and family begins: an ``exited`` list from 2017-07-01 ends the ``registered_poor`` period open
since 2016, whether that period is in the database or earlier in the file, so nobody holds two
statuses of one family on a day.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy.orm import Session

from safetynet.i18n import N_
from safetynet.registry.imports.resident_ids import check_resident_ids
from safetynet.registry.status import FAMILY
from safetynet.store.models import PovertyStatusPeriod
from safetynet.tabular import lookups
from safetynet.tabular.columns import (
    POVERTY_COLUMNS,
    POVERTY_LIST_STATUS,
    SCOPE_VALUES,
    Bound,
)
from safetynet.tabular.problems import Problem, error, warning
from safetynet.tabular.reading import Progress
from safetynet.tabular.values import (
    duplicates,
    parse_choice,
    parse_dates,
    require,
    too_long,
    unknown_keys,
)
from safetynet.tabular.writing import Counts, bulk_update, load_frame, upsert

COLUMNS = POVERTY_COLUMNS
# A period's scope: the household as a whole (``_scope_household`` its id, ``_person_key``
# NO_PERSON), or a person, whatever household the period was recorded with (a person who
# moved household keeps their own periods: ``_scope_household`` NO_HOUSEHOLD).
KEY = ["_scope_household", "_person_key", "status", "valid_from"]
NO_PERSON = 0  # stands for NULL person_id in the join key
NO_HOUSEHOLD = 0  # the scope household of a person's own period


def _scope_household() -> pl.Expr:
    return (
        pl.when(pl.col("_person_key") == NO_PERSON)
        .then(pl.col("household_id"))
        .otherwise(NO_HOUSEHOLD)
        .alias("_scope_household")
    )


def validate(session: Session, bound: Bound) -> tuple[pl.DataFrame, list[Problem]]:
    problems = require(bound, "resident_id", "status", "valid_from", "department")
    problems += too_long(bound, {"department": 64, "reference": 128})
    problems += check_resident_ids(bound)
    problems += parse_choice(bound, "status", POVERTY_LIST_STATUS, N_("poverty status"))
    problems += parse_choice(bound, "scope", SCOPE_VALUES, N_("scope"))
    problems += parse_dates(bound, "valid_from", "valid_to")
    if bound.has("valid_to"):
        backwards = bound.frame.filter(pl.col("valid_to") <= pl.col("valid_from"))
        for row, start, end in backwards.select("_row", "valid_from", "valid_to").rows():
            problems.append(
                error(row, bound.header["valid_to"], "period.backwards",
                      N_("the period ends on %(end)s but starts on %(start)s; the end date is "
                         "exclusive and must come after the start"), end=end, start=start)
            )  # fmt: skip
    people = lookups.persons(session)
    problems += unknown_keys(
        bound, "resident_id", people["resident_id"], "person.unknown",
        N_("the registry has no person with resident ID %(value)s; import the persons first"),
    )  # fmt: skip
    scope = pl.col("scope").fill_null("person") if bound.has("scope") else pl.lit("person")
    frame = bound.frame.with_columns(scope.alias("scope")).join(
        people.select("resident_id", pl.col("id").alias("_pid"), "household_id", "deceased_on"),
        on="resident_id",
        how="left",
    )
    dead = frame.filter(
        pl.col("deceased_on").is_not_null() & (pl.col("deceased_on") <= pl.col("valid_from"))
    )
    for row, died in dead.select("_row", "deceased_on").rows():
        problems.append(
            warning(row, bound.header["resident_id"], "person.deceased",
                    N_("the person died on %(died)s, before the period starts"), died=died)
        )  # fmt: skip
    household = pl.col("scope") == "household"
    prepared = frame.select(
        "_row",
        "household_id",
        pl.when(household).then(None).otherwise(pl.col("_pid")).alias("person_id"),
        pl.when(household).then(NO_PERSON).otherwise(pl.col("_pid")).alias("_person_key"),
        "status",
        "valid_from",
        (pl.col("valid_to") if bound.has("valid_to") else pl.lit(None, pl.Date)).alias("valid_to"),
        "department",
        (pl.col("reference") if bound.has("reference") else pl.lit(None, pl.String)).alias(
            "reference"
        ),
        "resident_id",
    ).with_columns(_scope_household())
    problems += duplicates(
        Bound(bound.sheet, prepared, bound.header), KEY, "resident_id",
        N_("the same status period is also on row %(first)s (resident ID %(value)s); "
           "give each period only once"),
    )  # fmt: skip
    return prepared.drop("_row", "resident_id"), problems


def write(
    session: Session, prepared: pl.DataFrame, bound: Bound, progress: Progress | None
) -> Counts:
    existing = load_frame(
        session,
        {"id": PovertyStatusPeriod.id, "household_id": PovertyStatusPeriod.household_id,
         "person_id": PovertyStatusPeriod.person_id, "status": PovertyStatusPeriod.status,
         "valid_from": PovertyStatusPeriod.valid_from, "valid_to": PovertyStatusPeriod.valid_to,
         "department": PovertyStatusPeriod.department,
         "reference": PovertyStatusPeriod.reference},
        {"id": pl.Int64, "household_id": pl.Int64, "person_id": pl.Int64, "status": pl.String,
         "valid_from": pl.Date, "valid_to": pl.Date, "department": pl.String,
         "reference": pl.String},
    )  # fmt: skip
    existing = existing.with_columns(
        pl.col("person_id").fill_null(NO_PERSON).alias("_person_key")
    ).with_columns(_scope_household())
    prepared, superseded = _ended_by_the_next(prepared, existing)
    compare = ["valid_to", "department", *(["reference"] if bound.has("reference") else [])]
    counts = upsert(
        session, PovertyStatusPeriod, prepared, existing.select("id", *KEY, *compare),
        key=KEY, pk="id",
        insert_columns=["household_id", "person_id", "status", "valid_from", "valid_to",
                        "department", "reference"],
        compare=compare, progress=progress,
    )  # fmt: skip
    counts.updated += bulk_update(session, PovertyStatusPeriod, superseded, ["id", "valid_to"])
    return counts


def _ended_by_the_next(
    prepared: pl.DataFrame, existing: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The file's periods, each ended (``valid_to``) where the next period of its scope and
    family begins, if not before; and the database's periods (``id``, ``valid_to``) the file
    ends so. Periods of one scope and family starting on the same day are left as given."""
    family = pl.col("status").replace_strict(
        {s.value: f for s, f in FAMILY.items()}, return_dtype=pl.String
    )
    group = ["_scope_household", "_person_key", "_family"]
    kept = existing.join(prepared.select(KEY), on=KEY, how="anti")  # the file's version wins
    periods = pl.concat(
        [
            prepared.select(*KEY, "valid_to", pl.lit(None, pl.Int64).alias("id")),
            kept.select(*KEY, "valid_to", pl.col("id").cast(pl.Int64)),
        ],
        how="vertical_relaxed",
    ).with_columns(family.alias("_family"))
    starts = (
        periods.select(*group, "valid_from")
        .unique()
        .sort(*group, "valid_from")
        .with_columns(pl.col("valid_from").shift(-1).over(group).alias("_next"))
    )
    nxt = pl.col("_next")
    ended = periods.join(starts, on=[*group, "valid_from"], how="left").with_columns(
        pl.when(nxt.is_not_null() & (pl.col("valid_to").is_null() | (pl.col("valid_to") > nxt)))
        .then(nxt)
        .otherwise(pl.col("valid_to"))
        .alias("_ends")
    )
    changed = ended.filter(pl.col("_ends").ne_missing(pl.col("valid_to")))
    in_file = changed.filter(pl.col("id").is_null()).select(*KEY, "_ends")
    prepared = (
        prepared.join(in_file, on=KEY, how="left")
        .with_columns(pl.coalesce("_ends", "valid_to").alias("valid_to"))
        .drop("_ends")
    )
    in_db = changed.filter(pl.col("id").is_not_null()).select(
        "id", pl.col("_ends").alias("valid_to")
    )
    return prepared, in_db
