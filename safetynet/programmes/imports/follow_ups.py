"""Import services done under family-doctor contracts: follow-ups (blood pressure, fasting
glucose, drugs, next date), health checks and drug deliveries, keyed by person, kind and day.

Each row belongs to the person's contract in force on its day. Refused, nothing written: an
unknown person, a person without a contract, a day before the person's first contract or in
no contract, a day after today, a day from the person's death on (the day of death is not a
day alive), one blood pressure without the other, a next date not after the day, a disease
code not in ICD-10, a measurement out of range.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy.orm import Session

from safetynet.codes import Service
from safetynet.i18n import N_
from safetynet.programmes import load
from safetynet.programmes.imports import checks
from safetynet.store.models.programmes import FollowUp
from safetynet.tabular.columns import RESIDENT_ID, Bound, Column
from safetynet.tabular.problems import Problem, error
from safetynet.tabular.reading import Progress
from safetynet.tabular.values import (
    _failing,
    duplicates,
    parse_choice,
    parse_dates,
    require,
    too_long,
)
from safetynet.tabular.writing import Counts, upsert

COLUMNS = (
    RESIDENT_ID,
    Column("kind", ("服务类型", "类型"), True),
    Column("done_on", ("服务日期", "随访日期"), True),
    Column("disease_code", ("疾病编码", "慢病编码", "ICD10")),
    Column("systolic", ("收缩压",), numeric=True),
    Column("diastolic", ("舒张压",), numeric=True),
    Column("glucose", ("空腹血糖", "血糖"), numeric=True),
    Column("drugs", ("用药", "药品")),
    Column("next_on", ("下次随访日期", "下次日期")),
    Column("name", ("姓名",)),  # ignored
)
KINDS = {
    "随访": Service.FOLLOW_UP, "面对面随访": Service.FOLLOW_UP, "follow_up": Service.FOLLOW_UP,
    "体检": Service.HEALTH_CHECK, "健康体检": Service.HEALTH_CHECK,
    "health_check": Service.HEALTH_CHECK,
    "送药": Service.DRUG_DELIVERY, "送药上门": Service.DRUG_DELIVERY,
    "drug_delivery": Service.DRUG_DELIVERY,
}  # fmt: skip
RECORDED_BY = "import"
WRITTEN = ["contract_id", "person_id", "kind", "done_on", "disease_code", "systolic",
           "diastolic", "glucose_tenths", "drugs", "next_on"]  # fmt: skip
COMPARED = ["disease_code", "systolic", "diastolic", "glucose_tenths", "drugs", "next_on"]
LIMITS = {"systolic": (50, 300), "diastolic": (30, 200)}  # mmHg
GLUCOSE = (10, 400)  # tenths of mmol/L: 1.0 to 40.0


def in_contract(rows: pl.DataFrame, contracts: pl.DataFrame) -> pl.DataFrame:
    """``rows`` (``person_id``, ``done_on``, ``_row``) with the contract in force on the day
    (``contract_id``, null when none) and the person's first contract day (``first_from``)."""
    c = contracts.select(pl.col("id").alias("contract_id"), "person_id", "valid_from", "valid_to")
    hit = (
        rows.select("_row", "person_id", "done_on")
        .join(c, on="person_id")
        .filter(pl.col("valid_from") <= pl.col("done_on"), pl.col("done_on") < pl.col("valid_to"))
        .group_by("_row")
        .agg(pl.col("contract_id").max())
    )
    first = c.group_by("person_id").agg(pl.col("valid_from").min().alias("first_from"))
    return rows.join(hit, on="_row", how="left").join(first, on="person_id", how="left")


def _pressure_pairs(bound: Bound) -> list[Problem]:
    """Both blood pressures or neither, as the doctor's form takes them: one alone was
    imported and counted as uncontrolled in the control rate."""
    if not (bound.has("systolic") or bound.has("diastolic")):
        return []
    given = {k: (pl.col(k).is_not_null() if bound.has(k) else pl.lit(False))
             for k in ("systolic", "diastolic")}  # fmt: skip
    out = []
    for name, other in (("systolic", "diastolic"), ("diastolic", "systolic")):
        if not bound.has(name):
            continue
        column = bound.header.get(other, bound.header[name])
        out += [
            error(r["_row"], column, "follow_up.pressure_pair",
                  N_("give the systolic and the diastolic pressure, or neither"))
            for r in _failing(bound, given[name] & ~given[other], name)
        ]  # fmt: skip
    return out


def validate(session: Session, bound: Bound) -> tuple[pl.DataFrame, list[Problem]]:
    problems = require(bound, "resident_id", "kind", "done_on")
    problems += too_long(bound, {"drugs": 200})
    problems += parse_choice(bound, "kind", KINDS, N_("kind of service"))
    problems += parse_dates(bound, "done_on", "next_on")
    problems += checks.dates_within(bound, "done_on", "next_on")
    problems += checks.done_by_today(bound, "done_on")
    persons = load.persons(session)
    problems += checks.known_persons(bound, persons)
    problems += checks.icd10_codes(bound, "disease_code")
    problems += _pressure_pairs(bound)  # on the cells as written, before they are parsed
    problems += checks.whole_numbers(bound, LIMITS)
    problems += checks.tenths(bound, "glucose", *GLUCOSE)
    if bound.has("next_on"):
        problems += [
            error(r["_row"], bound.header["next_on"], "follow_up.next_before",
                  N_("the next date %(value)s is not after the day of the service %(day)s"),
                  value=r["next_on"], day=r["done_on"])
            for r in _failing(bound, pl.col("next_on") <= pl.col("done_on"), "next_on",
                              "done_on")
        ]  # fmt: skip
    problems += duplicates(
        bound, ["resident_id", "kind", "done_on"], "resident_id",
        N_("%(value)s has the same service on the same day on row %(first)s; give it only once"),
    )  # fmt: skip
    rows = bound.frame.filter(pl.col("done_on").is_not_null()).join(
        persons.select("resident_id", "person_id", "deceased_on"), on="resident_id"
    )
    problems += [
        error(r["_row"], bound.header["done_on"], "follow_up.after_death",
              N_("the service on %(value)s is not before the person's death on %(death)s"),
              value=r["done_on"], death=r["deceased_on"])
        for r in rows.filter(pl.col("done_on") >= pl.col("deceased_on")).sort("_row").to_dicts()
    ]  # fmt: skip
    placed = in_contract(rows, load.contracts(session, dt.date.min, dt.date.max))
    header = bound.header["done_on"]
    for r in placed.filter(pl.col("contract_id").is_null()).sort("_row").to_dicts():
        if r["first_from"] is None:
            problems.append(error(
                r["_row"], bound.header["resident_id"], "follow_up.no_contract",
                N_("%(value)s has no family-doctor contract; import the contract first"),
                value=r["resident_id"],
            ))  # fmt: skip
        elif r["done_on"] < r["first_from"]:
            problems.append(error(
                r["_row"], header, "follow_up.before_contract",
                N_("the service on %(value)s is before the person's contract, which starts on "
                   "%(start)s"), value=r["done_on"], start=r["first_from"],
            ))  # fmt: skip
        else:
            problems.append(error(
                r["_row"], header, "follow_up.outside_contract",
                N_("the person has no contract in force on %(value)s"), value=r["done_on"],
            ))  # fmt: skip
    optional = [
        (pl.col(k) if bound.has(k) else pl.lit(None, dtype)).alias(k)
        for k, dtype in (("disease_code", pl.String), ("systolic", pl.Int64),
                         ("diastolic", pl.Int64), ("drugs", pl.String), ("next_on", pl.Date))
    ]  # fmt: skip
    glucose = pl.col("glucose") if bound.has("glucose") else pl.lit(None, pl.Int64)
    prepared = placed.filter(pl.col("contract_id").is_not_null()).select(
        "contract_id", "person_id", "kind", "done_on", *optional,
        glucose.alias("glucose_tenths"),
    )  # fmt: skip
    return prepared, problems


def write(
    session: Session, prepared: pl.DataFrame, bound: Bound, progress: Progress | None
) -> Counts:
    old = load.follow_ups(session, dt.date.min, dt.date.max).select(
        "id", "contract_id", "kind", "done_on", *COMPARED
    )
    return upsert(
        session, FollowUp, prepared.with_columns(pl.lit(RECORDED_BY).alias("recorded_by")),
        old, key=["contract_id", "kind", "done_on"], pk="id",
        insert_columns=[*WRITTEN, "recorded_by"], compare=COMPARED, progress=progress,
    )  # fmt: skip
