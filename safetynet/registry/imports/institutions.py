"""Import designated medical institutions (定点医疗机构), keyed by institution code."""

from __future__ import annotations

import polars as pl
from sqlalchemy.orm import Session

from safetynet.i18n import N_
from safetynet.store.models import Institution
from safetynet.tabular import lookups
from safetynet.tabular.columns import (
    BOOL_VALUES,
    INSTITUTION_COLUMNS,
    LEVEL_VALUES,
    Bound,
)
from safetynet.tabular.problems import Problem, error
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

COLUMNS = INSTITUTION_COLUMNS
ALWAYS = ("name", "level", "in_county")
OPTIONAL = ("region_code", "designated_from", "designated_to", "inpatient", "outpatient")
SCHEMA = {
    "code": pl.String, "name": pl.String, "level": pl.String, "in_county": pl.Boolean,
    "region_code": pl.String, "designated_from": pl.Date, "designated_to": pl.Date,
    "inpatient": pl.Boolean, "outpatient": pl.Boolean,
}  # fmt: skip
DEFAULTS = {"region_code": None, "designated_from": None, "designated_to": None,
            "inpatient": True, "outpatient": True}  # fmt: skip


def validate(session: Session, bound: Bound) -> tuple[pl.DataFrame, list[Problem]]:
    problems = require(bound, "code", "name", "level", "in_county")
    problems += too_long(bound, {"code": 32, "name": 128})
    problems += duplicates(
        bound, ["code"], "code",
        N_("institution code %(value)s is also on row %(first)s; each may appear only once"),
    )  # fmt: skip
    problems += parse_choice(bound, "level", LEVEL_VALUES, N_("institution level"))
    for name in ("in_county", "inpatient", "outpatient"):
        problems += parse_choice(bound, name, BOOL_VALUES, N_("yes / no value"))
    problems += parse_dates(bound, "designated_from", "designated_to")
    if bound.has("designated_from") and bound.has("designated_to"):
        backwards = bound.frame.filter(pl.col("designated_to") <= pl.col("designated_from"))
        for (row,) in backwards.select("_row").rows():
            problems.append(
                error(row, bound.header["designated_to"], "period.backwards",
                      N_("the designation ends before it starts (the end date is exclusive)"))
            )  # fmt: skip
    problems += unknown_keys(
        bound, "region_code", lookups.regions(session)["code"], "region.unknown",
        N_("region %(value)s does not exist in the division table"),
    )  # fmt: skip
    given = {
        name: pl.col(name) if bound.has(name) else pl.lit(None, SCHEMA[name]) for name in OPTIONAL
    }
    prepared = bound.frame.select(
        "code",
        *ALWAYS,
        *(
            pl.coalesce(expr, pl.lit(DEFAULTS[name], SCHEMA[name])).alias(name)
            for name, expr in given.items()
        ),
    )
    return prepared, problems


def write(
    session: Session, prepared: pl.DataFrame, bound: Bound, progress: Progress | None
) -> Counts:
    existing = load_frame(session, {k: getattr(Institution, k) for k in SCHEMA}, SCHEMA)
    compare = [*ALWAYS, *(name for name in OPTIONAL if bound.has(name))]
    return upsert(
        session, Institution, prepared, existing,
        key=["code"], pk="code",
        insert_columns=["code", *ALWAYS, *OPTIONAL], compare=compare, progress=progress,
    )  # fmt: skip
