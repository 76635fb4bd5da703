"""The rules on what a claim charges: the same item over its daily limit or inside a package
(``duplicate_charge``), over the standard price or the stay's days (``over_standard_charge``),
a test repeated within its interval (``repeat_test``), a large share outside the catalog
(``out_of_catalog_share``), an ordinary and a special-ward (ICU) bed fee for the same days
(``concurrent_bed_charge``). Each returns claim_no, amount_fen and facts."""

from __future__ import annotations

import polars as pl

from safetynet.supervision.frames import ScreenInput
from safetynet.supervision.schema import (
    ConcurrentBedRule,
    DuplicateChargeRule,
    OutOfCatalogRule,
    OverStandardRule,
    RepeatTestRule,
)
from safetynet.supervision.screen.exprs import (
    days_between,
    facts_json,
    lines_with_day,
    no_hits,
)


def duplicate_charge(rule: DuplicateChargeRule, data: ScreenInput) -> pl.DataFrame:
    p = rule.params
    codes = set(p.daily_limits) | set(p.packages)
    codes |= {c for included in p.packages.values() for c in included}
    every = p.default_daily_limit is not None
    lines = lines_with_day(data, None if every else pl.col("code").is_in(sorted(codes)))
    limits = pl.DataFrame(
        {"code": list(p.daily_limits), "daily_limit": list(p.daily_limits.values())},
        schema={"code": pl.String, "daily_limit": pl.Int64},
    )
    # Lines with their day count against the limit of that day; lines without one against
    # the limit times the days the claim covers (the stay's bed-days, or the visit's day).
    span = pl.max_horizontal(days_between("admitted", "discharged").fill_null(1), pl.lit(1))
    per_day = (
        lines.with_columns(
            pl.when(pl.col("dated")).then(pl.col("day")).alias("day"),
            pl.when(pl.col("dated")).then(1).otherwise(span).alias("days"),
        )
        .group_by("claim_no", "day", "code")
        .agg(
            pl.col("qty").sum().alias("units"),
            pl.col("amount_fen").sum().alias("amount"),
            pl.col("days").first(),
        )
        .join(limits, on="code", how="left")
    )
    if p.default_daily_limit is not None:
        default = int(p.default_daily_limit.value)
        per_day = per_day.with_columns(pl.col("daily_limit").fill_null(default))
    per_day = per_day.with_columns((pl.col("daily_limit") * pl.col("days")).alias("allowed"))
    over = per_day.filter(pl.col("units") > pl.col("allowed")).select(
        "claim_no",
        (pl.col("amount") * (pl.col("units") - pl.col("allowed")) // pl.col("units")).alias(
            "amount_fen"
        ),
        facts_json(
            code=pl.col("code"),
            day=pl.col("day").cast(pl.String),
            days=pl.col("days"),
            units=pl.col("units"),
            daily_limit=pl.col("daily_limit"),
        ),
    )
    pairs = [(pkg, inc) for pkg, included in p.packages.items() for inc in included]
    if not pairs:
        return over
    packages = pl.DataFrame(pairs, schema={"package": pl.String, "code": pl.String}, orient="row")
    billed = lines.select("claim_no", pl.col("code").alias("package")).unique()
    inside = (
        lines.join(packages, on="code", how="inner")
        .join(billed, on=["claim_no", "package"], how="semi")
        .select(
            "claim_no",
            pl.col("amount_fen"),
            facts_json(code=pl.col("code"), package=pl.col("package")),
        )
    )
    return pl.concat([over, inside])


def over_standard_charge(rule: OverStandardRule, data: ScreenInput) -> pl.DataFrame:
    p = rule.params
    lines = lines_with_day(data, pl.col("code").is_in([*p.bed_day_codes, *p.hourly_codes]))
    parts = []
    if p.catalog_price_ceiling:  # the ceiling of each line's entry in force on its day
        parts.append(
            data.lines.filter(pl.col("price_ceiling_fen").is_not_null())
            .with_columns(pl.col("quantity").fill_null(1).alias("qty"))
            .filter(pl.col("amount_fen") > pl.col("price_ceiling_fen") * pl.col("qty"))
            .select(
                "claim_no",
                (pl.col("amount_fen") - pl.col("price_ceiling_fen") * pl.col("qty")).alias(
                    "amount_fen"
                ),
                facts_json(
                    code=pl.col("code"),
                    # rounded up: a price above the ceiling by less than a fen a unit
                    # (50.01 yuan for 2 units at 25.00) never reads as equal to it
                    unit_price_fen=(pl.col("amount_fen") + pl.col("qty") - 1) // pl.col("qty"),
                    price_ceiling_fen=pl.col("price_ceiling_fen"),
                ),
            )
        )
    if p.bed_day_codes:
        stay = pl.max_horizontal(days_between("admitted", "discharged"), pl.lit(1))
        parts.append(
            lines.filter(pl.col("code").is_in(p.bed_day_codes) & pl.col("admitted").is_not_null())
            .group_by("claim_no", "code")
            .agg(
                pl.col("qty").sum().alias("units"),
                pl.col("amount_fen").sum().alias("amount"),
                stay.first().alias("stay_days"),
            )
            .filter(pl.col("units") > pl.col("stay_days"))
            .select(
                "claim_no",
                (
                    pl.col("amount") * (pl.col("units") - pl.col("stay_days")) // pl.col("units")
                ).alias("amount_fen"),
                facts_json(
                    code=pl.col("code"), units=pl.col("units"), stay_days=pl.col("stay_days")
                ),
            )
        )
    if p.hourly_codes:
        cap = int(p.max_hours_per_day.value)
        parts.append(
            lines.filter(pl.col("code").is_in(p.hourly_codes))
            .group_by("claim_no", "day", "code")
            .agg(pl.col("qty").sum().alias("hours"), pl.col("amount_fen").sum().alias("amount"))
            .filter(pl.col("hours") > cap)
            .select(
                "claim_no",
                (pl.col("amount") * (pl.col("hours") - cap) // pl.col("hours")).alias("amount_fen"),
                facts_json(
                    code=pl.col("code"),
                    day=pl.col("day").cast(pl.String),
                    hours=pl.col("hours"),
                    max_hours_per_day=pl.lit(cap),
                ),
            )
        )
    return pl.concat(parts) if parts else no_hits()


def repeat_test(rule: RepeatTestRule, data: ScreenInput) -> pl.DataFrame:
    """A test repeated at most ``window_days`` after the same test of the person at another
    institution (whose report the mutual-recognition system makes it accept): the later
    claim's test lines are flagged, naming the latest earlier test. Tests of one day at two
    institutions: the claim with the higher number is the repeat."""
    p = rule.params
    window = int(p.window_days.value)
    lines = lines_with_day(data, pl.col("code").is_in(sorted(set(p.test_codes))))
    tests = (
        lines.join(data.claims.select("claim_no", "institution"), on="claim_no", how="left")
        .group_by("person_id", "code", "claim_no", "day")
        .agg(pl.col("amount_fen").sum(), pl.col("institution").first())
    )
    earlier = tests.select(
        "person_id",
        "code",
        pl.col("claim_no").alias("earlier_claim"),
        pl.col("day").alias("earlier_day"),
        pl.col("institution").alias("earlier_institution"),
    )
    gap = (pl.col("day") - pl.col("earlier_day")).dt.total_days()
    before = (pl.col("earlier_day") < pl.col("day")) | (
        (pl.col("earlier_day") == pl.col("day")) & (pl.col("earlier_claim") < pl.col("claim_no"))
    )
    return (
        tests.join(earlier, on=["person_id", "code"], how="inner")
        .filter(
            (pl.col("institution") != pl.col("earlier_institution")).fill_null(False)
            & before
            & (gap <= window)
        )
        .with_columns(gap.alias("gap"))
        .sort("claim_no", "code", "day", "earlier_day", "earlier_claim")
        .group_by("claim_no", "code", "day", maintain_order=True)
        .last()
        .select(
            "claim_no",
            "amount_fen",
            facts_json(
                code=pl.col("code"),
                day=pl.col("day").cast(pl.String),
                earlier_claim=pl.col("earlier_claim"),
                earlier_institution=pl.col("earlier_institution"),
                earlier_day=pl.col("earlier_day").cast(pl.String),
                days_since_test=pl.col("gap"),
                window_days=pl.lit(window),
            ),
        )
    )


def out_of_catalog_share(rule: OutOfCatalogRule, data: ScreenInput) -> pl.DataFrame:
    bp = round(rule.params.max_share.value * 100)
    with_c = data.lines.filter(pl.col("item_class") == "C")["claim_no"].unique().implode()
    sums = (
        data.lines.filter(pl.col("claim_no").is_in(with_c))
        .group_by("claim_no")
        .agg(
            pl.col("amount_fen").sum().alias("total"),
            pl.col("amount_fen").filter(pl.col("item_class") == "C").sum().alias("self_paid"),
        )
    )
    # The share's amount floored to the fen: what a claim may bill out of the catalog in
    # whole fen. A claim is above the share exactly when it bills more than that, so every
    # claim flagged has at least 1 fen at stake (rounded half up, 15 % of 100.10 yuan is
    # 15.02 yuan, and a bill of 15.02 yuan, 15.005 %, was flagged with nothing at stake).
    allowed = (pl.col("total") * bp) // 10000
    return sums.filter(pl.col("self_paid") * 10000 > pl.col("total") * bp).select(
        "claim_no",
        (pl.col("self_paid") - allowed).alias("amount_fen"),
        facts_json(
            self_paid_fen=pl.col("self_paid"),
            total_fen=pl.col("total"),
            # rounded up to a basis point: a share above the line never reads as equal to it
            share_bp=(pl.col("self_paid") * 10000 + pl.col("total") - 1) // pl.col("total"),
            max_share_bp=pl.lit(bp),
        ),
    )


def concurrent_bed_charge(rule: ConcurrentBedRule, data: ScreenInput) -> pl.DataFrame:
    """An ordinary ward bed-day fee (``ward_codes``) and a special-ward or ICU bed fee
    (``special_codes``) billed for the same days of one claim. Daily bill lines (one unit,
    dated after the claim's own date) show their day: a day with both kinds is billed twice.
    Other lines cannot show their days (an undated line, as the database's claims give it,
    falls on the claim's date; a line of several units spans days it does not name): both
    kinds together above the stay's days (discharge − admission, at least 1, as
    over-standard bed-days) are days billed twice, at most the smaller kind's units. The
    days billed twice are the larger of the two counts; the ordinary bed fee of those days
    (its amount × days ÷ its units, floored) is at stake."""
    p = rule.params
    ward, special = sorted(set(p.ward_codes)), sorted(set(p.special_codes))
    lines = lines_with_day(data, pl.col("code").is_in([*ward, *special])).with_columns(
        pl.col("code").is_in(ward).alias("ward")
    )
    daily = (
        lines.filter(pl.col("dated") & (pl.col("qty") == 1) & (pl.col("day") != pl.col("date")))
        .group_by("claim_no", "day")
        .agg(pl.col("ward").any().alias("w"), (~pl.col("ward")).any().alias("s"))
        .filter(pl.col("w") & pl.col("s"))
        .group_by("claim_no")
        .agg(
            pl.len().cast(pl.Int64).alias("same_days"),
            pl.col("day").min().cast(pl.String).alias("first_day"),
        )
    )
    stay = pl.max_horizontal(days_between("admitted", "discharged").fill_null(1), pl.lit(1))
    ward_units = pl.col("qty").filter(pl.col("ward")).sum()
    special_units = pl.col("qty").filter(~pl.col("ward")).sum()
    totals = (
        lines.group_by("claim_no")
        .agg(
            ward_units.cast(pl.Int64).alias("ward_units"),
            special_units.cast(pl.Int64).alias("special_units"),
            pl.col("amount_fen").filter(pl.col("ward")).sum().cast(pl.Int64).alias("ward_fen"),
            stay.first().cast(pl.Int64).alias("stay_days"),
        )
        .filter((pl.col("ward_units") > 0) & (pl.col("special_units") > 0))
        .join(daily, on="claim_no", how="left")
        .with_columns(
            pl.min_horizontal(
                "ward_units",
                "special_units",
                pl.col("ward_units") + pl.col("special_units") - pl.col("stay_days"),
            ).alias("above_stay"),
            pl.col("same_days").fill_null(0),
        )
        .with_columns(
            pl.min_horizontal(
                pl.max_horizontal("same_days", "above_stay"), pl.col("ward_units")
            ).alias("twice")
        )
        .filter(pl.col("twice") > 0)
    )
    return totals.select(
        "claim_no",
        (pl.col("ward_fen") * pl.col("twice") // pl.col("ward_units")).alias("amount_fen"),
        facts_json(
            ward_units=pl.col("ward_units"),
            special_units=pl.col("special_units"),
            stay_days=pl.col("stay_days"),
            days_billed_twice=pl.col("twice"),
            first_day=pl.col("first_day"),
        ),
    )
