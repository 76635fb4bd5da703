"""Import family-doctor teams (doctor, nurse, public-health worker) of a township or village,
keyed by team code."""

from __future__ import annotations

import polars as pl
from sqlalchemy.orm import Session

from safetynet.i18n import N_
from safetynet.store.models import Institution
from safetynet.store.models.programmes import DoctorTeam
from safetynet.tabular import lookups
from safetynet.tabular.columns import Bound, Column
from safetynet.tabular.problems import Problem, error
from safetynet.tabular.reading import Progress
from safetynet.tabular.values import duplicates, require, too_long, unknown_keys
from safetynet.tabular.writing import Counts, load_frame, upsert

COLUMNS = (
    Column("team", ("团队编号", "团队编码", "team_code"), True),
    Column("region_code", ("行政区划代码", "村代码", "乡镇代码"), True),
    Column("doctor", ("医生", "签约医生", "家庭医生"), True),
    Column("nurse", ("护士",)),
    Column("public_health", ("公卫人员", "公共卫生人员")),
    Column("institution_code", ("机构编码", "所属机构")),
)
_TEXT = ["region_code", "doctor", "nurse", "public_health", "institution_code"]


def existing(session: Session) -> pl.DataFrame:
    T = DoctorTeam
    return load_frame(
        session, {"code": T.code, "id": T.id, **{k: getattr(T, k) for k in _TEXT}},
        {"code": pl.String, "id": pl.Int64, **dict.fromkeys(_TEXT, pl.String)},
    )  # fmt: skip


def validate(session: Session, bound: Bound) -> tuple[pl.DataFrame, list[Problem]]:
    problems = require(bound, "team", "region_code", "doctor")
    problems += too_long(bound, {"team": 32, "doctor": 64, "nurse": 64, "public_health": 64})
    problems += duplicates(
        bound, ["team"], "team",
        N_("team %(value)s is also on row %(first)s; each team may appear only once"),
    )  # fmt: skip
    regions = lookups.regions(session)
    problems += unknown_keys(
        bound, "region_code", regions["code"], "region.unknown",
        N_("region %(value)s does not exist in the division table"),
    )  # fmt: skip
    levels = bound.frame.join(regions.rename({"code": "region_code"}), on="region_code")
    problems += [
        error(r["_row"], bound.header["region_code"], "team.region_level",
              N_("%(value)s is not a township or village; a team serves one of them"),
              value=r["region_code"])
        for r in levels.filter(~pl.col("level").is_in(["township", "village"])).to_dicts()
    ]  # fmt: skip
    if bound.has("institution_code"):
        codes = load_frame(session, {"code": Institution.code}, {"code": pl.String})["code"]
        problems += unknown_keys(
            bound, "institution_code", codes, "institution.unknown",
            N_("there is no institution %(value)s; import the institutions first"),
        )  # fmt: skip
    columns = [pl.col("team").alias("code")] + [
        (pl.col(k) if bound.has(k) else pl.lit(None, pl.String)).alias(k) for k in _TEXT
    ]
    return bound.frame.select(columns), problems


def write(
    session: Session, prepared: pl.DataFrame, bound: Bound, progress: Progress | None
) -> Counts:
    return upsert(
        session, DoctorTeam, prepared, existing(session), key=["code"], pk="id",
        insert_columns=["code", *_TEXT], compare=_TEXT, progress=progress,
    )  # fmt: skip
