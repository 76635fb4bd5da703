"""Planted violations of the supervision rules, with labels, and shifted behaviour.

:func:`plant` takes a (clean) synthetic county and, for each rule kind, turns ``rate`` × the
county's claims into violations — by editing a claim in place (a duplicated registration, a
price above the ceiling, an obstetric diagnosis of a man, a short stay for a cold, an
out-of-catalog item taking most of a bill, a stay whose treatment starts three days after the
admission) or by adding copies of a claim (a readmission within 15 days, a stay at another
hospital overlapping the first, the same drug bought on three days in a row, a visit with a
test repeated at another clinic within the mutual-recognition window). Amounts of every
edited or added claim are recomputed from its lines, so the county stays consistent. It also
shifts one county hospital's behaviour (its stays twice as long, extra readmissions) and one
township doctor's (bills three times as high). The labels (one row per planted violation,
and one per shifted institution or doctor) are a separate frame, written beside the county
as ``violation_labels.parquet``."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl

from safetynet.catalogs.items import load_items
from safetynet.engine.compliance import claim_amounts
from safetynet.programmes.fixed_fee import AMOUNTS
from safetynet.synth.county import County
from safetynet.synth.supervision import ROUTINE, TESTS

KINDS = (
    "duplicate_charge",
    "over_standard_charge",
    "split_admission",
    "overlapping_stay",
    "impersonation",
    "low_threshold_admission",
    "outpatient_abuse",
    "out_of_catalog_share",
    "repeat_test",
    "ghost_bed",
)
LABEL_SCHEMA = {
    "claim_no": pl.String,
    "kind": pl.String,
    "institution": pl.String,
    "doctor": pl.String,
}
TREATING = {"S0014", "S0017", "S0018", "S0019", "S0023", "S0028"}
PLANNED = ("Z51", "Z49")


class _Planter:
    def __init__(self, county: County, rate: float, seed: int) -> None:
        self.county = county
        self.rng = np.random.default_rng([seed, 736])
        self.claims = county.claims
        self.lines = county.claim_items
        self.n = max(1, round(rate * self.claims.height))
        self.used: set[int] = set()
        self.touched: set[int] = set()
        self.next_id = int(self.claims["id"].max() or 0) + 1
        self.year = int(self.claims["start_date"].dt.year().min() or 2017)
        self.labels: list[dict[str, object]] = []
        self.new_claims: list[pl.DataFrame] = []
        self.new_lines: list[pl.DataFrame] = []
        stays = self.claims.filter(pl.col("kind") == "inpatient")
        self.stay_len = (stays["end_date"] - stays["start_date"]).dt.total_days()

    # --- choosing and labelling ---------------------------------------------------------

    def pick(self, pool: pl.DataFrame, n: int | None = None) -> pl.DataFrame:
        """``n`` (default: the rate's number) claims of ``pool`` not used by another kind."""
        # in the order of claim ids: the draw picks the same claims whatever order the
        # joins and group_bys that built the pool left its rows in
        pool = pool.filter(~pl.col("id").is_in(list(self.used))).sort("id")
        n = min(n or self.n, pool.height)
        chosen = pool[np.sort(self.rng.choice(pool.height, size=n, replace=False))]
        self.used |= set(chosen["id"].to_list())
        return chosen

    def label(self, claims: pl.DataFrame, kind: str) -> None:
        for row in claims.select("claim_no", "institution_code", "doctor_code").iter_rows():
            self.labels.append(
                {"claim_no": row[0], "kind": kind, "institution": row[1], "doctor": row[2]}
            )

    def copy(self, src: pl.DataFrame, tag: str, **changes: pl.Expr) -> pl.DataFrame:
        """New claims copied from ``src`` (their lines too) with ``changes`` applied."""
        ids = list(range(self.next_id, self.next_id + src.height))
        self.next_id += src.height
        mapping = pl.DataFrame({"id": src["id"], "_new": ids})
        new = (
            src.join(mapping, on="id", maintain_order="left")
            .with_columns(pl.col("_new").alias("id"))
            .drop("_new")
            .with_columns(**changes)
            .with_columns(
                (
                    pl.col("claim_no").str.slice(0, 6)
                    + pl.lit(tag)
                    + pl.col("id").cast(pl.String).str.zfill(9)
                ).alias("claim_no")
            )
        )
        lines = (
            self.lines.join(
                mapping.rename({"id": "claim_id"}), on="claim_id", maintain_order="left"
            )
            .with_columns(pl.col("_new").alias("claim_id"))
            .drop("_new")
        )
        moved = pl.DataFrame(
            {"claim_id": ids, "_delta": new["start_date"] - src["start_date"]}
        )  # item days move with the claim
        lines = lines.join(moved, on="claim_id", maintain_order="left").with_columns(
            (pl.col("service_date") + pl.col("_delta")).alias("service_date")
        )
        self.new_claims.append(new)
        self.new_lines.append(lines.select(self.lines.columns))
        self.touched |= set(ids)
        return new

    def edit_claims(self, ids: list[int], **changes: pl.Expr) -> None:
        sel = pl.col("id").is_in(ids)
        self.claims = self.claims.with_columns(
            pl.when(sel).then(expr).otherwise(pl.col(name)).alias(name)
            for name, expr in changes.items()
        )
        self.touched |= set(ids)

    def edit_lines(self, rows: pl.DataFrame, code: str, quantity: int | None = None) -> None:
        """Give the lines (``_row`` indices) ``code`` (and ``quantity``)."""
        sel = pl.int_range(pl.len()).is_in(rows["_row"].to_list())
        changes = [
            pl.when(sel).then(pl.lit(code)).otherwise(pl.col("item_code")).alias("item_code")
        ]
        if quantity is not None:
            changes.append(
                pl.when(sel).then(pl.lit(quantity, pl.Int64)).otherwise(pl.col("quantity"))
                .alias("quantity")
            )  # fmt: skip
        self.lines = self.lines.with_columns(changes)
        self.touched |= set(rows["claim_id"].to_list())

    def indexed_lines(self) -> pl.DataFrame:
        return self.lines.with_row_index("_row").with_columns(pl.col("_row").cast(pl.Int64))

    def stays(self, min_days: int = 0) -> pl.DataFrame:
        days = (pl.col("end_date") - pl.col("start_date")).dt.total_days()
        return self.claims.filter(
            (pl.col("kind") == "inpatient")
            & (days >= min_days)
            & ~pl.col("diagnosis_code").str.starts_with(PLANNED[0])
            & ~pl.col("diagnosis_code").str.starts_with(PLANNED[1])
        )

    # --- the kinds ---------------------------------------------------------------------

    def duplicate_charge(self) -> None:
        lines = self.indexed_lines().filter(
            (pl.col("item_class") == "A") & ~pl.col("item_code").is_in(["S0002", "S0003"])
        )
        first = lines.group_by("claim_id").agg(pl.col("_row").min())
        chosen = self.pick(self.claims.join(first.rename({"claim_id": "id"}), on="id"))
        rows = lines.filter(pl.col("_row").is_in(chosen["_row"].to_list()))
        self.edit_lines(rows, "S0001", quantity=3)  # registered three times on one day
        self.label(chosen, "duplicate_charge")

    def over_standard_charge(self) -> None:
        lines = self.indexed_lines().filter(
            (pl.col("amount_fen") >= 3000) & ~pl.col("item_code").is_in(["S0002", "S0003"])
        )
        first = lines.group_by("claim_id").agg(pl.col("_row").min())
        chosen = self.pick(self.claims.join(first.rename({"claim_id": "id"}), on="id"))
        rows = lines.filter(pl.col("_row").is_in(chosen["_row"].to_list()))
        self.edit_lines(rows, "S0005", quantity=1)  # a urine test above its 12-yuan ceiling
        self.label(chosen, "over_standard_charge")

    def split_admission(self, pool: pl.DataFrame | None = None, n: int | None = None) -> None:
        days = (pl.col("end_date") - pl.col("start_date")).dt.total_days()
        latest = pl.date(self.year, 12, 31) - pl.duration(days=16) - pl.duration(days=days)
        pool = (pool if pool is not None else self.stays()).filter(pl.col("end_date") <= latest)
        chosen = self.pick(pool, n)
        gap = pl.Series((self.rng.integers(0, 16, chosen.height)).astype(np.int64))
        start = pl.col("end_date") + pl.duration(days=gap)
        new = self.copy(chosen, "R", start_date=start, end_date=start + pl.duration(days=days))
        self.label(new, "split_admission")

    def overlapping_stay(self) -> None:
        county = self.county.institutions.filter(pl.col("level") == "county")["code"].to_list()
        chosen = self.pick(self.stays(min_days=2).filter(pl.col("level") == "county"))
        other = pl.Series([county[(county.index(c) + 1) % len(county)]
                           for c in chosen["institution_code"]])  # fmt: skip
        days = (pl.col("end_date") - pl.col("start_date")).dt.total_days()
        start = pl.col("start_date") + pl.duration(days=1)
        new = self.copy(
            chosen.with_columns(other.alias("institution_code")),
            "O",
            start_date=start,
            end_date=start + pl.duration(days=days),
            doctor_code=pl.col("institution_code") + "-D01",
        )
        # both stays of the pair are the violation (either may be the false one: the rule
        # flags both, and at the window the one submitted last, whichever it is)
        self.label(chosen, "overlapping_stay")
        self.label(new, "overlapping_stay")

    def impersonation(self) -> None:
        men = self.county.persons.filter(pl.col("sex") == "M")["id"]
        chosen = self.pick(
            self.claims.filter(pl.col("person_id").is_in(men.to_list()) & (pl.col("age") >= 15))
        )
        self.edit_claims(chosen["id"].to_list(), diagnosis_code=pl.lit("O80"))
        self.label(chosen, "impersonation")

    def low_threshold_admission(self) -> None:
        treated = self.lines.filter(pl.col("item_code").is_in(sorted(TREATING)))["claim_id"]
        pool = self.stays().filter(~pl.col("id").is_in(treated.to_list()))
        chosen = self.pick(pool)
        self.edit_claims(
            chosen["id"].to_list(),
            end_date=pl.col("start_date") + pl.duration(days=1),
            diagnosis_code=pl.lit("J06.9"),
        )
        self.label(chosen, "low_threshold_admission")

    def outpatient_abuse(self) -> None:
        drug = self.lines.filter(pl.col("item_code").str.starts_with("D"))["claim_id"]
        pool = self.claims.filter(
            (pl.col("kind") == "outpatient")
            & pl.col("id").is_in(drug.to_list())
            & (pl.col("start_date") <= pl.date(self.year, 12, 29))
        )
        chosen = self.pick(pool)
        for k, tag in ((1, "A"), (2, "B")):
            day = pl.col("start_date") + pl.duration(days=k)
            new = self.copy(chosen, tag, start_date=day, end_date=day)
        self.label(new, "outpatient_abuse")  # the third day in a row is the violation

    def out_of_catalog_share(self) -> None:
        lines = self.indexed_lines().filter(~pl.col("item_code").is_in(["S0002", "S0003"]))
        big = (
            lines.join(
                self.claims.select(pl.col("id").alias("claim_id"), "total_fen"), on="claim_id"
            )
            .filter(pl.col("amount_fen") * 10 >= pl.col("total_fen") * 3)
            .group_by("claim_id")
            .agg(pl.col("_row").min())
        )
        chosen = self.pick(self.claims.join(big.rename({"claim_id": "id"}), on="id"))
        rows = lines.filter(pl.col("_row").is_in(chosen["_row"].to_list()))
        self.edit_lines(rows, "S0026")  # cosmetic surgery: out of the catalog
        self.label(chosen, "out_of_catalog_share")

    def repeat_test(self) -> None:
        tests = self.lines.filter(pl.col("item_code").is_in(TESTS))["claim_id"]
        villages = self.county.institutions.filter(pl.col("level") == "village")["code"].sort()
        pool = self.claims.filter(
            (pl.col("kind") == "outpatient")
            & (pl.col("level") == "village")
            & pl.col("id").is_in(tests.to_list())
            & (pl.col("start_date") <= pl.date(self.year, 12, 1))
        )
        chosen = self.pick(pool)
        codes = villages.to_list()
        other = pl.Series([codes[(codes.index(c) + 1) % len(codes)] if c in codes else codes[0]
                           for c in chosen["institution_code"]])  # fmt: skip
        gap = pl.Series((self.rng.integers(1, 31, chosen.height)).astype(np.int64))
        day = pl.col("start_date") + pl.duration(days=gap)
        new = self.copy(
            chosen.with_columns(other.alias("institution_code")),
            "T",
            start_date=day,
            end_date=day,
            doctor_code=pl.col("institution_code") + "-D01",
        )
        self.label(new, "repeat_test")  # the test again at another clinic within 30 days

    def ghost_bed(self) -> None:
        chosen = self.pick(self.stays(min_days=4))
        late = pl.col("start_date") + pl.duration(days=3)
        starts = chosen.select(pl.col("id").alias("claim_id"), pl.col("start_date"))
        lines = self.lines.join(starts, on="claim_id", how="left", maintain_order="left")
        treats = pl.col("start_date").is_not_null() & ~pl.col("item_code").is_in(ROUTINE)
        self.lines = lines.with_columns(
            pl.when(treats & (pl.col("service_date") < late))
            .then(late)
            .otherwise(pl.col("service_date"))
            .alias("service_date")
        ).select(self.lines.columns)
        self.touched |= set(chosen["id"].to_list())
        self.label(chosen, "ghost_bed")  # no treatment in the first three days

    # --- shifted behaviour -------------------------------------------------------------

    def shift(self) -> None:
        county = self.county.institutions.filter(pl.col("level") == "county")["code"].sort()
        target = county[0]
        stays = self.claims.filter(
            (pl.col("kind") == "inpatient")
            & (pl.col("institution_code") == target)
            & ~pl.col("id").is_in(list(self.used))
        )
        days = (pl.col("end_date") - pl.col("start_date")).dt.total_days()
        self.edit_claims(
            stays["id"].to_list(),
            end_date=pl.min_horizontal(
                pl.col("start_date") + pl.duration(days=days * 2 + 1), pl.date(self.year, 12, 31)
            ),
        )
        self.split_admission(self.stays().filter(pl.col("id").is_in(stays["id"].to_list())),
                             n=max(1, stays.height // 5))  # fmt: skip
        self.used |= set(stays["id"].to_list())
        self.labels.append({"claim_no": None, "kind": "shifted_institution",
                            "institution": target, "doctor": None})  # fmt: skip
        township = self.claims.filter(pl.col("level") == "township")
        doctor = township.group_by("doctor_code").len().sort("len", "doctor_code")[-1, 0]
        theirs = self.claims.filter(
            (pl.col("doctor_code") == doctor) & ~pl.col("id").is_in(list(self.used))
        )["id"]
        self.used |= set(theirs.to_list())
        self.lines = self.lines.with_columns(
            pl.when(pl.col("claim_id").is_in(theirs.to_list()))
            .then(pl.col("amount_fen") * 3)
            .otherwise(pl.col("amount_fen"))
            .alias("amount_fen")
        )
        self.touched |= set(theirs.to_list())
        self.labels.append({"claim_no": None, "kind": "shifted_doctor",
                            "institution": None, "doctor": doctor})  # fmt: skip

    # --- the county, consistent again --------------------------------------------------

    def result(self) -> tuple[County, pl.DataFrame]:
        claims = pl.concat([self.claims, *self.new_claims], how="vertical_relaxed")
        lines = pl.concat([self.lines, *self.new_lines], how="vertical_relaxed")
        touched = list(self.touched)
        catalog = load_items().select(
            pl.col("code").alias("item_code"),
            pl.col("item_class").alias("_class"),
            pl.col("self_pay_bp").alias("_bp"),
            pl.col("essential").alias("_essential"),
        )
        lines = lines.join(catalog, on="item_code", how="left", maintain_order="left")
        sel = pl.col("claim_id").is_in(touched)
        lines = lines.with_columns(
            pl.when(sel).then(pl.col("_class")).otherwise(pl.col("item_class")).alias("item_class"),
            pl.when(sel).then(pl.col("_bp")).otherwise(pl.col("self_pay_bp")).alias("self_pay_bp"),
            pl.when(sel).then(pl.col("_essential")).otherwise(pl.col("essential"))
            .alias("essential"),
        ).drop("_class", "_bp", "_essential")  # fmt: skip
        amounts = claim_amounts(lines.filter(sel).rename({"claim_id": "claim_key"})).rename(
            {"claim_key": "id"}
        )
        cols = AMOUNTS
        claims = (
            claims.join(amounts, on="id", how="left", suffix="_new", maintain_order="left")
            .with_columns(pl.coalesce(f"{c}_new", c).alias(c) for c in cols)
            .drop(f"{c}_new" for c in cols)
            .sort("start_date", "id")
        )
        labels = pl.DataFrame(self.labels, schema=LABEL_SCHEMA)
        return replace(self.county, claims=claims, claim_items=lines), labels


def plant(
    county: County, rate: float, *, seed: int = 1, shift: bool = True
) -> tuple[County, pl.DataFrame]:
    """The county with ``rate`` × its claims planted per rule kind, and the labels."""
    if not 0 < rate <= 0.05:
        raise ValueError("the violation rate must lie in (0, 0.05]")
    planter = _Planter(county, rate, seed)
    if shift:
        planter.shift()
    for kind in KINDS:
        getattr(planter, kind)()
    return planter.result()
