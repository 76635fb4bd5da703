"""The programme of a synthetic county, generated over a county already loaded and settled:
a family-doctor team per village, contracts for the target population, the services done
under them, and the year's screened patients taken through their states.

The rates are the seeds' (constants below, each with its source); the draws are seeded per
person (``hash(seed, person)``), so the same county gives the same programme. Everything is
written set-based (one bulk insert per table), its rows sorted first, so their ids do not
depend on the order the database or Polars' joins returned them in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet.codes import Batch, PatientState, Screening
from safetynet.programmes import load
from safetynet.programmes.imports.teams import existing as existing_teams
from safetynet.programmes.patients import screen_year
from safetynet.programmes.plan import disease_prefix, slots
from safetynet.programmes.rules import rules_for
from safetynet.programmes.screen import within_age
from safetynet.regions import descendants
from safetynet.store.models import Region
from safetynet.store.models.programmes import (
    DoctorContract,
    DoctorTeam,
    FollowUp,
    ProgrammePatient,
)
from safetynet.tabular.writing import bulk_insert, bulk_update

BY = "synth"
CONTRACT_RATE = 0.99  # 003: contract rate above 98 %; 000: 100 % of the poor
DELIVERY_RATE = 0.985  # 003: delivery rate (履约率) above 98 %
LATE_SHARE = 0.05  # of services done, done after the on-time window (design default)
HEALTH_RECORD_RATE = 1.0  # 000, 004: every poor person has an e-health record
TREATED = {Batch.SERIOUS: 0.981, Batch.CRITICAL: 0.982, Batch.CHRONIC: 0.996}  # 000, 2017
KIND_CODE = {"follow_up": 1, "health_check": 2, "drug_delivery": 3}  # part of a slot's draw key
HYPERTENSION_CONTROLLED = 0.7  # design default (L): about 70 % below 140/90
DIABETES_CONTROLLED = 0.6  # design default (L): about 60 % below 7.0 mmol/L
# 000: Guyuan's 2017 verified poor patients by batch (76 % / 14 % / 10 % of 12,553)
MIX = {Batch.CHRONIC: 9_522, Batch.SERIOUS: 1_802, Batch.CRITICAL: 1_229}


@dataclass(frozen=True)
class Generated:
    teams: int
    contracts: int
    services: int
    patients: int
    by_state: dict[str, int]


def _draw(seed: int, ids: pl.Series, salt: int) -> np.ndarray:
    """A uniform [0, 1) per id, the same whatever else the county holds."""
    keys = ids.cast(pl.UInt64).to_numpy() * np.uint64(0x9E3779B97F4A7C15) + np.uint64(
        (seed * 1_000_003 + salt) & 0xFFFFFFFF
    )
    keys ^= keys >> np.uint64(31)
    keys *= np.uint64(0xBF58476D1CE4E5B9)
    keys ^= keys >> np.uint64(29)
    return (keys >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _teams(session: Session) -> pl.DataFrame:
    villages = session.execute(
        select(Region.code).where(Region.level == "village").order_by(Region.code)
    ).scalars().all()  # fmt: skip
    have = existing_teams(session)
    new = (
        pl.DataFrame({"region_code": villages})
        .join(have.select("region_code"), on="region_code", how="anti")
        .sort("region_code")
        .with_row_index("n")
    )
    rows = new.select(
        ("T" + pl.col("region_code")).alias("code"), "region_code",
        ("村医" + (pl.col("n") + 1).cast(pl.String)).alias("doctor"),
        ("护士" + (pl.col("n") + 1).cast(pl.String)).alias("nurse"),
        ("公卫" + (pl.col("n") + 1).cast(pl.String)).alias("public_health"),
    )  # fmt: skip
    bulk_insert(session, DoctorTeam, rows, rows.columns)
    return existing_teams(session)


def _contracts(session: Session, year: int, seed: int, claims: pl.DataFrame) -> int:
    rules = rules_for("", dt.date(year, 1, 1))
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    people = load.targets(session, rules.contracts.target_statuses, start, end)
    have = load.contracts(session, start, end).select("person_id")
    people = people.join(have, on="person_id", how="anti").sort("person_id")
    teams = _teams(session).select(pl.col("id").alias("team_id"), "region_code")
    hyper = rules.disease_list(rules.control.hypertension_list).prefixes()
    diab = rules.disease_list(rules.control.diabetes_list).prefixes()
    pattern = "^(?:" + "|".join(hyper + diab) + ")"
    chronic = (
        claims.filter(disease_prefix("diagnosis").str.contains(pattern))
        .sort("start_date", "claim_id")
        .group_by("person_id")
        .agg(pl.col("diagnosis").first().str.to_uppercase().alias("disease_code"))
    )
    ids = people["person_id"]
    frame = (
        people.with_columns(
            pl.Series("_sign", _draw(seed, ids, 1)),
            pl.Series("_day", (_draw(seed, ids, 2) * 60).astype(np.int64)),
            pl.Series("_record", _draw(seed, ids, 3)),
        )
        .filter(pl.col("_sign") < CONTRACT_RATE)
        .join(teams, on="region_code")
        .join(chronic, on="person_id", how="left")
    )
    valid_from = pl.lit(start) + pl.duration(days=pl.col("_day"))
    rows = frame.select(
        "person_id", "team_id",
        pl.when(pl.col("disease_code").is_null()).then(pl.lit("basic")).otherwise(
            pl.lit("chronic")).alias("package"),
        valid_from.alias("signed_on"), valid_from.alias("valid_from"),
        valid_from.dt.offset_by(f"{rules.contracts.term_months}mo").alias("valid_to"),
        pl.lit(0, pl.Int64).alias("fee_fen"), pl.lit(True).alias("free"),
        pl.when(pl.col("_record") < HEALTH_RECORD_RATE)
        .then(pl.format("HR{}", pl.col("person_id"))).alias("health_record_no"),
        "disease_code", pl.lit(BY).alias("recorded_by"),
    ).sort("person_id")  # fmt: skip
    return bulk_insert(session, DoctorContract, rows, rows.columns)


def _services(session: Session, year: int, seed: int) -> int:
    rules = rules_for("", dt.date(year, 1, 1))
    contracts = load.contracts(session, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    done = load.follow_ups(session, dt.date.min, dt.date.max)
    # only contracts without any service yet: a second run adds nothing
    contracts = contracts.join(
        done.select(pl.col("contract_id").alias("id")).unique(), on="id", how="anti"
    )
    planned = slots(rules, contracts, done.select("contract_id", "kind", "done_on"))
    # in a fixed order: the rows the database returned and the joins since left none
    todo = planned.filter(pl.col("done_on").is_null()).sort("contract_id", "kind", "k")
    kind = todo["kind"].replace_strict(KIND_CODE, return_dtype=pl.Int64)
    key = todo["contract_id"] * 1000 + todo["k"] * 10 + kind
    u_done, u_late, u_day = (_draw(seed, key, s) for s in (11, 12, 13))
    u_bp, u_gl = _draw(seed, key, 14), _draw(seed, key, 15)
    late = rules.contracts.on_time_days + 1 + (u_day * 30).astype(np.int64)
    early = (u_day * 40).astype(np.int64)
    offset = np.where(u_late < LATE_SHARE, late, -early)
    c = contracts.select(pl.col("id").alias("contract_id"), "valid_from", "valid_to",
                         "disease_code")  # fmt: skip
    rows = (
        todo.with_columns(
            pl.Series("_done", u_done),
            pl.Series("_off", offset),
            pl.Series("_bp", u_bp),
            pl.Series("_gl", u_gl),
        )
        .filter(pl.col("_done") < DELIVERY_RATE)
        .join(c, on="contract_id")
        .with_columns(
            pl.min_horizontal(
                pl.max_horizontal(
                    pl.col("due_on") + pl.duration(days=pl.col("_off")), pl.col("valid_from")
                ),
                pl.col("valid_to") - pl.duration(days=1),
                pl.lit(dt.date(year, 12, 31)),
            ).alias("done_on")
        )
        .sort("contract_id", "kind", "k")
        .unique(["contract_id", "kind", "done_on"], keep="first", maintain_order=True)
    )
    hyper = "^(?:" + "|".join(rules.disease_list(rules.control.hypertension_list).prefixes()) + ")"
    diab = "^(?:" + "|".join(rules.disease_list(rules.control.diabetes_list).prefixes()) + ")"
    code = disease_prefix().fill_null("")
    measured = pl.col("kind").is_in(["follow_up", "health_check"])
    bp = measured & (code.str.contains(hyper) | (pl.col("kind") == "health_check"))
    gl = measured & (code.str.contains(diab) | (pl.col("kind") == "health_check"))
    ok_bp = pl.col("_bp") < HYPERTENSION_CONTROLLED
    ok_gl = pl.col("_gl") < DIABETES_CONTROLLED
    out = rows.select(
        "contract_id", "person_id", "kind", "done_on",
        pl.when(measured).then(pl.col("disease_code")).alias("disease_code"),
        pl.when(bp).then(pl.when(ok_bp).then(118 + (pl.col("_bp") * 30).cast(pl.Int64))
                         .otherwise(140 + (pl.col("_bp") * 40).cast(pl.Int64))).alias("systolic"),
        pl.when(bp).then(pl.when(ok_bp).then(70 + (pl.col("_bp") * 25).cast(pl.Int64))
                         .otherwise(85 + (pl.col("_bp") * 15).cast(pl.Int64))).alias("diastolic"),
        pl.when(gl).then(pl.when(ok_gl).then(48 + (pl.col("_gl") * 35).cast(pl.Int64))
                         .otherwise(70 + (pl.col("_gl") * 60).cast(pl.Int64))
                         ).alias("glucose_tenths"),
        pl.when(pl.col("kind") != "health_check").then(pl.lit("常规用药")).alias("drugs"),
        pl.when(pl.col("kind") == "follow_up").then(
            pl.col("done_on") + pl.duration(days=90)).alias("next_on"),
        pl.lit(BY).alias("recorded_by"),
    ).sort("contract_id", "kind", "done_on")  # fmt: skip
    return bulk_insert(session, FollowUp, out, out.columns)


def _registry(session: Session, year: int, seed: int, region_code: str) -> int:
    """Serious and critical patients verified from the registry (certificates, the health
    commission's lists) up to Guyuan's mix (:data:`MIX`) beside the chronic patients the
    claims screened: a county's claims of one year show few of the serious (the nine major
    diseases are treated outside it, before the year) and fewer still reach the critical
    line, while the seed counts every verified patient."""
    rules = rules_for(region_code, dt.date(year, 12, 31))
    have = load.patients(session, year)
    counts = dict(have.group_by("batch").len().iter_rows())
    chronic = counts.get(Batch.CHRONIC.value, 0)
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    people = load.targets(session, rules.contracts.target_statuses, start, end)
    people = people.filter(pl.col("region_code").is_in(descendants(session, region_code)))
    people = people.select("person_id", "birth_date").sort("person_id")
    added = []
    for salt, batch in ((31, Batch.SERIOUS), (32, Batch.CRITICAL)):
        short = round(chronic * MIX[batch] / MIX[Batch.CHRONIC]) - counts.get(batch.value, 0)
        if short <= 0:
            continue
        taken = have.filter(pl.col("batch").is_in([b.value for b in MIX])).select("person_id")
        free = people.join(taken, on="person_id", how="anti")
        ids = free["person_id"]
        picked = (
            free.with_columns(
                pl.Series("_u", _draw(seed, ids, salt)),
                pl.Series("_day", (_draw(seed, ids, salt + 10) * 365).astype(np.int64)),
                pl.Series("_code", _draw(seed, ids, salt + 20)),
            )
            .sort("_u", "person_id")
            .head(short)
        )
        lists = [
            dl for dl in rules.batch(batch).lists if dl.applies(region_code, end - dt.timedelta(1))
        ]
        codes = lists[0].prefixes() if lists else []

        def drawn(among: list[str]) -> pl.Expr:
            return pl.lit(among, pl.List(pl.String)).list.get(
                (pl.col("_code") * len(among)).cast(pl.Int64).clip(0, len(among) - 1)
            ) if among else pl.lit(None, pl.String)  # fmt: skip

        # a disease bound by age (the children's) drawn for a person past it: one of the
        # list's others, drawn alike (the programme's rule, screen.within_age)
        bounded = {p for a in rules.age_bounds for p in a.prefixes()}
        others = [c for c in codes if not any(c.startswith(b) for b in bounded)]
        picked = picked.with_columns(drawn(codes).alias("_drawn"),
                                     (pl.lit(start) + pl.duration(days=pl.col("_day")))
                                     .alias("_on"))  # fmt: skip
        code = (
            pl.when(within_age(rules, "_drawn", "_on", "birth_date"))
            .then(pl.col("_drawn"))
            .otherwise(drawn(others))
        )
        added.append(picked.select(
            pl.lit(year).alias("year"), pl.lit(batch.value).alias("batch"), "person_id",
            pl.lit(rules.id).alias("rules"),
            pl.lit(lists[0].id if lists else None, pl.String).alias("list_id"),
            code.alias("disease_code"), pl.lit(Screening.REGISTRY.value).alias("found_in"),
            pl.lit(PatientState.SCREENED.value).alias("state"),
            pl.col("_on").alias("screened_on"),
            pl.lit(BY).alias("updated_by"),
        ))  # fmt: skip
        have = pl.concat([have.select("batch", "person_id"), added[-1].select(
            "batch", pl.col("person_id").cast(pl.Int64))], how="vertical_relaxed")  # fmt: skip
    if not added:
        return 0
    rows = pl.concat(added)
    return bulk_insert(session, ProgrammePatient, rows, rows.columns)


def _patients(session: Session, year: int, seed: int, region_code: str) -> dict[str, int]:
    screen_year(session, year, region_code, by=BY)
    _registry(session, year, seed, region_code)
    p = load.patients(session, year).filter(pl.col("state") == PatientState.SCREENED.value)
    ids = p["id"]
    u_day, u_out = _draw(seed, ids, 21), _draw(seed, ids, 22)
    rate = p["batch"].replace_strict({b.value: r for b, r in TREATED.items()},
                                     return_dtype=pl.Float64)  # fmt: skip
    outcome = p["batch"].replace_strict(
        {b.id.value: b.outcome.value for b in rules_for(region_code, dt.date(year, 12, 31)).batches}
    )
    last = dt.date(year, 12, 31)
    days = pl.Series((u_day * 20).astype(np.int64))
    frame = p.select("id", "screened_on").with_columns(
        days.alias("_d"), pl.Series("_u", u_out), rate.alias("_rate"), outcome.alias("_outcome")
    )
    step = pl.duration(days=pl.col("_d") + 1)
    frame = (
        frame.with_columns(
            pl.min_horizontal(pl.col("screened_on") + step, pl.lit(last)).alias("verified_on"),
        )
        .with_columns(
            pl.min_horizontal(pl.col("verified_on") + step, pl.lit(last)).alias("plan_on"),
        )
        .with_columns(
            pl.min_horizontal(pl.col("plan_on") + step * 2, pl.lit(last)).alias("_out_on"),
        )
    )
    done = pl.col("_u") < pl.col("_rate")
    rows = frame.select(
        "id", "verified_on", "plan_on",
        pl.when(done).then("_out_on").alias("outcome_on"),
        pl.when(done).then("_outcome").otherwise(pl.lit(PatientState.PLAN.value)).alias("state"),
    )  # fmt: skip
    bulk_update(session, ProgrammePatient, rows, rows.columns)
    states = load.patients(session, year).group_by("state").len()
    return dict(states.iter_rows())  # type: ignore[arg-type]


def generate_programme(session: Session, year: int, *, seed: int = 1,
                       region_code: str | None = None) -> Generated:  # fmt: skip
    """Teams, contracts, services and patients of ``year`` (the caller commits). Running it
    again adds nothing for persons and slots already there."""
    if region_code is None:
        region_code = (
            session.scalar(select(func.min(Region.code)).where(Region.level == "county")) or ""
        )
    claims = load.claims_of_year(session, year)
    contracts = _contracts(session, year, seed, claims)
    services = _services(session, year, seed)
    states = _patients(session, year, seed, region_code)
    teams = session.scalar(select(func.count()).select_from(DoctorTeam)) or 0
    return Generated(teams, contracts, services, sum(states.values()), states)
