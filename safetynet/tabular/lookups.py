"""Registry lookups the importers validate against, each read in one query as a Polars frame."""

from __future__ import annotations

import polars as pl
from sqlalchemy.orm import Session

from safetynet.codes import RegionLevel
from safetynet.i18n import N_
from safetynet.store.models import Household, Person, Region
from safetynet.tabular.columns import Bound
from safetynet.tabular.problems import Problem, error
from safetynet.tabular.values import unknown_keys
from safetynet.tabular.writing import load_frame

# Region levels as users read them (English message ids, translated where shown).
REGION_LEVELS = {"province": N_("province"), "city": N_("city"), "county": N_("county"),
                 "township": N_("township"), "village": N_("village")}  # fmt: skip


def regions(session: Session) -> pl.DataFrame:
    return load_frame(
        session,
        {"code": Region.code, "level": Region.level},
        {"code": pl.String, "level": pl.String},
    )


def households(session: Session) -> pl.DataFrame:
    return load_frame(
        session,
        {"number": Household.number, "id": Household.id, "region_code": Household.region_code,
         "address": Household.address},
        {"number": pl.String, "id": pl.Int64, "region_code": pl.String, "address": pl.String},
    )  # fmt: skip


PERSON_SCHEMA = {
    "resident_id": pl.String, "id": pl.Int64, "name": pl.String, "sex": pl.String,
    "birth_date": pl.Date, "household_id": pl.Int64, "relation": pl.String,
    "region_code": pl.String, "phone": pl.String, "deceased_on": pl.Date,
}  # fmt: skip


def persons(session: Session) -> pl.DataFrame:
    return load_frame(session, {k: getattr(Person, k) for k in PERSON_SCHEMA}, PERSON_SCHEMA)


def check_villages(bound: Bound, name: str, known: pl.DataFrame) -> list[Problem]:
    """Unknown codes are errors, and so are codes of a township or county given as a village."""
    out = unknown_keys(
        bound, name, known["code"], "village.unknown",
        N_("village %(value)s does not exist in the division table"),
    )  # fmt: skip
    if not bound.has(name):
        return out
    levels = bound.frame.select("_row", name).join(
        known.rename({"code": name}), on=name, how="inner"
    )
    for row, code, level in levels.filter(pl.col("level") != RegionLevel.VILLAGE.value).iter_rows():
        out.append(
            error(row, bound.header[name], "village.level",
                  N_("%(value)s is a %(level)s, not a village"), ("level",), value=code,
                  level=REGION_LEVELS.get(level, level))
        )  # fmt: skip
    return out
