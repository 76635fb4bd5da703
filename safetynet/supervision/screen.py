"""Every screening rule over a year of claims, vectorised (Polars joins and window functions).

:func:`screen` takes a rule set and the canonical frames (:mod:`safetynet.supervision.frames`)
and returns one row per hit: the rule (id, kind, severity, article), the claim (number,
person, institution, doctor, date), the amount at stake in fen and ``facts``, a JSON object
of the values that triggered the hit (the parameter included). No loop runs over claims:
each rule is a handful of sorts, joins and ``over`` windows, so a county's year screens in
seconds and one claim with its person's history in milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl

from safetynet.registry.alive import AFTER_DEATH_REASONS, after_death_expr
from safetynet.supervision.frames import ScreenInput, canonical_code
from safetynet.supervision.schema import (
    DuplicateChargeRule,
    GhostBedRule,
    ImpersonationRule,
    LowThresholdRule,
    OutOfCatalogRule,
    OutpatientAbuseRule,
    OverlappingStayRule,
    OverStandardRule,
    RepeatTestRule,
    Rule,
    RuleSet,
    SharedPhoneRule,
    SplitAdmissionRule,
)

HIT_SCHEMA: dict[str, pl.DataType] = {
    "rule_id": pl.String(),
    "kind": pl.String(),
    "severity": pl.String(),
    "article": pl.Int32(),
    "claim_no": pl.String(),
    "person_id": pl.String(),
    "institution": pl.String(),
    "doctor": pl.String(),
    "date": pl.Date(),
    "amount_fen": pl.Int64(),
    "facts": pl.String(),
}
OUTPATIENT_KINDS = ("outpatient", "chronic_outpatient")


def _facts(**exprs: pl.Expr) -> pl.Expr:
    """The facts of a hit as a JSON object (dates as ISO text)."""
    fields = []
    for name, expr in exprs.items():
        fields.append(expr.alias(name))
    return pl.struct(fields).struct.json_encode().alias("facts")


def _starts_with_any(col: pl.Expr, prefixes: Iterable[str]) -> pl.Expr:
    """Whether the text starts with one of ``prefixes``: one set lookup per prefix length."""
    by_length: dict[int, list[str]] = {}
    for p in prefixes:
        by_length.setdefault(len(p), []).append(p)
    if not by_length:
        return pl.lit(False)
    return pl.any_horizontal(
        [col.str.slice(0, n).is_in(sorted(ps)) for n, ps in sorted(by_length.items())]
    ).fill_null(False)


def _days(a: str, b: str) -> pl.Expr:
    return (pl.col(b) - pl.col(a)).dt.total_days()


def _same(keys: list[str], k: int = 1) -> pl.Expr:
    """On a frame sorted by ``keys``: whether the row ``k`` above has the same keys."""
    return pl.all_horizontal([pl.col(c).shift(k) == pl.col(c) for c in keys]).fill_null(False)


def _position(same: pl.Expr) -> pl.Expr:
    """1-based position of each row in its run of rows where ``same`` (vs the row above)."""
    idx = pl.int_range(pl.len(), dtype=pl.Int64)
    return idx - pl.when(~same).then(idx).forward_fill() + 1


def _lines_with_day(
    data: ScreenInput, keep: pl.Expr | None = None, claims: pl.Expr | None = None
) -> pl.DataFrame:
    """Item lines (those ``keep`` selects) with their claim's person, kind and dates (of the
    claims ``claims`` selects); a line without a day takes its claim's date. Filtering before
    the join keeps it small: most rules read a few codes of millions of lines."""
    lines = data.lines if keep is None else data.lines.filter(keep)
    lines = lines.drop(CATALOG_FACTS, strict=False)  # no rule joining them to claims reads these
    info = data.claims.select("claim_no", "person_id", "kind", "date", "admitted", "discharged")
    if claims is not None:
        info = info.filter(claims)
    return lines.join(info, on="claim_no", how="inner").with_columns(
        pl.col("day").is_not_null().alias("dated"),
        pl.coalesce("day", "date").alias("day"),
        pl.col("quantity").fill_null(1).alias("qty"),
    )


CATALOG_FACTS = ("price_ceiling_fen", "sex_restriction", "min_age", "max_age")


# --- the rules: each returns claim_no, amount_fen, facts --------------------------------


def duplicate_charge(rule: DuplicateChargeRule, data: ScreenInput) -> pl.DataFrame:
    p = rule.params
    codes = set(p.daily_limits) | set(p.packages)
    codes |= {c for included in p.packages.values() for c in included}
    every = p.default_daily_limit is not None
    lines = _lines_with_day(data, None if every else pl.col("code").is_in(sorted(codes)))
    limits = pl.DataFrame(
        {"code": list(p.daily_limits), "daily_limit": list(p.daily_limits.values())},
        schema={"code": pl.String, "daily_limit": pl.Int64},
    )
    # Lines with their day count against the limit of that day; lines without one against
    # the limit times the days the claim covers (the stay's bed-days, or the visit's day).
    span = pl.max_horizontal(_days("admitted", "discharged").fill_null(1), pl.lit(1))
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
        _facts(
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
            _facts(code=pl.col("code"), package=pl.col("package")),
        )
    )
    return pl.concat([over, inside])


def over_standard_charge(rule: OverStandardRule, data: ScreenInput) -> pl.DataFrame:
    p = rule.params
    lines = _lines_with_day(data, pl.col("code").is_in([*p.bed_day_codes, *p.hourly_codes]))
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
                _facts(
                    code=pl.col("code"),
                    unit_price_fen=pl.col("amount_fen") // pl.col("qty"),
                    price_ceiling_fen=pl.col("price_ceiling_fen"),
                ),
            )
        )
    if p.bed_day_codes:
        stay = pl.max_horizontal(_days("admitted", "discharged"), pl.lit(1))
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
                _facts(code=pl.col("code"), units=pl.col("units"), stay_days=pl.col("stay_days")),
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
                _facts(
                    code=pl.col("code"),
                    day=pl.col("day").cast(pl.String),
                    hours=pl.col("hours"),
                    max_hours_per_day=pl.lit(cap),
                ),
            )
        )
    return pl.concat(parts) if parts else _none()


def _stays(data: ScreenInput) -> pl.DataFrame:
    return data.claims.filter(
        (pl.col("kind") == "inpatient")
        & pl.col("admitted").is_not_null()
        & pl.col("discharged").is_not_null()
    )


def _day_key(date: str) -> pl.Expr:
    """A date column as day × 2^32 plus the row's ``_pos`` (below 2^32): in date order, rows
    of one day in position order."""
    return pl.col(date).cast(pl.Int32).cast(pl.Int64) * 2**32 + pl.col("_pos").cast(pl.Int64)


def split_admission(rule: SplitAdmissionRule, data: ScreenInput) -> pl.DataFrame:
    p = rule.params
    window = int(p.window_days.value)
    chars = int(p.category_chars.value)
    # A planned cycle (chemotherapy, radiotherapy) is neither side of a pair.
    planned = _starts_with_any(pl.col("diagnosis"), p.planned_cycle_diagnoses)
    stays = (
        _stays(data)
        .filter(pl.col("diagnosis").is_not_null() & ~planned)
        .with_columns(pl.col("diagnosis").str.slice(0, chars).alias("category"))
        .sort("person_id", "category", "admitted", "discharged", "claim_no")
        .with_row_index("_pos")
        .with_columns((~_same(["person_id", "category"])).cum_sum().alias("_group"))
    )
    # Every earlier stay of the person and category is compared, however many lie between:
    # the latest discharge on or before the admission among ALL the stays sorted before it
    # (a stay admitted during another one still counts from the earlier discharge), by an
    # as-of join on (day, position): a stay discharged on the admission day counts when it
    # is sorted before it, never itself.
    earlier = stays.select(
        "_group",
        _day_key("discharged").alias("_key"),
        pl.col("discharged").alias("previous_discharged"),
        pl.col("claim_no").alias("previous_claim"),
    ).sort("_key")
    stays = (
        stays.with_columns((_day_key("admitted") - 1).alias("_key"))
        .sort("_key")
        .join_asof(earlier, on="_key", by="_group", strategy="backward", check_sortedness=False)
        .with_columns(_days("previous_discharged", "admitted").alias("gap"))
        .sort("_pos")
    )
    return stays.filter(pl.col("gap").is_between(0, window)).select(
        "claim_no",
        pl.col("total_fen").fill_null(0).alias("amount_fen"),
        _facts(
            previous_claim=pl.col("previous_claim"),
            previous_discharged=pl.col("previous_discharged").cast(pl.String),
            admitted=pl.col("admitted").cast(pl.String),
            gap_days=pl.col("gap"),
            window_days=pl.lit(window),
            category=pl.col("category"),
        ),
    )


def overlapping_stay(rule: OverlappingStayRule, data: ScreenInput) -> pl.DataFrame:
    """A person admitted at two institutions on overlapping dates, or seen elsewhere during a
    stay: EVERY claim of such a pair is flagged (either may be the false one, and at the
    window the claim submitted last may be either: the earlier-admitted stay, the stay that
    holds a visit settled before it), one hit per claim naming the other. A stay admitted on
    the day another ends, or a visit on a stay's first or last day, is no overlap."""
    stays = _stays(data).sort("person_id", "admitted", "discharged", "claim_no")
    # A running maximum of the discharge per person without a window: each person's days are
    # offset by a multiple of 10^6 that grows with the person, so one cumulative maximum
    # over the sorted frame never crosses from one person into the next.
    same = _same(["person_id"])
    group = (~same).cast(pl.Int64).cum_sum()
    day = pl.col("discharged").cast(pl.Int64) + group * 1_000_000
    running = day.cum_max()
    holds = day == running
    # the next stay of the person in this order is the one admitted first after it: a stay
    # is overlapped by a later one when that one is admitted before it ends
    after = _same(["person_id"], -1)
    stays = stays.with_columns(
        pl.when(same)
        .then((running.shift() - group * 1_000_000).cast(pl.Date))
        .alias("other_discharged"),
        pl.when(same)
        .then(pl.when(holds).then(pl.col("claim_no")).forward_fill().shift())
        .alias("other_claim"),
        pl.when(same)
        .then(pl.when(holds).then(pl.col("institution")).forward_fill().shift())
        .alias("other_institution"),
        pl.when(after).then(pl.col("admitted").shift(-1)).alias("next_admitted"),
        pl.when(after).then(pl.col("claim_no").shift(-1)).alias("next_claim"),
        pl.when(after).then(pl.col("institution").shift(-1)).alias("next_institution"),
        pl.when(after).then(pl.col("discharged").shift(-1)).alias("next_discharged"),
    )
    amount = pl.col("total_fen").fill_null(0).alias("amount_fen")
    overlap = stays.filter(pl.col("admitted") < pl.col("other_discharged")).select(
        "claim_no",
        amount,
        _facts(
            other_claim=pl.col("other_claim"),
            other_institution=pl.col("other_institution"),
            other_discharged=pl.col("other_discharged").cast(pl.String),
            admitted=pl.col("admitted").cast(pl.String),
        ),
    )
    overlapped = stays.filter(pl.col("next_admitted") < pl.col("discharged")).select(
        "claim_no",
        amount,
        _facts(
            other_claim=pl.col("next_claim"),
            other_institution=pl.col("next_institution"),
            other_admitted=pl.col("next_admitted").cast(pl.String),
            other_discharged=pl.col("next_discharged").cast(pl.String),
            discharged=pl.col("discharged").cast(pl.String),
        ),
    )
    visits = data.claims.filter(pl.col("kind").is_in(OUTPATIENT_KINDS)).select(
        "claim_no", "person_id", "date", "institution", "total_fen"
    )
    right = stays.select(
        "person_id",
        pl.col("admitted"),
        pl.col("discharged").alias("stay_discharged"),
        pl.col("claim_no").alias("stay_claim"),
        pl.col("institution").alias("stay_institution"),
        pl.col("total_fen").alias("stay_total_fen"),
    )
    # Every stay of the person is compared, not only the one admitted last before the visit
    # (a short stay ended before the visit, or one at the visit's own institution, does not
    # hide a longer one elsewhere); a visit inside several is named with the latest admitted.
    inside = visits.join(right, on="person_id", how="inner").filter(
        (pl.col("admitted") < pl.col("date"))
        & (pl.col("date") < pl.col("stay_discharged"))
        & (pl.col("institution") != pl.col("stay_institution"))
    )
    present = (
        inside.sort("claim_no", "admitted", "stay_claim", descending=[False, True, True])
        .unique("claim_no", keep="first", maintain_order=True)
        .select(
            "claim_no",
            amount,
            _facts(
                stay_claim=pl.col("stay_claim"),
                stay_institution=pl.col("stay_institution"),
                admitted=pl.col("admitted").cast(pl.String),
                discharged=pl.col("stay_discharged").cast(pl.String),
                visit_date=pl.col("date").cast(pl.String),
            ),
        )
    )
    # the stay a visit elsewhere falls in, named with its latest visit
    holding = (
        inside.sort("stay_claim", "date", "claim_no", descending=[False, True, True])
        .unique("stay_claim", keep="first", maintain_order=True)
        .select(
            pl.col("stay_claim").alias("claim_no"),
            pl.col("stay_total_fen").fill_null(0).alias("amount_fen"),
            _facts(
                visit_claim=pl.col("claim_no"),
                visit_institution=pl.col("institution"),
                visit_date=pl.col("date").cast(pl.String),
                admitted=pl.col("admitted").cast(pl.String),
                discharged=pl.col("stay_discharged").cast(pl.String),
            ),
        )
    )
    # one hit per claim: a stay overlapping several is named with the first found
    return pl.concat([overlap, overlapped, present, holding]).unique(
        "claim_no", keep="first", maintain_order=True
    )


def _after_death(claims: pl.DataFrame, lines: pl.DataFrame, amount: pl.Expr) -> pl.DataFrame:
    """Claims of persons who died with a service after the death — the registry's one
    definition (:func:`safetynet.registry.alive.after_death_expr`), the window's refusal:
    started on or after the day of death, discharged after it, or an item line dated after
    it. The fact ``date`` is the date at fault."""
    died = claims.filter(pl.col("deceased_on").is_not_null())
    if "day" in lines.columns:
        last = (
            lines.join(died.select("claim_no"), on="claim_no", how="semi")
            .group_by("claim_no")
            .agg(pl.col("day").max().alias("_last_service"))
        )
        died = died.join(last, on="claim_no", how="left")
    else:
        died = died.with_columns(pl.lit(None, pl.Date).alias("_last_service"))
    start = pl.coalesce("admitted", "date")
    end = pl.coalesce("discharged", "admitted", "date")
    service = pl.col("_last_service")
    field = after_death_expr(start, end, pl.col("deceased_on"), service).alias("_field")
    found = died.with_columns(field).filter(pl.col("_field").is_not_null())
    day = (
        pl.when(pl.col("_field") == "date").then(start)
        .when(pl.col("_field") == "discharge_date").then(end)
        .otherwise(service)
    )  # fmt: skip
    reason = pl.col("_field").replace_strict(AFTER_DEATH_REASONS, return_dtype=pl.String)
    return found.select(
        "claim_no",
        amount,
        _facts(
            reason=reason,
            date=day.cast(pl.String),
            deceased_on=pl.col("deceased_on").cast(pl.String),
        ),
    )


def _restricted() -> pl.Expr:
    return (
        pl.col("sex_restriction").is_not_null()
        | pl.col("min_age").is_not_null()
        | pl.col("max_age").is_not_null()
    )


def impersonation(rule: ImpersonationRule, data: ScreenInput) -> pl.DataFrame:
    p = rule.params
    assert data.persons is not None  # ScreenInput.check refuses the rule without persons
    dx = pl.col("diagnosis")
    # Only claims that could be suspect are joined with their persons: a restricted
    # diagnosis, a person who died, a restricted catalog item.
    restricted_dx = [*p.female_only_diagnoses, *p.male_only_diagnoses,
                     *p.newborn_only_diagnoses]  # fmt: skip
    # the restrictions of each line's entry in force on its day
    restricted_lines = data.lines.filter(_restricted())
    dead = data.persons.filter(pl.col("deceased_on").is_not_null()).select("person_id")
    suspects = pl.concat([
        data.claims.filter(_starts_with_any(dx, restricted_dx)),
        data.claims.join(dead, on="person_id", how="semi"),
        data.claims.filter(pl.col("claim_no").is_in(restricted_lines["claim_no"].implode())),
    ]).unique("claim_no", maintain_order=True)  # fmt: skip
    claims = suspects.join(data.persons, on="person_id", how="left")
    amount = pl.col("total_fen").fill_null(0).alias("amount_fen")
    newborn_max = int(p.newborn_max_age.value)
    reasons = {
        "diagnosis for women only": _starts_with_any(dx, p.female_only_diagnoses)
        & (pl.col("sex") == "M"),
        "diagnosis for men only": _starts_with_any(dx, p.male_only_diagnoses)
        & (pl.col("sex") == "F"),
        "diagnosis for newborns only": _starts_with_any(dx, p.newborn_only_diagnoses)
        & (pl.col("age") > newborn_max),
    }
    parts = [
        claims.filter(cond.fill_null(False)).select(
            "claim_no",
            amount,
            _facts(
                reason=pl.lit(reason),
                diagnosis=dx,
                sex=pl.col("sex"),
                age=pl.col("age"),
            ),
        )
        for reason, cond in reasons.items()
    ]
    if p.after_death:
        parts.append(_after_death(claims, data.lines, amount))
    if p.catalog_restrictions:
        lines = restricted_lines.join(
            claims.select("claim_no", "sex", "age"), on="claim_no", how="inner"
        )
        wrong = (
            (pl.col("sex_restriction").is_not_null() & (pl.col("sex") != pl.col("sex_restriction")))
            | (pl.col("age") < pl.col("min_age"))
            | (pl.col("age") > pl.col("max_age"))
        ).fill_null(False)
        parts.append(
            lines.filter(wrong).select(
                "claim_no",
                "amount_fen",
                _facts(
                    reason=pl.lit("item restricted by sex or age"),
                    code=pl.col("code"),
                    sex=pl.col("sex"),
                    age=pl.col("age"),
                    sex_restriction=pl.col("sex_restriction"),
                    min_age=pl.col("min_age"),
                    max_age=pl.col("max_age"),
                ),
            )
        )
    return pl.concat(parts)


def low_threshold_admission(rule: LowThresholdRule, data: ScreenInput) -> pl.DataFrame:
    p = rule.params
    max_stay = int(p.max_stay_days.value)
    treating = set(p.surgery_codes) | set(p.iv_codes)
    stays = (
        _stays(data)
        .with_columns(_days("admitted", "discharged").alias("stay_days"))
        .filter(
            (pl.col("stay_days") <= max_stay)
            & _starts_with_any(pl.col("diagnosis"), p.outpatient_treatable)
        )
    )
    # the candidates are few: look up their lines only
    lines = data.lines.filter(pl.col("claim_no").is_in(stays["claim_no"].implode()))
    treated = lines.filter(pl.col("code").is_in(sorted(treating))).select("claim_no")
    stays = stays.join(lines.select("claim_no").unique(), on="claim_no", how="semi").join(
        treated, on="claim_no", how="anti"
    )
    return stays.select(
        "claim_no",
        pl.col("total_fen").fill_null(0).alias("amount_fen"),
        _facts(
            stay_days=pl.col("stay_days"),
            max_stay_days=pl.lit(max_stay),
            diagnosis=pl.col("diagnosis"),
            surgery_or_iv=pl.lit(False),
        ),
    )


def outpatient_abuse(rule: OutpatientAbuseRule, data: ScreenInput) -> pl.DataFrame:
    p = rule.params
    limit = int(p.max_purchases_per_month.value)
    run_limit = int(p.consecutive_days.value)
    drugs = _lines_with_day(
        data,
        pl.col("code").str.starts_with(p.drug_code_prefix),
        pl.col("kind").is_in(OUTPATIENT_KINDS),
    )
    # only a drug a person bought at least this often can break a limit
    often = p.often()
    drugs = drugs.join(
        drugs.group_by("person_id", "code").len().filter(pl.col("len") >= often),
        on=["person_id", "code"],
        how="semi",
    )
    purchases = (
        drugs.group_by("person_id", "code", "claim_no", "day")
        .agg(pl.col("amount_fen").sum())
        .sort("person_id", "code", "day", "claim_no")
        .with_columns((pl.col("day").dt.year() * 100 + pl.col("day").dt.month()).alias("month"))
    )
    month_key = ["person_id", "code", "month"]
    purchases = purchases.with_columns(_position(_same(month_key)).alias("nth"))
    monthly = (
        purchases.with_columns(
            pl.col("nth").max().over((~_same(month_key)).cum_sum()).alias("purchases")
        )
        .filter(pl.col("nth") > limit)
        .select(
            "claim_no",
            "amount_fen",
            _facts(
                reason=pl.lit("purchases in a month"),
                code=pl.col("code"),
                month=pl.col("day").dt.strftime("%Y-%m"),
                purchases=pl.col("purchases"),
                max_purchases_per_month=pl.lit(limit),
            ),
        )
    )
    key = ["person_id", "code"]
    days = purchases.filter(~_same([*key, "day"])).select(
        *key, "day", "claim_no", "amount_fen"
    )  # the first claim of each day (sorted by claim number)
    consecutive = _same(key) & ((pl.col("day") - pl.col("day").shift()).dt.total_days() == 1)
    runs = (
        days.with_columns(
            _position(consecutive).alias("run_day"),
            pl.when(~consecutive).then(pl.col("day")).forward_fill().alias("run_start"),
        )
        .filter(pl.col("run_day") >= run_limit)
        .select(
            "claim_no",
            "amount_fen",
            _facts(
                reason=pl.lit("consecutive days"),
                code=pl.col("code"),
                run_start=pl.col("run_start").cast(pl.String),
                day=pl.col("day").cast(pl.String),
                consecutive_days=pl.col("run_day"),
                limit_days=pl.lit(run_limit),
            ),
        )
    )
    parts = [monthly, runs]
    if p.max_prescriptions_per_day is not None:
        most = int(p.max_prescriptions_per_day.value)
        parts.append(_split_prescriptions(purchases, data.claims, most))
    return pl.concat(parts)


def _split_prescriptions(purchases: pl.DataFrame, claims: pl.DataFrame, most: int) -> pl.DataFrame:
    """Split prescriptions: one drug on more of a person's outpatient claims at one
    institution on one day than ``most`` (one visit settled as several); the claims after the
    first ``most`` of the day (by claim number) are flagged."""
    key = ["person_id", "institution", "code", "day"]
    return (
        purchases.join(claims.select("claim_no", "institution"), on="claim_no", how="left")
        .sort(*key, "claim_no")
        .with_columns(_position(_same(key)).alias("nth"), pl.len().over(key).alias("prescriptions"))
        .filter(pl.col("nth") > most)
        .select(
            "claim_no",
            "amount_fen",
            _facts(
                reason=pl.lit("split prescriptions"),
                code=pl.col("code"),
                day=pl.col("day").cast(pl.String),
                prescriptions=pl.col("prescriptions"),
                max_prescriptions_per_day=pl.lit(most),
            ),
        )
    )


def repeat_test(rule: RepeatTestRule, data: ScreenInput) -> pl.DataFrame:
    """A test repeated at most ``window_days`` after the same test of the person at another
    institution (whose report the mutual-recognition system makes it accept): the later
    claim's test lines are flagged, naming the latest earlier test. Tests of one day at two
    institutions: the claim with the higher number is the repeat."""
    p = rule.params
    window = int(p.window_days.value)
    lines = _lines_with_day(data, pl.col("code").is_in(sorted(set(p.test_codes))))
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
            _facts(
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


def ghost_bed(rule: GhostBedRule, data: ScreenInput) -> pl.DataFrame:
    """A stay whose first substantive item (any but the routine bed, nursing and
    registration codes) is dated more than ``max_untreated_days`` after its admission. A line
    without a day counts as given on the claim's date (the admission), so only dated lines
    can show a ghost bed (the window's submissions carry no item days); a stay billing no
    substantive item at all is not judged (its bill may list the bed-days only)."""
    p = rule.params
    most = int(p.max_untreated_days.value)
    stays = _stays(data).filter(_days("admitted", "discharged") > most)
    lines = data.lines.filter(pl.col("claim_no").is_in(stays["claim_no"].implode()))
    substantive = ~pl.col("code").is_in(sorted(set(p.routine_codes))).fill_null(False)
    first = (
        lines.join(stays.select("claim_no", "admitted"), on="claim_no", how="inner")
        .group_by("claim_no")
        .agg(pl.coalesce("day", "admitted").filter(substantive).min().alias("first_treated"))
    )
    untreated = _days("admitted", "first_treated")
    return (
        stays.join(first, on="claim_no", how="inner")
        .filter((untreated > most).fill_null(False))
        .select(
            "claim_no",
            pl.col("total_fen").fill_null(0).alias("amount_fen"),
            _facts(
                admitted=pl.col("admitted").cast(pl.String),
                first_treated=pl.col("first_treated").cast(pl.String),
                untreated_days=untreated,
                max_untreated_days=pl.lit(most),
            ),
        )
    )


def shared_phone(rule: SharedPhoneRule, data: ScreenInput) -> pl.DataFrame:
    """One phone number for more than ``max_persons`` insured persons among the claims of the
    highest amounts (the ``top_share`` of the claims screened: the claims whose rank by
    amount is at most ``n × top_share`` — of 61 claims the top 5 % are 3, 4 would be 6.6 %;
    of fewer than 20, none — ties with the last of them included): each such claim is
    flagged. It compares persons with one another, so it needs the screened claims of many
    persons: a county's year, not one person's history."""
    p = rule.params
    most = int(p.max_persons.value)
    assert data.persons is not None  # ScreenInput.check refuses the rule without persons
    amounts = data.claims.select("claim_no", "person_id", pl.col("total_fen").fill_null(0))
    n = amounts.height
    keep = n * round(p.top_share.value * 100) // 10_000  # floor(n × share), basis points
    if n == 0 or keep == 0:
        return _none()
    cut = amounts["total_fen"].sort(descending=True)[keep - 1]
    phones = data.persons.select("person_id", "phone").filter(pl.col("phone").is_not_null())
    top = amounts.filter(pl.col("total_fen") >= cut).join(phones, on="person_id", how="inner")
    return (
        top.with_columns(pl.col("person_id").n_unique().over("phone").alias("persons"))
        .filter(pl.col("persons") > most)
        .select(
            "claim_no",
            pl.col("total_fen").alias("amount_fen"),
            _facts(
                reason=pl.lit("one phone number for several persons"),
                phone=pl.concat_str(pl.lit("*******"), pl.col("phone").str.slice(-4)),
                persons=pl.col("persons"),
                max_persons=pl.lit(most),
                top_amount_fen=pl.lit(cut),
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
    allowed = (pl.col("total") * bp + 5000) // 10000
    return sums.filter(pl.col("self_paid") * 10000 > pl.col("total") * bp).select(
        "claim_no",
        (pl.col("self_paid") - allowed).clip(lower_bound=0).alias("amount_fen"),
        _facts(
            self_paid_fen=pl.col("self_paid"),
            total_fen=pl.col("total"),
            share_bp=(pl.col("self_paid") * 10000 // pl.col("total")),
            max_share_bp=pl.lit(bp),
        ),
    )


def _none() -> pl.DataFrame:
    return pl.DataFrame(schema={"claim_no": pl.String, "amount_fen": pl.Int64, "facts": pl.String})


RULES: dict[str, Callable[..., pl.DataFrame]] = {
    "duplicate_charge": duplicate_charge,
    "over_standard_charge": over_standard_charge,
    "split_admission": split_admission,
    "overlapping_stay": overlapping_stay,
    "impersonation": impersonation,
    "low_threshold_admission": low_threshold_admission,
    "outpatient_abuse": outpatient_abuse,
    "out_of_catalog_share": out_of_catalog_share,
    "repeat_test": repeat_test,
    "ghost_bed": ghost_bed,
    "shared_phone": shared_phone,
}


def _found(rule: Rule, data: ScreenInput) -> pl.DataFrame:
    """One rule's hits: claim, amount at stake, facts and the rule's own columns."""
    return RULES[rule.kind](rule, data).select(
        pl.col("claim_no").cast(pl.String),
        pl.col("amount_fen").cast(pl.Int64),
        pl.col("facts").cast(pl.String),
        pl.lit(rule.id).alias("rule_id"),
        pl.lit(rule.kind).alias("kind"),
        pl.lit(rule.severity).alias("severity"),
        pl.lit(rule.article, pl.Int32).alias("article"),
    )


def _with_claims(found: pl.DataFrame, data: ScreenInput) -> pl.DataFrame:
    """The hits with their claim's person, institution, doctor and date (one join)."""
    info = data.claims.select("claim_no", "person_id", "institution", "doctor", "date")
    return (
        found.join(info, on="claim_no", how="left").select(list(HIT_SCHEMA)).cast(HIT_SCHEMA)  # type: ignore[arg-type]
    )


def screen_rule(rule: Rule, data: ScreenInput) -> pl.DataFrame:
    """The hits of one rule (every column of :data:`HIT_SCHEMA`)."""
    return _with_claims(_found(rule, data), data)


def _canonical(data: ScreenInput) -> ScreenInput:
    """``data`` with each diagnosis as the rules compare it, however it was written (case,
    spaces, the dot: :func:`~safetynet.supervision.frames.canonical_code`). Each distinct
    code is looked at once and only those written otherwise are replaced (a county's year
    holds a few thousand codes over millions of claims, nearly all written canonically)."""
    written = data.claims["diagnosis"].unique().drop_nulls().to_list()
    mapping = {d: canonical_code(d) for d in written if canonical_code(d) != d}
    if not mapping:
        return data
    diagnosis = pl.col("diagnosis").replace(list(mapping), list(mapping.values()))
    return ScreenInput(data.claims.with_columns(diagnosis), data.lines, data.persons)


def screen(
    rules: RuleSet, data: ScreenInput, only: Iterable[str] | None = None, *, check: bool = True
) -> pl.DataFrame:
    """Every hit of every enabled rule (or of the rule ids in ``only``), sorted.

    Each claim is screened by the file of the rule set's chain that holds its person's
    region (:meth:`RuleSet.layer_of`, :meth:`RuleSet.layer`: a county's own rules only its
    county's claims, the province rules it inherits the province's; none a claim of no file's
    region), within the validity of ``rules`` (the file screening is set up with: a county's
    own ``valid_from`` starts the screening of every claim it screens).
    ``check`` refuses rules whose fields are missing from every claim (a file); a single
    claim's history (:func:`screen_claim`) may simply have no stay.
    """
    wanted = None if only is None else set(only)
    parts = []
    canonical = _canonical(data)
    for layer, claim_nos in _layers(rules, data):
        chosen = [r for r in layer.active() if wanted is None or r.id in wanted]
        if check:
            data.check(chosen)
        if not chosen:
            continue
        found = _with_claims(pl.concat([_found(rule, canonical) for rule in chosen]), canonical)
        found = found.filter(in_force(rules))
        if claim_nos is not None:
            found = found.filter(pl.col("claim_no").is_in(claim_nos))
        parts.append(found)
    if not parts:
        return pl.DataFrame(schema=HIT_SCHEMA)
    # a total order: two hits of one rule with the same facts (two lines of one restricted
    # item) differ only by their amounts
    return pl.concat(parts).sort("date", "claim_no", "rule_id", "facts", "amount_fen")


def _layers(rules: RuleSet, data: ScreenInput) -> list[tuple[RuleSet, list[str] | None]]:
    """The rules screening some claims of ``data`` (:meth:`RuleSet.layer`), each with the
    numbers of the claims they screen (None: every claim)."""
    persons = data.persons
    # a claim whose person has no village (or no row) is of the file's region: layer 0
    if rules.region is None or persons is None:
        return [(rules, None)]
    layer = {code: rules.layer_of(code) for code in persons["village"].unique().to_list()}
    layer[None] = 0
    if all(i == 0 for i in layer.values()):  # the common case: every person of the region
        return [(rules, None)]
    villages = persons.select("person_id", "village").unique("person_id", keep="first")
    claims = data.claims.select("claim_no", "person_id").join(villages, on="person_id", how="left")
    numbers: dict[int, list[str]] = {}
    for no, village in zip(claims["claim_no"].to_list(), claims["village"].to_list(), strict=True):
        i = layer[village]
        if i is not None:
            numbers.setdefault(i, []).append(no)
    out: list[tuple[RuleSet, list[str] | None]] = []
    for i, nos in sorted(numbers.items()):
        screened = rules.layer(i)
        if screened is not None:
            out.append((screened, nos))
    return out


def in_force(rules: RuleSet, day: str = "date") -> pl.Expr:
    """Whether the claim's date (the column ``day``: a visit's day, a stay's admission) is
    within the rule set's validity, ``valid_from`` to ``valid_to`` both included
    (:meth:`RuleSet.covers`): a rule flags only the claims of its period; a claim before
    it may still be the earlier claim a later one is compared with."""
    ok = pl.col(day) >= rules.valid_from
    if rules.valid_to is not None:
        ok = ok & (pl.col(day) <= rules.valid_to)
    return ok.fill_null(False)


@dataclass(frozen=True)
class _Held:
    """What the guards read of one person's claims (computed once for every rule)."""

    claims: int
    stays: int
    visits: int  # outpatient claims
    codes: frozenset[str]
    classes: frozenset[str]
    persons: bool

    @classmethod
    def of(cls, data: ScreenInput) -> _Held:
        kinds = data.claims["kind"].to_list()
        return cls(
            len(kinds),
            kinds.count("inpatient"),
            sum(k in OUTPATIENT_KINDS for k in kinds),
            frozenset(c for c in data.lines["code"].to_list() if c is not None),
            frozenset(data.lines["item_class"].to_list()),
            data.persons is not None,
        )


def _may_hit(rule: Rule, held: _Held) -> bool:
    """Cheap guards for one person's claims: rules that cannot fire on them are skipped."""
    stays = held.stays
    codes = held.codes
    if rule.kind in ("split_admission", "low_threshold_admission"):
        return stays >= (2 if rule.kind == "split_admission" else 1)
    if rule.kind == "overlapping_stay":
        return stays >= 1 and held.claims >= 2
    if rule.kind == "outpatient_abuse":
        p = rule.params  # type: ignore[union-attr]
        return held.visits >= p.often() and any(c.startswith(p.drug_code_prefix) for c in codes)
    if rule.kind == "repeat_test":
        return held.claims >= 2 and bool(codes & set(rule.params.test_codes))  # type: ignore[union-attr]
    if rule.kind == "ghost_bed":
        return stays >= 1
    if rule.kind == "shared_phone":
        return held.persons
    if rule.kind == "out_of_catalog_share":
        return "C" in held.classes
    if rule.kind == "impersonation":
        return held.persons
    if rule.kind == "duplicate_charge":
        p = rule.params  # type: ignore[union-attr]
        limited = set(p.daily_limits) | set(p.packages)
        return p.default_daily_limit is not None or bool(codes & limited)
    return True


@dataclass(frozen=True)
class _New:
    """What the guards read of the claims being screened (a few claims of one batch)."""

    kinds: set[str]
    stay_days: list[int]  # of the new stays
    diagnoses: list[str]
    codes: set[str]
    classes: set[str]
    lines: list[tuple[str, int, int, int | None]]  # code, amount, quantity, price ceiling
    restricted: bool  # a line's entry restricts it by sex or age
    deceased: bool  # one of their persons has died
    # outpatient purchases: the new claims' (person, code) and the lines of each such pair
    # in every outpatient claim of the history (new ones included)
    bought: dict[tuple[int, str], int]

    @classmethod
    def of(cls, history: ScreenInput, claim_nos: list[str]) -> _New:
        claims = history.claims.filter(pl.col("claim_no").is_in(claim_nos))
        lines = history.lines.filter(pl.col("claim_no").is_in(claim_nos))
        stays = claims.filter(pl.col("kind") == "inpatient")
        persons = history.persons
        deceased = persons is not None and bool(
            persons.filter(pl.col("person_id").is_in(claims["person_id"].implode()))["deceased_on"]
            .is_not_null()
            .any()
        )
        return cls(
            set(claims["kind"].to_list()),
            [d if d is not None else 0 for d in
             (stays["discharged"] - stays["admitted"]).dt.total_days().to_list()],
            [c for d in claims["diagnosis"].to_list() if (c := canonical_code(d))],
            set(lines["code"].drop_nulls().to_list()),
            set(lines["item_class"].drop_nulls().to_list()),
            [(c, a or 0, q or 1, ceiling) for c, a, q, ceiling in
             lines.select("code", "amount_fen", "quantity", "price_ceiling_fen").iter_rows()],
            any(x is not None for c in ("sex_restriction", "min_age", "max_age")
                for x in lines[c].to_list()),
            deceased,
            _bought(history, claim_nos),
        )  # fmt: skip


def _bought(history: ScreenInput, claim_nos: list[str]) -> dict[tuple[int, str], int]:
    """Lines of each (person, code) the new outpatient claims hold, over the history's
    outpatient claims (what :func:`outpatient_abuse` counts before anything else)."""
    claims = history.claims
    outpatient = {
        no: person
        for no, person, kind in zip(claims["claim_no"].to_list(), claims["person_id"].to_list(),
                                    claims["kind"].to_list(), strict=True)
        if kind in OUTPATIENT_KINDS
    }  # fmt: skip
    pairs = [
        (no, outpatient[no], code)
        for no, code in zip(history.lines["claim_no"].to_list(), history.lines["code"].to_list(),
                            strict=True)
        if no in outpatient and code is not None
    ]  # fmt: skip
    new = set(claim_nos)
    counts = {(person, code): 0 for no, person, code in pairs if no in new}
    for _, person, code in pairs:
        if (person, code) in counts:
            counts[(person, code)] += 1
    return counts


def _starts(values: list[str], prefixes: Iterable[str]) -> bool:
    ps = tuple(prefixes)
    return any(v.startswith(ps) for v in values)


def _may_hit_new(rule: Rule, new: _New) -> bool:
    """Whether ``rule`` can hit one of the new claims at all, from what they hold (a rule
    that cannot is not run: at the window only the new claims' hits matter)."""
    p: Any = getattr(rule, "params", None)
    inpatient = "inpatient" in new.kinds
    if rule.kind == "duplicate_charge":
        limited = set(p.daily_limits) | set(p.packages)
        limited |= {c for included in p.packages.values() for c in included}
        return p.default_daily_limit is not None or bool(new.codes & limited)
    if rule.kind == "over_standard_charge":
        over = p.catalog_price_ceiling and any(
            ceiling is not None and a > ceiling * q for _, a, q, ceiling in new.lines
        )
        return bool(over or (new.codes & set(p.bed_day_codes) and inpatient)
                    or new.codes & set(p.hourly_codes))  # fmt: skip
    if rule.kind == "out_of_catalog_share":
        return "C" in new.classes
    if rule.kind == "impersonation":
        dx = [*p.female_only_diagnoses, *p.male_only_diagnoses, *p.newborn_only_diagnoses]
        return (
            _starts(new.diagnoses, dx)
            or (p.after_death and new.deceased)
            or (p.catalog_restrictions and new.restricted)
        )
    if rule.kind == "low_threshold_admission":
        short = any(d <= int(p.max_stay_days.value) for d in new.stay_days)
        return short and _starts(new.diagnoses, p.outpatient_treatable)
    if rule.kind == "repeat_test":
        return bool(new.codes & set(p.test_codes))
    if rule.kind == "shared_phone":
        return False  # compares many persons' claims of a period: a year's rule
    if rule.kind == "ghost_bed":
        return any(d > int(p.max_untreated_days.value) for d in new.stay_days)
    if rule.kind == "outpatient_abuse":
        # a drug bought less often than every limit needs cannot break one
        often = p.often()
        return any(
            n >= often and code.startswith(p.drug_code_prefix)
            for (_, code), n in new.bought.items()
        )
    if rule.kind == "split_admission":
        return inpatient
    return True  # overlapping stays: any claim may overlap a stay


def screen_claims(rules: RuleSet, history: ScreenInput, claim_nos: Iterable[str]) -> pl.DataFrame:
    """The hits of the claims ``claim_nos``, screened with their persons' claims (``history``
    holds them and the persons' other claims of the period, their lines and the persons).
    Rules that cannot fire on so few claims, or on none of ``claim_nos``, are skipped."""
    nos = list(claim_nos)
    new, held = _New.of(history, nos), _Held.of(history)
    only = [
        r.id
        for layer, _ in _layers(rules, history)  # the rules its persons' claims take
        for r in layer.active()
        if _may_hit(r, held) and _may_hit_new(r, new)
    ]
    found = screen(rules, history, only, check=False)
    return found.filter(pl.col("claim_no").is_in(nos))


def screen_claim(rules: RuleSet, history: ScreenInput, claim_no: str) -> pl.DataFrame:
    """The hits of one claim (:func:`screen_claims` of one)."""
    return screen_claims(rules, history, [claim_no])
