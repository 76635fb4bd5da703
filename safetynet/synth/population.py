"""Regions, households, persons and their dated poverty status, all vectorised.

Regions are the real county and townships of the division table (e.g. 341821 郎溪县) with
generated villages (12-digit codes under their township's 9-digit code). Resident IDs carry
the county code, the birth date, a sequence number whose parity gives the sex, and a
correct ISO 7064 check digit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from safetynet.codes import PovertyStatus as S
from safetynet.codes import RegionLevel
from safetynet.registry.divisions import _table, division_name
from safetynet.registry.resident_id import append_check_digits
from safetynet.synth import calibration as c
from safetynet.synth import names

DEPARTMENT = {
    S.REGISTERED_POOR: "县扶贫开发领导小组办公室",
    S.EXITED: "县扶贫开发领导小组办公室",
    S.RETURNED: "县扶贫开发领导小组办公室",
    S.LOW_INCOME: "县民政局",
    S.EXTREMELY_POOR: "县民政局",
    S.MARGINAL: "县扶贫开发领导小组办公室",
}
EPOCH = date(1970, 1, 1)


@dataclass
class Population:
    regions: pl.DataFrame  # code, name, level, parent_code
    households: pl.DataFrame  # id, number, region_code, address
    persons: pl.DataFrame  # id, resident_id, name, sex, birth_date, household_id, relation, ...
    statuses: pl.DataFrame  # id, household_id, person_id (null), status, valid_from, valid_to, ...


def _days(d: date) -> int:
    return (d - EPOCH).days


def regions(rng: np.random.Generator, county: str, persons: int) -> pl.DataFrame:
    """Province, city, county, its townships (from the division table) and villages."""
    table = _table()[0]
    townships = sorted(k for k in table if len(k) == 9 and k.startswith(county) and k[6] == "1")
    if not townships:  # a county without township entries: number them
        townships = [f"{county}{100 + i}" for i in range(max(3, persons // 25_000))]
    n_villages = max(len(townships), round(persons / c.PERSONS_PER_VILLAGE))
    village_names = names.village_names(rng, n_villages)
    rows: list[tuple[str, str, str, str | None]] = [
        (county[:2] + "0000", division_name(county[:2] + "0000") or "省", "province", None),
        (county[:4] + "00", division_name(county[:4] + "00") or "市", "city", county[:2] + "0000"),
        (county, division_name(county) or "县", "county", county[:4] + "00"),
    ]
    for t in townships:
        rows.append((t, table.get(t) or f"{t[-3:]}乡", "township", county))
    per_township = np.zeros(len(townships), dtype=np.int64)
    for i, name in enumerate(village_names):
        t = i % len(townships)
        per_township[t] += 1
        rows.append((f"{townships[t]}{200 + per_township[t]:03d}", name, "village", townships[t]))
    frame = pl.DataFrame(rows, schema=["code", "name", "level", "parent_code"], orient="row")
    assert set(frame["level"]) <= {lv.value for lv in RegionLevel}
    return frame


def _choice(rng: np.random.Generator, pairs: list[tuple[int, float]], n: int) -> np.ndarray:
    values = np.asarray([v for v, _ in pairs])
    p = np.asarray([w for _, w in pairs])
    return values[rng.choice(values.size, size=n, p=p / p.sum())]


def households_and_persons(
    rng: np.random.Generator, county: str, villages: np.ndarray, persons: int, year: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    sizes = _choice(rng, c.HOUSEHOLD_SIZES, persons // 2 + 10)
    n_households = int(np.searchsorted(np.cumsum(sizes), persons) + 1)
    sizes = sizes[:n_households].copy()
    sizes[-1] -= sizes.sum() - persons
    household_village = villages[rng.integers(0, villages.size, n_households)]
    hh_ids = np.arange(1, n_households + 1, dtype=np.int64)
    households = pl.DataFrame(
        {
            "id": hh_ids,
            "number": np.char.add(f"{county}-", np.char.zfill(hh_ids.astype("U9"), 7)),
            "region_code": household_village,
            "address": None,
        },
        schema_overrides={"address": pl.String},
    )
    household_of = np.repeat(hh_ids, sizes)
    member = np.arange(persons) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    # ages: the head 25-85, others drawn from the county's age structure
    band = _choice(rng, c.AGE_BANDS, persons)
    age = (
        band + rng.integers(0, 10, persons) + np.where(band == 80, rng.integers(0, 10, persons), 0)
    )
    head = member == 0
    age = np.where(head, np.clip(age, 25, 95), age)
    male = rng.random(persons) < c.MALE_SHARE
    head_age = np.repeat(age[head], sizes)
    # the second member is the spouse when of an age to be (adult, within 15 years of the
    # head) and then of the other sex; otherwise a child, a parent or another relative
    spouse_like = (member == 1) & (age >= 20) & (np.abs(age - head_age) <= 15)
    male = np.where(spouse_like, ~np.repeat(male[head], sizes), male)
    relation = np.select(
        [head, spouse_like, age <= head_age - 18, age >= head_age + 18],
        ["户主", "配偶", "子女", "父母"],
        "其他",
    )
    # birth dates: before Jan 1 of the scheme year, at the drawn age on that day
    jan1 = _days(date(year, 1, 1))
    born = jan1 - age * 365 - rng.integers(1, 365, persons) - age // 4
    birth = np.datetime64("1970-01-01") + born.astype("timedelta64[D]")
    ymd = birth.astype("datetime64[D]").astype(str)
    ymd_digits = np.char.replace(ymd, "-", "").astype(np.int64)
    # sequence numbers unique per (birth date, sex); odd for men, even for women
    order = np.lexsort((np.arange(persons), male, born))
    key = born[order] * 2 + male[order]
    starts = np.r_[True, key[1:] != key[:-1]]
    run_start = np.maximum.accumulate(np.where(starts, np.arange(persons), 0))
    rank = np.empty(persons, dtype=np.int64)
    rank[order] = np.arange(persons) - run_start
    if rank.max() >= 499:
        raise ValueError("too many persons born on one day for unique resident IDs")
    seq = rank * 2 + np.where(male, 1, 2)
    bodies = int(county) * 10**11 + ymd_digits * 1000 + seq
    resident_id = append_check_digits(bodies)
    surname = np.repeat(names.surnames(rng, n_households), sizes)
    spouse = relation == "配偶"
    surname = np.where(spouse, names.surnames(rng, persons), surname)
    full_name = np.char.add(surname, names.given_names(rng, male))
    deceased = (age >= 70) & (rng.random(persons) < c.DEATHS_PER_YEAR_70_PLUS)
    died = np.datetime64(f"{year}-01-01") + rng.integers(0, 365, persons).astype("timedelta64[D]")
    frame = pl.DataFrame(
        {
            "id": np.arange(1, persons + 1, dtype=np.int64),
            "resident_id": resident_id,
            "name": full_name,
            "sex": np.where(male, "M", "F"),
            "birth_date": birth.astype("datetime64[D]"),
            "household_id": household_of,
            "relation": relation,
            "region_code": np.repeat(household_village, sizes),
            "phone": None,
            "deceased_on": np.where(deceased, died, np.datetime64("NaT")).astype("datetime64[D]"),
            "age": age.astype(np.int32),
        },
        schema_overrides={"phone": pl.String},
    )
    return households, frame


def poverty_statuses(rng: np.random.Generator, persons: pl.DataFrame, year: int) -> pl.DataFrame:
    """Household-level status periods (person_id null), dated in the years before ``year``."""
    hh = persons.group_by("household_id").agg(pl.len().alias("size"), pl.col("age").max())
    hh = hh.sort("household_id")
    n = hh.height
    ids = hh["household_id"].to_numpy()
    single_elder = ((hh["size"] == 1) & (hh["age"] >= 60)).to_numpy()
    u = rng.random((6, n))
    rows: list[pl.DataFrame] = []

    def period(mask: np.ndarray, status: S, start: np.ndarray, end: np.ndarray | None) -> None:
        k = int(mask.sum())
        if not k:
            return
        rows.append(
            pl.DataFrame(
                {
                    "household_id": ids[mask],
                    "status": [status.value] * k,
                    "valid_from": start[mask],
                    "valid_to": end[mask]
                    if end is not None
                    else np.full(k, np.datetime64("NaT", "D")),
                }
            ).with_columns(pl.col("valid_from", "valid_to").cast(pl.Date))
        )

    def dates(first: int, last: int) -> np.ndarray:
        lo, hi = _days(date(first, 1, 1)), _days(date(last, 12, 31))
        return np.datetime64("1970-01-01") + rng.integers(lo, hi, n).astype("timedelta64[D]")

    poor = u[0] < c.REGISTERED_POOR
    registered = dates(2014, 2015)
    exited = poor & (u[1] < c.EXITED_OF_POOR)
    exit_day = dates(2016, year - 1) if year - 1 >= 2016 else dates(2016, 2016)
    returned = exited & (u[2] < c.RETURNED_OF_EXITED)
    return_day = exit_day + rng.integers(90, 300, n).astype("timedelta64[D]")
    period(poor & ~exited, S.REGISTERED_POOR, registered, None)
    period(exited, S.REGISTERED_POOR, registered, exit_day)
    period(exited & ~returned, S.EXITED, exit_day, None)
    period(returned, S.EXITED, exit_day, return_day)
    period(returned, S.RETURNED, return_day, None)
    low_income = np.where(
        poor, u[3] < c.LOW_INCOME * 0.5 / c.REGISTERED_POOR, u[3] < c.LOW_INCOME * 0.5
    )
    period(low_income, S.LOW_INCOME, dates(2012, year - 1), None)
    extreme = ~low_income & np.where(single_elder, u[4] < 0.15, u[4] < c.EXTREMELY_POOR * 0.3)
    period(extreme, S.EXTREMELY_POOR, dates(2010, year - 1), None)
    marginal = ~poor & ~low_income & ~extreme & (u[5] < c.MARGINAL)
    period(marginal, S.MARGINAL, dates(year - 1, year - 1), None)
    frame = pl.concat(rows).sort("household_id", "valid_from", "status")
    return frame.select(
        pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("id"),
        "household_id",
        pl.lit(None, pl.Int64).alias("person_id"),
        "status",
        "valid_from",
        "valid_to",
        pl.col("status")
        .replace_strict({k.value: v for k, v in DEPARTMENT.items()})
        .alias("department"),
        pl.lit("synthetic").alias("reference"),
    )


def generate_population(
    rng: np.random.Generator, county: str, persons: int, year: int
) -> Population:
    region_frame = regions(rng, county, persons)
    villages = region_frame.filter(pl.col("level") == "village")["code"].to_numpy()
    households, person_frame = households_and_persons(rng, county, villages, persons, year)
    statuses = poverty_statuses(rng, person_frame, year)
    return Population(region_frame, households, person_frame, statuses)
