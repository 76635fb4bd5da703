"""Import family-doctor contracts, keyed by person and first day.

A contract runs from ``valid_from`` for the programme's term (``valid_to`` when given); a
contract starting the day another of the person's ends renews it. The fee is the package's,
nothing for a person whose poverty status on the first day is one the package is free for.
Refused, nothing written: an unknown person, team or package, a disease code not in ICD-10,
an end before the start, a contract overlapping another of the person's, a contract starting
on or after the person's death, a contract signed on or after its end (``valid_to``).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, aliased

from safetynet.clock import local_today
from safetynet.codes import PovertyStatus
from safetynet.engine.facts import status_mask
from safetynet.i18n import N_
from safetynet.programmes import load
from safetynet.programmes.imports import checks, teams
from safetynet.programmes.rules import rules_for
from safetynet.programmes.schema import ProgrammeRules
from safetynet.registry.status import periods_frame, status_masks_at
from safetynet.store.models.programmes import DoctorContract
from safetynet.tabular.columns import RESIDENT_ID, Bound, Column
from safetynet.tabular.problems import Problem, error, warning
from safetynet.tabular.reading import Progress
from safetynet.tabular.values import (
    _failing,
    duplicates,
    parse_dates,
    require,
    too_long,
    unknown_keys,
)
from safetynet.tabular.writing import Counts, upsert

COLUMNS = (
    RESIDENT_ID,
    Column("team", ("团队编号", "签约团队", "team_code"), True),
    Column("package", ("服务包", "签约服务包"), True),
    Column("signed_on", ("签约日期",), True),
    Column("valid_from", ("开始日期", "生效日期"), True),
    Column("valid_to", ("结束日期", "到期日期")),
    Column("disease_code", ("疾病编码", "慢病编码", "ICD10")),
    Column("health_record_no", ("健康档案号", "电子健康档案编号")),
    Column("name", ("姓名",)),  # ignored, allowed so lists can be read as they are
)
RECORDED_BY = "import"
WRITTEN = ["person_id", "team_id", "package", "signed_on", "valid_from", "valid_to", "fee_fen",
           "free", "health_record_no", "disease_code", "renews_id"]  # fmt: skip
COMPARED = [c for c in WRITTEN if c not in ("person_id", "valid_from")]
CHUNK = 5_000  # persons per statement (bound parameters)


def _free(session: Session, prepared: pl.DataFrame, free_for: dict[str, list[str]]) -> pl.Series:
    """Whether each row's person holds, on its first day, a status its package is free for, as
    the registry resolves statuses (:func:`~safetynet.registry.status.held`: within a family a
    person's own period overrides the household's, so a member recorded exited in a
    registered-poor household pays)."""
    people = load.persons(session).select("person_id", "household_id")
    rows = prepared.select("person_id", "_programme", "package", "valid_from").join(
        people, on="person_id", how="left", maintain_order="left"
    )
    masks = status_masks_at(
        periods_frame(session),
        rows.select("person_id", "household_id", pl.col("valid_from").alias("date")),
    )
    wanted = {p: status_mask({PovertyStatus(s) for s in ss}) if ss else 0
              for p, ss in free_for.items()}  # fmt: skip
    key = rows["_programme"] + "/" + rows["package"]  # free_for: by programme and package
    bits = key.replace_strict(wanted, default=0, return_dtype=pl.Int64)
    return ((masks & bits) != 0).fill_null(False)


YEARS_CHECKED = 5  # a given end checked against the first five anniversaries


def _end_looks_inclusive(bound: Bound, months: pl.Expr) -> list[Problem]:
    """A warning for a given end (``valid_to``, exclusive: the day after the last day) on the
    day before an anniversary of the start, a whole number of terms: a contract written
    "from 1 January to 31 December" (the last day, as a contract's text gives it) would lose
    its last day here, with the slot due on it and the renewal from the next day."""
    end = pl.col("valid_to")
    after = end.dt.offset_by("1d")
    whole = pl.any_horizontal([
        after == pl.col("valid_from").dt.offset_by((months * n).cast(pl.String) + "mo")
        for n in range(1, YEARS_CHECKED + 1)
    ])  # fmt: skip
    return [
        warning(r["_row"], bound.header["valid_to"], "contract.end_inclusive",
                N_("the contract ends on %(end)s, the day before a full term: the end date "
                   "is the day after the last day, so %(end)s is not in the contract; if it "
                   "is, give %(next)s"),
                end=r["valid_to"], next=r["valid_to"] + dt.timedelta(days=1))
        for r in _failing(bound, end.is_not_null() & pl.col("valid_from").is_not_null()
                          & (end > pl.col("valid_from")) & whole, "valid_to", "valid_from")
    ]  # fmt: skip


def _programmes(
    frame: pl.DataFrame, persons: pl.DataFrame
) -> tuple[pl.Series, dict[str, ProgrammeRules]]:
    """Each row's programme file (its id, and the files by id): the one in force for the
    person's county on the contract's first day (:func:`rules_for`: the county's own file,
    else the national one); a row of an unknown person, of no readable first day or of a day
    no file covers is read by the file in force for its region today."""
    today = local_today()
    given = [
        (pl.col(c) if c in frame.columns else pl.lit(None, t)).alias(c)
        for c, t in (("resident_id", pl.String), ("valid_from", pl.Date))
    ]
    keyed = frame.select(given).join(
        persons.select("resident_id", "region_code"), on="resident_id", how="left",
        maintain_order="left",
    )  # fmt: skip
    chosen: dict[tuple[str, dt.date], ProgrammeRules] = {}
    ids = []
    for region, day in keyed.select("region_code", "valid_from").iter_rows():
        key = (region or "", day or today)
        if key not in chosen:
            try:
                chosen[key] = rules_for(*key)
            except LookupError:
                chosen[key] = rules_for(key[0], today)
        ids.append(chosen[key].id)
    return pl.Series("_programme", ids, pl.String), {r.id: r for r in chosen.values()}


def validate(session: Session, bound: Bound) -> tuple[pl.DataFrame, list[Problem]]:
    problems = require(bound, "resident_id", "team", "package", "signed_on", "valid_from")
    problems += too_long(bound, {"health_record_no": 32})
    problems += parse_dates(bound, "signed_on", "valid_from", "valid_to")
    problems += checks.dates_within(bound, "signed_on", "valid_from", "valid_to")
    persons = load.persons(session)
    problems += checks.known_persons(bound, persons)
    programme, files = _programmes(bound.frame, persons)
    bound.frame = bound.frame.with_columns(programme)
    # a row's package as its programme file names it (a county's file may have its own)
    key = pl.col("_programme") + "/" + pl.col("package")
    packages = {f"{f.id}/{p.id}": p for f in files.values() for p in f.packages}
    choices = {f.id: ", ".join(p.id for p in f.packages) for f in files.values()}
    problems += checks.icd10_codes(bound, "disease_code")
    known_teams = teams.existing(session)
    problems += unknown_keys(
        bound, "team", known_teams["code"], "team.unknown",
        N_("there is no family-doctor team %(value)s; import the teams first"),
    )  # fmt: skip
    problems += [
        error(r["_row"], bound.header["package"], "package.unknown",
              N_('"%(value)s" is not a service package; use one of %(choices)s'),
              value=r["package"], choices=choices[r["_programme"]])
        for r in _failing(bound, pl.col("package").is_not_null()
                          & ~key.is_in(list(packages)), "package", "_programme")
    ]  # fmt: skip
    months = pl.col("_programme").replace_strict(
        {i: f.contracts.term_months for i, f in files.items()}, return_dtype=pl.Int64
    )
    end = pl.col("valid_to") if bound.has("valid_to") else pl.lit(None, pl.Date)
    frame = bound.frame.with_columns(
        pl.coalesce(end, pl.col("valid_from").dt.offset_by(months.cast(pl.String) + "mo")).alias(
            "valid_to"
        )
    )
    bound.frame = frame
    problems += [
        error(r["_row"], bound.header.get("valid_to", bound.header["valid_from"]),
              "contract.period", N_("the contract ends on %(end)s, not after it starts"),
              end=r["valid_to"])
        for r in _failing(bound, pl.col("valid_to") <= pl.col("valid_from"), "valid_to")
    ]  # fmt: skip
    if bound.has("valid_to"):
        problems += _end_looks_inclusive(bound, months)
    problems += [
        error(r["_row"], bound.header["signed_on"], "contract.signed_after_end",
              N_("signed on %(value)s, after the contract ends on %(end)s"),
              value=r["signed_on"], end=r["valid_to"])
        for r in _failing(bound, pl.col("signed_on") >= pl.col("valid_to"), "signed_on",
                          "valid_to")
    ]  # fmt: skip
    problems += duplicates(
        bound, ["resident_id", "valid_from"], "resident_id",
        N_("%(value)s has a contract from the same day on row %(first)s; give it only once"),
    )  # fmt: skip
    dead = frame.join(persons.select("resident_id", "deceased_on"), on="resident_id").filter(
        pl.col("valid_from") >= pl.col("deceased_on")
    )
    problems += [
        error(r["_row"], bound.header["valid_from"], "contract.after_death",
              N_("the contract starts on %(value)s, not before the person's death on %(death)s"),
              value=r["valid_from"], death=r["deceased_on"])
        for r in dead.sort("_row").to_dicts()
    ]  # fmt: skip
    rows = (
        frame.join(persons.select("resident_id", "person_id"), on="resident_id")
        .join(known_teams.select(pl.col("code").alias("team"), pl.col("id").alias("team_id")),
              on="team")
        .filter(key.is_in(list(packages)), pl.col("valid_to") > pl.col("valid_from"))
    )  # fmt: skip
    old = load.contracts(session, dt.date.min, dt.date.max)
    both = pl.concat([
        rows.select("_row", "person_id", "valid_from", "valid_to"),
        old.join(rows.select("person_id", "valid_from"), on=["person_id", "valid_from"],
                 how="anti").select(pl.lit(None, pl.Int64).alias("_row"), "person_id",
                                    "valid_from", "valid_to"),
    ])  # fmt: skip
    pairs = both.join(both, on="person_id", suffix="_o").filter(
        pl.col("_row").is_not_null(),
        pl.col("valid_from") != pl.col("valid_from_o"),
        pl.col("valid_from") < pl.col("valid_to_o"),
        pl.col("valid_from_o") < pl.col("valid_to"),
    )
    problems += [
        error(r["_row"], bound.header["valid_from"], "contract.overlap",
              N_("overlaps the person's contract from %(start)s to %(end)s"),
              start=r["valid_from_o"], end=r["valid_to_o"])
        for r in pairs.unique("_row", keep="first").sort("_row").to_dicts()
    ]  # fmt: skip
    free = _free(session, rows, {k: [s.value for s in p.free_for] for k, p in packages.items()})
    fee = key.replace_strict({k: p.fee for k, p in packages.items()},
                             return_dtype=pl.Int64)  # fmt: skip
    renews = old.select(pl.col("id").alias("renews_id"), "person_id",
                        pl.col("valid_to").alias("valid_from"))  # fmt: skip
    optional = [
        (pl.col(k) if bound.has(k) else pl.lit(None, pl.String)).alias(k)
        for k in ("health_record_no", "disease_code")
    ]
    prepared = (
        rows.with_columns(free.alias("free"))
        .join(renews, on=["person_id", "valid_from"], how="left")
        .select(
            "person_id", "team_id", "package", "signed_on", "valid_from", "valid_to",
            pl.when("free").then(0).otherwise(fee).alias("fee_fen"), "free", *optional,
            "renews_id",
        )
    )  # fmt: skip
    return prepared, problems


def write(
    session: Session, prepared: pl.DataFrame, bound: Bound, progress: Progress | None
) -> Counts:
    old = load.contracts(session, dt.date.min, dt.date.max).select(
        "id", "person_id", "valid_from", *COMPARED
    )
    counts = upsert(
        session, DoctorContract, prepared.with_columns(pl.lit(RECORDED_BY).alias("recorded_by")),
        old, key=["person_id", "valid_from"], pk="id",
        insert_columns=[*WRITTEN, "recorded_by"], compare=COMPARED, progress=progress,
    )  # fmt: skip
    _link_renewals(session, prepared)
    return counts


def _link_renewals(session: Session, prepared: pl.DataFrame) -> None:
    """A contract of the file that starts the day another of the same file ends renews it:
    ``validate`` named only the contracts already in the database (the file's own had no id
    yet). Only the file's persons are touched; a renewal already named is kept."""
    C, prev = DoctorContract, aliased(DoctorContract)
    earlier = select(prev.id).where(prev.person_id == C.person_id, prev.valid_to == C.valid_from)
    ids = prepared["person_id"].unique().sort().to_list()
    for i in range(0, len(ids), CHUNK):
        session.execute(
            update(C)
            .where(C.person_id.in_(ids[i : i + CHUNK]), C.renews_id.is_(None), exists(earlier))
            .values(renews_id=earlier.scalar_subquery())
        )
