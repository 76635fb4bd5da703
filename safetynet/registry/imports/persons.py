"""Import persons (参保人员), keyed by resident ID; each belongs to an existing household.

Sex and birth date may be left out: they come from the ID. When given they must agree with
it. The village defaults to the household's; a different village is a warning.

The registry keeps a person's household and village of today only, not since when. A row that
moves a known person to another household whose statuses differ, or to another county, is
written with a warning saying what that changes: the household statuses of the new household
apply to the person on every date, also before the move (a claim dated before it, settled
or re-settled later, is settled with them), and the old household's no longer; a person of
another county counts there with every claim, and is settled under that county's policy.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy.orm import Session

from safetynet.codes import Sex
from safetynet.i18n import N_
from safetynet.registry.imports.resident_ids import check_resident_ids, region_warnings
from safetynet.registry.resident_id import ResidentId, contradictions
from safetynet.store.models import Person, PovertyStatusPeriod
from safetynet.tabular import lookups
from safetynet.tabular.columns import PERSON_COLUMNS, SEX_VALUES, Bound
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
from safetynet.tabular.writing import Counts, load_frame, upsert

COLUMNS = PERSON_COLUMNS
OPTIONAL = ("relation", "phone", "deceased_on")  # compared / written only when the file has them
COLUMN_NAMES = ("sex", "birth_date", "relation", "village_code", "phone", "deceased_on")
ALWAYS = ("name", "sex", "birth_date", "household_id", "region_code")


def _contradictions(bound: Bound) -> list[Problem]:
    """Sex / birth date cells that disagree with the (valid) resident ID."""
    out: list[Problem] = []
    checks = [("sex", "_id_sex"), ("birth_date", "_id_birth")]
    for name, derived in checks:
        if not bound.has(name):
            continue
        bad = bound.frame.filter(
            pl.col("_id_ok") & pl.col(name).is_not_null() & (pl.col(name) != pl.col(derived))
        )
        for r in bad.select("_row", "resident_id", "_id_birth", "_id_sex", name).to_dicts():
            number = r["resident_id"]
            rid = ResidentId(number, number[:6], r["_id_birth"], Sex(r["_id_sex"]))
            if name == "sex":
                found = contradictions(rid, sex=Sex(r["sex"]), birth_date=None)
            else:
                found = contradictions(rid, sex=None, birth_date=r["birth_date"])
            out.extend(
                error(r["_row"], bound.header[name], f"resident_id.{name}_contradiction",
                      template, **params)
                for template, params in found
            )  # fmt: skip
    return out


def validate(session: Session, bound: Bound) -> tuple[pl.DataFrame, list[Problem]]:
    """Check every row; return the rows ready to write (Person columns) and all problems."""
    problems = require(bound, "resident_id", "name", "household_no")
    problems += too_long(bound, {"name": 64, "relation": 16, "phone": 20})
    problems += check_resident_ids(bound)
    problems += region_warnings(bound)
    problems += parse_choice(bound, "sex", SEX_VALUES, N_("sex"))
    problems += parse_dates(bound, "birth_date", "deceased_on")
    problems += _contradictions(bound)
    problems += duplicates(
        bound, ["resident_id"], "resident_id",
        N_("resident ID %(value)s is also on row %(first)s; each person may appear only once"),
    )  # fmt: skip
    households = lookups.households(session)
    problems += unknown_keys(
        bound, "household_no", households["number"], "household.unknown",
        N_("household %(value)s does not exist; import the households first"),
    )  # fmt: skip
    problems += lookups.check_villages(bound, "village_code", lookups.regions(session))

    frame = bound.frame.join(
        households.select(
            pl.col("number").alias("household_no"),
            pl.col("id").alias("household_id"),
            pl.col("region_code").alias("_household_village"),
        ),
        on="household_no",
        how="left",
    )
    if bound.has("village_code"):
        moved = frame.filter(
            pl.col("village_code").is_not_null()
            & pl.col("_household_village").is_not_null()
            & (pl.col("village_code") != pl.col("_household_village"))
        )
        for row, village, home in moved.select("_row", "village_code", "_household_village").rows():
            problems.append(
                warning(row, bound.header["village_code"], "village.not_household",
                        N_("village %(village)s differs from the household's village %(home)s"),
                        village=village, home=home)
            )  # fmt: skip
    given = {name: pl.col(name) if bound.has(name) else pl.lit(None) for name in COLUMN_NAMES}
    prepared = frame.select(
        "resident_id",
        "name",
        pl.coalesce(given["sex"], pl.col("_id_sex")).cast(pl.String).alias("sex"),
        pl.coalesce(given["birth_date"], pl.col("_id_birth")).cast(pl.Date).alias("birth_date"),
        "household_id",
        given["relation"].cast(pl.String).alias("relation"),
        pl.coalesce(given["village_code"], pl.col("_household_village"))
        .cast(pl.String)
        .alias("region_code"),
        given["phone"].cast(pl.String).alias("phone"),
        given["deceased_on"].cast(pl.Date).alias("deceased_on"),
    )
    if bound.has("deceased_on"):
        problems += _death_before_birth(bound, frame.select("_row"), prepared)
    problems += _moves(session, bound, frame.select("_row"), prepared, households)
    return prepared, problems


def _household_statuses(session: Session) -> pl.DataFrame:
    """Each household's statuses over time, as (household_id, statuses): every household
    period, its status and dates, sorted into one text to compare households by."""
    P = PovertyStatusPeriod
    periods = load_frame(
        session,
        {"household_id": P.household_id, "person_id": P.person_id, "status": P.status,
         "valid_from": P.valid_from, "valid_to": P.valid_to},
        {"household_id": pl.Int64, "person_id": pl.Int64, "status": pl.String,
         "valid_from": pl.Date, "valid_to": pl.Date},
    )  # fmt: skip
    return (
        periods.filter(pl.col("person_id").is_null())
        .select(
            "household_id",
            pl.concat_str(
                pl.col("status"),
                pl.col("valid_from").cast(pl.String),
                pl.col("valid_to").cast(pl.String).fill_null(""),
                separator="/",
            ).alias("period"),
        )
        .group_by("household_id")
        .agg(pl.col("period").sort().str.join(";").alias("statuses"))
    )


def _moves(
    session: Session,
    bound: Bound,
    rows: pl.DataFrame,
    prepared: pl.DataFrame,
    households: pl.DataFrame,
) -> list[Problem]:
    """Warnings for known persons moved to a household of other statuses or another county."""
    known = load_frame(
        session,
        {"resident_id": Person.resident_id, "_old_household": Person.household_id,
         "_old_region": Person.region_code},
        {"resident_id": pl.String, "_old_household": pl.Int64, "_old_region": pl.String},
    )  # fmt: skip
    moved = (
        pl.concat(
            [rows, prepared.select("resident_id", "household_id", "region_code")], how="horizontal"
        )
        .join(known, on="resident_id", how="inner")
        .filter(
            pl.col("household_id").is_not_null()
            & (
                (pl.col("household_id") != pl.col("_old_household"))
                | (pl.col("region_code").str.head(6) != pl.col("_old_region").str.head(6))
            )
        )
    )
    if moved.is_empty():
        return []
    statuses = _household_statuses(session)
    numbers = households.select(pl.col("id"), pl.col("number"))
    moved = (
        moved.join(statuses.rename({"household_id": "_old_household", "statuses": "_old"}),
                   on="_old_household", how="left")
        .join(statuses.rename({"statuses": "_new"}), on="household_id", how="left")
        .join(numbers.rename({"id": "_old_household", "number": "_old_no"}),
              on="_old_household", how="left")
        .join(numbers.rename({"id": "household_id", "number": "_new_no"}),
              on="household_id", how="left")
    )  # fmt: skip
    out: list[Problem] = []
    other_statuses = moved.filter(
        (pl.col("household_id") != pl.col("_old_household"))
        & (pl.col("_old").fill_null("") != pl.col("_new").fill_null(""))
    )
    for row, old, new in other_statuses.select("_row", "_old_no", "_new_no").rows():
        out.append(
            warning(row, bound.header["household_no"], "person.household_statuses",
                    N_("the person moves from household %(old)s to household %(new)s, whose "
                       "poverty statuses differ: the registry keeps no date of the move, so "
                       "those of %(new)s apply to the person on every date, also before the "
                       "move; record the person's own status periods to keep their history"),
                    old=old, new=new)
        )  # fmt: skip
    counties = moved.filter(pl.col("region_code").str.head(6) != pl.col("_old_region").str.head(6))
    where = bound.header.get("village_code", bound.header["household_no"])
    for row, old, new in counties.select("_row", "_old_region", "region_code").rows():
        out.append(
            warning(row, where, "person.county_changed",
                    N_("the person moves from %(old)s to %(new)s, another county: the registry "
                       "keeps no date of the move, so the person's claims of every date count "
                       "in the new county and are settled under its policy"),
                    old=old, new=new)
        )  # fmt: skip
    return out


def _death_before_birth(bound: Bound, rows: pl.DataFrame, prepared: pl.DataFrame) -> list[Problem]:
    """A death dated before the birth (the file's or the resident ID's) is an error: the
    registry's people live from the day of birth (a death on that day is possible)."""
    dates = pl.concat([rows, prepared.select("birth_date", "deceased_on")], how="horizontal")
    early = dates.filter((pl.col("deceased_on") < pl.col("birth_date")).fill_null(False))
    return [
        error(row, bound.header["deceased_on"], "person.death_before_birth",
              N_("the person died on %(died)s, before their birth on %(born)s"),
              died=died, born=born)
        for row, died, born in early.select("_row", "deceased_on", "birth_date").rows()
    ]  # fmt: skip


def write(
    session: Session, prepared: pl.DataFrame, bound: Bound, progress: Progress | None
) -> Counts:
    compare = [*ALWAYS, *(name for name in OPTIONAL if bound.has(name))]
    existing = lookups.persons(session).select("resident_id", "id", *compare)
    return upsert(
        session, Person, prepared, existing,
        key=["resident_id"], pk="id",
        insert_columns=["resident_id", *ALWAYS, *OPTIONAL], compare=compare, progress=progress,
    )  # fmt: skip
