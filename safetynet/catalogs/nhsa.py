"""Import the national medical-insurance edition of ICD-10 (医保疾病诊断分类与代码), xlsx or CSV.

Deployments hold the official file; its columns are ``诊断代码`` and ``诊断名称`` (the
category, chapter and block columns beside them are not needed). Like every import it is
whole or nothing, with problems by row and column; a code already present (the WHO list)
gets the national Chinese title, a new code is added with edition ``nhsa``.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy.orm import Session

from safetynet.i18n import N_
from safetynet.store.models import Diagnosis
from safetynet.tabular.columns import Bound, Column
from safetynet.tabular.problems import Problem, error
from safetynet.tabular.reading import Progress
from safetynet.tabular.values import duplicates, require, too_long
from safetynet.tabular.writing import Counts, load_frame, upsert

COLUMNS = (
    Column("code", ("诊断代码", "疾病代码", "ICD编码", "编码"), True),
    Column("name", ("诊断名称", "疾病名称", "名称"), True),
)
CODE_PATTERN = r"^[A-Z][0-9]{2}(\.[0-9A-Za-z+*]{1,12})?$"
EDITION = "nhsa"
SCHEMA = {"code": pl.String, "title_zh": pl.String, "edition": pl.String}


def validate(session: Session, bound: Bound) -> tuple[pl.DataFrame, list[Problem]]:
    bound.frame = bound.frame.with_columns(pl.col("code").str.to_uppercase().str.replace("X", "x"))
    problems = require(bound, "code", "name")
    problems += too_long(bound, {"code": 16, "name": 255})
    bad = bound.frame.filter(
        pl.col("code").is_not_null() & ~pl.col("code").str.contains(CODE_PATTERN)
    )
    problems += [
        error(row, bound.header["code"], "icd.format",
              N_('"%(value)s" is not an ICD-10 code (a letter, two digits, then an optional dot '
                 "and subcode, e.g. A00.000x001)"), value=code)
        for row, code in bad.select("_row", "code").rows()
    ]  # fmt: skip
    problems += duplicates(
        bound, ["code"], "code", N_("diagnosis code %(value)s is also on row %(first)s")
    )
    prepared = bound.frame.select("code", pl.col("name").alias("title_zh"))
    return prepared, problems


def write(
    session: Session, prepared: pl.DataFrame, bound: Bound, progress: Progress | None
) -> Counts:
    existing = load_frame(session, {k: getattr(Diagnosis, k) for k in SCHEMA}, SCHEMA).drop(
        "edition"
    )
    incoming = prepared.with_columns(pl.lit(EDITION).alias("edition"))
    return upsert(
        session, Diagnosis, incoming, existing,
        key=["code"], pk="code", insert_columns=["code", "title_zh", "edition"],
        compare=["title_zh"], progress=progress,
    )  # fmt: skip
