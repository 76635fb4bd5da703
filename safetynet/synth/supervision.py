"""What the supervision rules read, for the synthetic county: doctors, item days and quantities.

A separate random stream (seeded from the county's seed) so the county's other tables are
drawn exactly as before. Every claim gets an attending doctor of its institution (a few per
village clinic, more per hospital); every item line the day it was given (within the stay)
and a quantity that keeps its unit price within the catalog ceiling. The county is generated
*clean* for the rules: a line that would break a daily limit or exceed the bed-days of its
stay is billed as an ultrasound (``S0011``, of the same class, share and essential flag, so
compliant amounts do not change); an infusion billed with chemotherapy (which includes it)
as an injection; an obstetric diagnosis of a man or a child as pneumonia; an outpatient visit
during a stay elsewhere moves to the discharge day; the first line of a stay that treats is
given on the admission day; a drug on a second visit of one day at one institution is billed
as the ultrasound, and a test the person had at another institution within the
mutual-recognition window as debridement (``S0016``). Violations are planted on top by
:mod:`safetynet.synth.violations`.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from safetynet.catalogs.items import load_items

DOCTORS_PER_INSTITUTION = {
    "village": 2, "township": 6, "county": 25, "city": 40, "province": 60, "out_of_province": 60,
}  # fmt: skip
LIMITED = {"S0001": 1, "S0004": 2, "S0005": 2}  # the shipped rule file's daily limits
BED_DAYS = ("S0002", "S0003")
FALLBACK = "S0011"  # class A, no self-pay, not essential, no daily limit, no restriction
PACKAGE, INSIDE, INSTEAD = "S0021", "S0014", "S0015"
SEX_DIAGNOSIS_FALLBACK = "J18.9"
# the shipped rule file's tests under mutual recognition, its window, and the codes that are
# no treatment (ghost beds)
TESTS = ("S0004", "S0005", "S0006", "S0007", "S0008", "S0009", "S0010", "S0011", "S0012",
         "S0013")  # fmt: skip
RECOGNITION_DAYS = 30
ROUTINE = ("S0001", "S0002", "S0003", "S0027")
TEST_FALLBACK = "S0016"  # class A like most tests, no self-pay, no restriction, not a test


def stream(seed: int) -> np.random.Generator:
    return np.random.default_rng([seed, 735])


def doctor_codes(rng: np.random.Generator, claims: pl.DataFrame) -> pl.Series:
    """An attending doctor per claim: ``<institution>-D<nn>``."""
    per = claims["level"].replace_strict(DOCTORS_PER_INSTITUTION, return_dtype=pl.Int64)
    pick = (rng.random(claims.height) * per.to_numpy()).astype(np.int64) + 1
    return (claims["institution_code"] + "-D" + pl.Series(pick).cast(pl.String).str.zfill(2)).alias(
        "doctor_code"
    )


def add_supervision_fields(
    seed: int, claims: pl.DataFrame, lines: pl.DataFrame, persons: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(claims with ``doctor_code``, lines with ``service_date`` and quantities), clean."""
    rng = stream(seed)
    claims = claims.with_columns(doctor_codes(rng, claims))
    claims = _plausible_diagnoses(claims, persons)
    claims = _no_visit_during_a_stay(claims)
    lines = _dated_lines(rng, claims, lines)
    lines = _no_split_prescriptions(claims, lines)
    lines = _no_repeated_tests(claims, lines)
    return claims, lines


def _plausible_diagnoses(claims: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    sex = persons.select(pl.col("id").alias("person_id"), pl.col("sex").alias("_sex"))
    obstetric = pl.col("diagnosis_code").str.starts_with("O")
    wrong = obstetric & ((pl.col("_sex") != "F") | ~pl.col("age").is_between(15, 49))
    return (
        claims.join(sex, on="person_id", how="left", maintain_order="left")
        .with_columns(
            pl.when(wrong)
            .then(pl.lit(SEX_DIAGNOSIS_FALLBACK))
            .otherwise(pl.col("diagnosis_code"))
            .alias("diagnosis_code")
        )
        .drop("_sex")
    )


def _no_visit_during_a_stay(claims: pl.DataFrame) -> pl.DataFrame:
    """Visits strictly inside a stay at another institution move to its discharge day;
    stays that overlap an earlier stay of the person start on its discharge day."""
    stays = claims.filter(pl.col("kind") == "inpatient").sort("start_date")
    stays = stays.with_columns(
        pl.col("end_date").cum_max().shift().over("person_id").alias("_busy_until")
    )
    moved = (
        stays.filter(pl.col("start_date") < pl.col("_busy_until"))
        .select(
            "id",
            (pl.col("end_date") - pl.col("start_date")).alias("_len"),
            pl.col("_busy_until").alias("_new_start"),
        )
        .with_columns((pl.col("_new_start") + pl.col("_len")).alias("_new_end"))
    )
    claims = claims.join(moved, on="id", how="left", maintain_order="left").with_columns(
        pl.coalesce("_new_start", "start_date").alias("start_date"),
        pl.min_horizontal(
            pl.coalesce("_new_end", "end_date"), pl.date(pl.col("start_date").dt.year(), 12, 31)
        ).alias("end_date"),
    ).drop("_len", "_new_start", "_new_end")  # fmt: skip
    stays = claims.filter(pl.col("kind") == "inpatient").select(
        "person_id",
        pl.col("start_date").alias("_admitted"),
        pl.col("end_date").alias("_discharged"),
        pl.col("institution_code").alias("_at"),
    )
    visits = claims.filter(pl.col("kind") != "inpatient").select("id", "person_id", "start_date")
    inside = (
        visits.join(stays, on="person_id", how="inner")
        .filter(
            (pl.col("start_date") > pl.col("_admitted"))
            & (pl.col("start_date") < pl.col("_discharged"))
        )
        .group_by("id")
        .agg(pl.col("_discharged").max().alias("_to"))
    )
    return (
        claims.join(inside, on="id", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce("_to", "start_date").alias("start_date"),
            pl.when(pl.col("_to").is_not_null())
            .then(pl.col("_to"))
            .otherwise(pl.col("end_date"))
            .alias("end_date"),
        )
        .drop("_to")
    )


def _dated_lines(
    rng: np.random.Generator, claims: pl.DataFrame, lines: pl.DataFrame
) -> pl.DataFrame:
    catalog = load_items().select(
        pl.col("code").alias("item_code"), "price_ceiling_fen", "typical_price_fen"
    )
    info = claims.select(
        pl.col("id").alias("claim_id"),
        "start_date",
        pl.max_horizontal(
            (pl.col("end_date") - pl.col("start_date")).dt.total_days(), pl.lit(0)
        ).alias("stay"),
    )
    offset = (rng.random(lines.height) * 10_000).astype(np.int64)
    out = (
        lines.with_row_index("_row")
        .join(info, on="claim_id", how="left", maintain_order="left")
        .with_columns(pl.Series("_r", offset))
    )
    per_code = out.group_by("claim_id").agg(pl.col("item_code").alias("_codes"))
    out = out.join(per_code, on="claim_id", how="left", maintain_order="left").with_columns(
        pl.when((pl.col("item_code") == INSIDE) & pl.col("_codes").list.contains(PACKAGE))
        .then(pl.lit(INSTEAD))
        .otherwise(pl.col("item_code"))
        .alias("item_code")
    )
    bed = pl.col("item_code").is_in(BED_DAYS)
    # the first line that treats is given on the admission day (no ghost bed)
    treats = ~pl.col("item_code").is_in(ROUTINE)
    first = treats & (pl.col("_row") == pl.col("_row").filter(treats).min().over("claim_id"))
    out = out.with_columns(
        pl.when(bed | first)
        .then(pl.col("start_date"))
        .otherwise(pl.col("start_date") + pl.duration(days=pl.col("_r") % (pl.col("stay") + 1)))
        .alias("service_date")
    )
    out = _quantities(out, catalog)
    limit = pl.col("item_code").replace_strict(LIMITED, default=None, return_dtype=pl.Int64)
    day_units = pl.col("quantity").sum().over("claim_id", "service_date", "item_code")
    claim_units = pl.col("quantity").sum().over("claim_id", "item_code")
    over = (day_units > limit).fill_null(False) | (
        bed & (claim_units > pl.max_horizontal(pl.col("stay"), pl.lit(1)))
    )
    out = out.with_columns(
        pl.when(over).then(pl.lit(FALLBACK)).otherwise(pl.col("item_code")).alias("item_code")
    )
    out = _quantities(out.drop("quantity"), catalog)
    return out.sort("_row").select(*lines.columns, "service_date")


def _no_repeated_tests(claims: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """A test the person had at another institution at most ``RECOGNITION_DAYS`` before
    (or the same day, on a claim of a lower id) is billed as ``TEST_FALLBACK`` instead."""
    info = claims.select(pl.col("id").alias("claim_id"), "person_id", "institution_code")
    tests = (
        lines.with_row_index("_row")
        .filter(pl.col("item_code").is_in(TESTS))
        .join(info, on="claim_id", how="inner")
        .select("_row", "claim_id", "item_code", "service_date", "person_id", "institution_code")
    )
    earlier = tests.select(
        "person_id", "item_code", pl.col("claim_id").alias("_c"),
        pl.col("service_date").alias("_d"), pl.col("institution_code").alias("_at"),
    )  # fmt: skip
    gap = (pl.col("service_date") - pl.col("_d")).dt.total_days()
    before = (gap > 0) | ((gap == 0) & (pl.col("_c") < pl.col("claim_id")))
    repeated = (
        tests.join(earlier, on=["person_id", "item_code"], how="inner")
        .filter((pl.col("institution_code") != pl.col("_at")) & before & (gap <= RECOGNITION_DAYS))
        .select("_row")
        .unique()
    )
    return _recoded(lines, repeated["_row"], TEST_FALLBACK)


def _no_split_prescriptions(claims: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """A drug a person got on an earlier outpatient claim at the same institution the same
    day (a split prescription) is billed as ``FALLBACK`` instead."""
    info = claims.filter(pl.col("kind") != "inpatient").select(
        pl.col("id").alias("claim_id"), "person_id", "institution_code"
    )
    key = ["person_id", "institution_code", "item_code", "service_date"]
    split = (
        lines.with_row_index("_row")
        .filter(pl.col("item_code").str.starts_with("D"))
        .join(info, on="claim_id", how="inner")
        .filter(pl.col("claim_id") > pl.col("claim_id").min().over(key))
    )
    return _recoded(lines, split["_row"], FALLBACK)


def _recoded(lines: pl.DataFrame, rows: pl.Series, code: str) -> pl.DataFrame:
    """``lines`` with the lines at positions ``rows`` billed as ``code`` (units re-counted)."""
    if rows.is_empty():
        return lines
    catalog = load_items().select(
        pl.col("code").alias("item_code"), "price_ceiling_fen", "typical_price_fen"
    )
    hit = pl.col("_row").is_in(rows.implode())
    out = lines.with_row_index("_row").with_columns(
        pl.when(hit).then(pl.lit(code)).otherwise(pl.col("item_code")).alias("item_code"),
        hit.alias("_recoded"),
    )
    recoded = _quantities(out.filter(pl.col("_recoded")).drop("quantity"), catalog)
    return (
        pl.concat([out.filter(~pl.col("_recoded")), recoded.select(out.columns)])
        .sort("_row")
        .select(lines.columns)
    )


def _quantities(frame: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Units so that the unit price is at most the ceiling (else about the typical price)."""
    joined = frame.drop("price_ceiling_fen", "typical_price_fen", strict=False).join(
        catalog, on="item_code", how="left", maintain_order="left"
    )
    ceiling = pl.col("price_ceiling_fen")
    by_ceiling = (pl.col("amount_fen") + ceiling - 1) // ceiling
    by_typical = (pl.col("amount_fen") / pl.col("typical_price_fen")).round().cast(pl.Int64)
    return joined.with_columns(
        pl.when(ceiling.is_not_null() & (ceiling > 0))
        .then(by_ceiling)
        .otherwise(by_typical)
        .clip(lower_bound=1)
        .fill_null(1)
        .cast(pl.Int64)
        .alias("quantity")
    )
