"""Import households (户), keyed by household number; each lies in an existing village."""

from __future__ import annotations

import polars as pl
from sqlalchemy.orm import Session

from safetynet.i18n import N_
from safetynet.store.models import Household
from safetynet.tabular import lookups
from safetynet.tabular.columns import HOUSEHOLD_COLUMNS, Bound
from safetynet.tabular.problems import Problem
from safetynet.tabular.reading import Progress
from safetynet.tabular.values import duplicates, require, too_long
from safetynet.tabular.writing import Counts, upsert

COLUMNS = HOUSEHOLD_COLUMNS


def validate(session: Session, bound: Bound) -> tuple[pl.DataFrame, list[Problem]]:
    problems = require(bound, "household_no", "village_code")
    problems += too_long(bound, {"household_no": 32, "address": 200})
    problems += duplicates(
        bound, ["household_no"], "household_no",
        N_("household %(value)s is also on row %(first)s; each household may appear only once"),
    )  # fmt: skip
    problems += lookups.check_villages(bound, "village_code", lookups.regions(session))
    address = pl.col("address") if bound.has("address") else pl.lit(None, pl.String)
    prepared = bound.frame.select(
        pl.col("household_no").alias("number"),
        pl.col("village_code").alias("region_code"),
        address.alias("address"),
    )
    return prepared, problems


def write(
    session: Session, prepared: pl.DataFrame, bound: Bound, progress: Progress | None
) -> Counts:
    compare = ["region_code", *(["address"] if bound.has("address") else [])]
    existing = lookups.households(session).select("number", "id", *compare)
    return upsert(
        session, Household, prepared, existing,
        key=["number"], pk="id",
        insert_columns=["number", "region_code", "address"], compare=compare, progress=progress,
    )  # fmt: skip
