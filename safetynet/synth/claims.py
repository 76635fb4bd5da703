"""Enrollment and a year of itemised claims for the synthetic county, vectorised.

Utilisation depends on age, chronic disease and poverty status, and is scaled so the
county's visits and admissions per enrolled person, shares by institution level and average
costs match the utilisation-and-cost profile (:class:`safetynet.synth.calibration.Profile`).
Each claim's bill is split into item lines from the catalog (the bed for every admission);
line amounts add up to the bill to the fen, and compliant amounts come from the one rule in
``engine/compliance.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import polars as pl

from safetynet.catalogs.diseases import load_disease_lists
from safetynet.catalogs.items import load_items
from safetynet.codes import InstitutionLevel as L
from safetynet.engine.compliance import claim_amounts
from safetynet.policy.contribution import ContributionPolicy
from safetynet.registry.enrollment import category_expr, enrollment_rows
from safetynet.registry.status import ORDINARY_MASK, status_masks_at
from safetynet.synth import calibration as c

# Diagnoses of ordinary visits and admissions (ICD-10, weight).
OUTPATIENT_DIAGNOSES = [("J06.9", 30), ("J20.9", 12), ("K29.7", 10), ("M54.5", 8), ("R50.9", 6),
                        ("K52.9", 6), ("L30.9", 5), ("H10.9", 4), ("I10", 10), ("E11.9", 4),
                        ("S60.0", 5)]  # fmt: skip
INPATIENT_DIAGNOSES = [("J18.9", 18), ("I63.9", 10), ("K80.2", 6), ("K35.8", 5), ("S72.0", 5),
                       ("O82.9", 5), ("N20.0", 4), ("J44.1", 8), ("I25.1", 6), ("I10", 6),
                       ("E11.9", 5), ("K29.7", 5), ("C34.9", 2), ("C16.9", 1), ("N18.5", 1),
                       ("C50.9", 1)]  # fmt: skip
CHRONIC_DIAGNOSES = [
    ("I10", 40), ("E11.9", 15), ("I25.1", 8), ("J44.9", 7), ("I69.3", 6), ("K74.6", 2),
    ("M05.9", 3), ("G40.9", 2), ("F20.9", 2), ("N18.4", 2), ("B18.1", 3), ("J45.9", 4),
    ("I50.9", 3), ("G20", 2), ("E05.9", 1),
]  # fmt: skip
LINES = {  # item lines per claim (low, high) by kind and level
    ("out", L.VILLAGE): (1, 2), ("out", L.TOWNSHIP): (1, 3), ("out", L.COUNTY): (2, 4),
    ("out", L.CITY): (2, 5), ("out", L.PROVINCE): (2, 5), ("in", None): (5, 10),
}  # fmt: skip
BED = "S0002"
LEVELS = list(L)


def _pick(rng: np.random.Generator, pairs: list[tuple[str, int]], n: int) -> np.ndarray:
    values = np.asarray([v for v, _ in pairs])
    w = np.asarray([x for _, x in pairs], dtype=float)
    return values[rng.choice(values.size, size=n, p=w / w.sum())]


def _shares(rng: np.random.Generator, shares: Mapping[L, float], n: int) -> np.ndarray:
    """Level codes (index into LEVELS) drawn with the given shares."""
    levels = np.asarray([LEVELS.index(lv) for lv in shares])
    p = np.asarray(list(shares.values()))
    return levels[rng.choice(levels.size, size=n, p=p / p.sum())]


def _lognormal_fen(
    rng: np.random.Generator, level: np.ndarray, means: Mapping[L, float], sigma: float
) -> np.ndarray:
    mean = np.zeros(len(LEVELS))
    for lv, m in means.items():
        mean[LEVELS.index(lv)] = m
    mu = np.log(np.maximum(mean[level], 1.0)) - sigma**2 / 2
    yuan = rng.lognormal(mu, sigma)
    return np.maximum(np.rint(yuan * 100).astype(np.int64), 100)


def enrollment(
    rng: np.random.Generator,
    persons: pl.DataFrame,
    statuses: pl.DataFrame,
    year: int,
    policy: ContributionPolicy,
) -> pl.DataFrame:
    """Everybody with a status enrolls; ordinary residents so that the rate is the target."""
    on = date(year, 1, 1)
    keys = persons.select(pl.col("id").alias("person_id"), "household_id", pl.lit(on).alias("date"))
    mask = status_masks_at(statuses, keys)
    special = (mask != ORDINARY_MASK).to_numpy()
    n = persons.height
    p_ordinary = min(
        1.0, max(0.0, (c.ENROLLMENT_RATE * n - special.sum()) / max(1, n - special.sum()))
    )
    enrolled = special | (rng.random(n) < p_ordinary)
    frame = keys.with_columns(mask.alias("mask")).filter(pl.Series(enrolled))
    frame = frame.with_columns(category_expr(policy, pl.col("mask")).alias("category"))
    return enrollment_rows(frame, year, policy, on).with_columns(
        pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("id")
    )


def _utilisation_weights(
    age: np.ndarray, chronic: np.ndarray, poor: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    out_age = np.select([age < 10, age < 40, age < 60], [1.2, 0.7, 1.0], 1.5)
    in_age = np.select([age < 5, age < 15, age < 45, age < 60, age < 75], [1.0, 0.4, 0.6, 1.0, 2.0],
                       3.0)  # fmt: skip
    use = np.where(chronic, c.CHRONIC_USE_FACTOR, 1.0) * np.where(poor, c.POOR_USE_FACTOR, 1.0)
    w_out = out_age * use
    w_in = in_age * use
    return w_out / w_out.mean(), w_in / w_in.mean()


def _chronic(rng: np.random.Generator, age: np.ndarray, poor: np.ndarray) -> np.ndarray:
    bounds = np.asarray([b for b, _ in c.CHRONIC_BY_AGE])
    rates = np.asarray([r for _, r in c.CHRONIC_BY_AGE])
    p = rates[np.searchsorted(bounds, age, side="right") - 1]
    p = np.where(poor, np.minimum(p * c.POOR_CHRONIC_FACTOR, 0.9), p)
    return rng.random(age.size) < p


def claims(
    rng: np.random.Generator,
    persons: pl.DataFrame,
    enrolled: pl.DataFrame,
    institutions: pl.DataFrame,
    year: int,
    profile: c.Profile,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(claims, item lines, chronic patients) for the enrolled persons' year."""
    who = persons.join(
        enrolled.select(pl.col("person_id").alias("id"), "category"), on="id", how="inner"
    ).sort("id")
    n = who.height
    age = who["age"].to_numpy()
    poor = (who["category"] != "ordinary").to_numpy()
    chronic = _chronic(rng, age, poor)
    chronic_dx = _pick(rng, CHRONIC_DIAGNOSES, n)  # used where ``chronic``
    w_out, w_in = _utilisation_weights(age, chronic, poor)
    n_out = rng.poisson(profile.outpatient_visits * w_out)
    n_in = rng.poisson(profile.admissions * w_in)

    # -- outpatient visits ---------------------------------------------------------------
    out_person = np.repeat(np.arange(n), n_out)
    k = out_person.size
    out_level = _shares(rng, profile.outpatient_level_shares, k)
    out_cost = _lognormal_fen(rng, out_level, profile.outpatient_cost_yuan, c.OUTPATIENT_SIGMA)
    is_chronic_visit = (
        chronic[out_person]
        & np.isin(out_level, [LEVELS.index(L.TOWNSHIP), LEVELS.index(L.COUNTY)])
        & (rng.random(k) < c.CHRONIC_OUTPATIENT_SHARE * 2)
    )
    out_dx = np.where(
        is_chronic_visit | (chronic[out_person] & (rng.random(k) < 0.3)),
        chronic_dx[out_person],
        _pick(rng, OUTPATIENT_DIAGNOSES, k),
    )
    out_day = rng.integers(0, 365 + (year % 4 == 0), k)

    # -- admissions -------------------------------------------------------------------------
    in_person = np.repeat(np.arange(n), n_in)
    m = in_person.size
    in_level = _shares(rng, profile.inpatient_level_shares, m)
    in_cost = _lognormal_fen(rng, in_level, profile.inpatient_cost_yuan, c.INPATIENT_SIGMA)
    stay_mean = np.zeros(len(LEVELS))
    for lv, d in c.STAY_DAYS.items():
        stay_mean[LEVELS.index(lv)] = d
    stay = np.maximum(1, rng.poisson(stay_mean[in_level]))
    in_dx = np.where(
        chronic[in_person] & (rng.random(m) < 0.4),
        chronic_dx[in_person],
        _pick(rng, INPATIENT_DIAGNOSES, m),
    )
    in_day = rng.integers(0, 365 + (year % 4 == 0), m)
    referral = (in_level >= LEVELS.index(L.CITY)) & (rng.random(m) < 0.85)

    person_idx = np.concatenate([out_person, in_person])
    level = np.concatenate([out_level, in_level])
    kind = np.concatenate([
        np.where(is_chronic_visit, "chronic_outpatient", "outpatient"), np.full(m, "inpatient")
    ])  # fmt: skip
    jan1 = np.datetime64(f"{year}-01-01")
    start = jan1 + np.concatenate([out_day, in_day]).astype("timedelta64[D]")
    end = start + np.concatenate([np.zeros(k, np.int64), stay]).astype("timedelta64[D]")
    total = np.concatenate([out_cost, in_cost])
    frame = pl.DataFrame(
        {
            "person_idx": person_idx,
            "kind": kind,
            "level": np.asarray([lv.value for lv in LEVELS])[level],
            "start_date": start,
            "end_date": end,
            "diagnosis_code": np.concatenate([out_dx, in_dx]).astype(str),
            "referral": np.concatenate([np.zeros(k, bool), referral]),
            "bill_fen": total,
        }
    ).with_columns(pl.col("start_date", "end_date").cast(pl.Date))
    who_cols = who.select(
        pl.int_range(0, n).alias("person_idx"),
        pl.col("id").alias("person_id"),
        "household_id",
        "region_code",
        "deceased_on",
        "age",
    )
    frame = frame.join(who_cols, on="person_idx", how="left", maintain_order="left").drop(
        "person_idx"
    )
    frame = within_life(frame, year)
    frame = frame.sort("start_date", "person_id", "kind").with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("id")
    )
    frame = _institution(rng, frame, institutions)
    prefix = pl.when(pl.col("kind") == "inpatient").then(pl.lit("ZY")).otherwise(pl.lit("MZ"))
    frame = frame.with_columns(
        pl.concat_str(prefix, pl.lit(str(year)), pl.col("id").cast(pl.String).str.zfill(9)).alias(
            "claim_no"
        )
    )
    lines = item_lines(rng, frame)
    amounts = claim_amounts(lines.rename({"claim_id": "claim_key"})).rename({"claim_key": "id"})
    frame = frame.join(amounts, on="id", how="left", maintain_order="left").drop("bill_fen")
    patients = (
        who.select(pl.col("id").alias("person_id"))
        .with_columns(pl.Series("chronic_diagnosis", chronic_dx))
        .filter(pl.Series(chronic))
    )
    return frame, lines, patients


def within_life(frame: pl.DataFrame, year: int) -> pl.DataFrame:
    """The claims of ``frame`` (``start_date``, ``end_date``, ``deceased_on``) with no service
    after death (the registry's rule, :func:`safetynet.registry.alive.after_death`): a visit
    or admission only on a day alive; a stay that would outlast its patient ends on the day
    of death (a death in hospital is its discharge), and the year's stays by 31 December."""
    died = pl.col("deceased_on")
    return frame.filter(died.is_null() | (pl.col("start_date") < died)).with_columns(
        pl.min_horizontal(pl.col("end_date"), died, pl.date(year, 12, 31)).alias("end_date")
    )


def _institution(
    rng: np.random.Generator, frame: pl.DataFrame, institutions: pl.DataFrame
) -> pl.DataFrame:
    """The village clinic and township centre of the patient's home; else one of the level's."""
    village = pl.lit("V") + pl.col("region_code")
    township = pl.lit("T") + pl.col("region_code").str.slice(0, 9)
    pools = {
        lv: institutions.filter(pl.col("level") == lv)["code"].to_numpy()
        for lv in ("county", "city", "province", "out_of_province")
    }
    n = frame.height
    picks = {lv: pool[rng.integers(0, pool.size, n)] for lv, pool in pools.items()}
    level = pl.col("level")
    return frame.with_columns(
        pl.when(level == "village").then(village)
        .when(level == "township").then(township)
        .when(level == "county").then(pl.Series(picks["county"]))
        .when(level == "city").then(pl.Series(picks["city"]))
        .when(level == "province").then(pl.Series(picks["province"]))
        .otherwise(pl.Series(picks["out_of_province"]))
        .alias("institution_code"),
        level.is_in(["village", "township", "county"]).alias("in_county"),
    )  # fmt: skip


def item_lines(rng: np.random.Generator, frame: pl.DataFrame) -> pl.DataFrame:
    """Split each claim's bill into catalog item lines that add up to it exactly."""
    items = load_items().filter(
        pl.col("sex_restriction").is_null()
        & pl.col("min_age").is_null()
        & pl.col("max_age").is_null()
    )
    weight = pl.when(pl.col("item_class") == "C").then(0.15).otherwise(1.0)
    out_pool = items.filter(pl.col("setting") != "inpatient").with_columns(weight.alias("w"))
    in_pool = items.filter(
        (pl.col("setting") != "outpatient") & (pl.col("code") != BED)
    ).with_columns(weight.alias("w"))
    n = frame.height
    inpatient = (frame["kind"] == "inpatient").to_numpy()
    level = frame["level"].to_numpy()
    lo = np.ones(n, np.int64)
    hi = np.ones(n, np.int64)
    for (kind, lv), (a, b) in LINES.items():
        sel = inpatient if kind == "in" else (~inpatient & (level == (lv.value if lv else "")))
        lo[sel], hi[sel] = a, b
    count = rng.integers(lo, hi + 1)
    claim = np.repeat(np.arange(n), count)
    first = np.r_[0, np.cumsum(count)[:-1]]
    position = np.arange(claim.size) - np.repeat(first, count)
    in_line = inpatient[claim]

    def draw(pool: pl.DataFrame, size: int) -> np.ndarray:
        w = pool["w"].to_numpy()
        return pool["code"].to_numpy()[rng.choice(pool.height, size=size, p=w / w.sum())]

    code = np.where(in_line, draw(in_pool, claim.size), draw(out_pool, claim.size))
    code = np.where(in_line & (position == 0), BED, code)
    bill = frame["bill_fen"].to_numpy()
    w = rng.exponential(1.0, claim.size)
    w_sum = np.add.reduceat(w, first)
    spare = bill - count  # every line gets at least one fen
    amount = 1 + np.floor(spare[claim] * w / w_sum[claim]).astype(np.int64)
    short = bill - np.add.reduceat(amount, first)
    last = first + count - 1
    amount[last] += short
    lines = pl.DataFrame(
        {"claim_id": frame["id"].to_numpy()[claim], "item_code": code, "amount_fen": amount}
    ).join(
        load_items().select(
            pl.col("code").alias("item_code"), "item_class", "self_pay_bp", "essential",
            "typical_price_fen",
        ),
        on="item_code", how="left", maintain_order="left",
    )  # fmt: skip
    return lines.with_columns(
        (pl.col("amount_fen") / pl.col("typical_price_fen")).round().cast(pl.Int64)
        .clip(lower_bound=1).alias("quantity"),
        pl.lit(0, pl.Int64).alias("deducted_fen"),
    ).drop("typical_price_fen")  # fmt: skip


def chronic_list_codes() -> set[str]:
    """The chronic-special list's prefixes (for checks that chronic visits are on the list)."""
    lists = load_disease_lists()
    return set(lists.filter(pl.col("list_code") == "chronic_special")["icd_prefix"])
