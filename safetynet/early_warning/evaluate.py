"""Evaluating the warning rules: a year's ledger in batch, or one household after a settlement.

Pure Polars over two frames, no database and no per-person Python loop:

* the **ledger** (:data:`LEDGER_SCHEMA`): one row per ledger entry or per settled claim
  (reversals carry negated amounts; entries of a claim are netted, a claim netted to nothing
  is dropped);
* the **households** (:data:`HOUSEHOLD_SCHEMA`): members, the year's income when declared or
  reported (``income_fen``) and the reference per-capita disposable income of the region
  (``reference_fen``), used times the members when no income is recorded.

:func:`evaluate` builds one lazy plan for every rule and collects it once. The check after a
settlement, :func:`evaluate_household`, is the same function on the household's rows, so the
online and batch answers are the same by construction (and tested to be).

Definitions: a claim's *compliant self-pay* is what the patient pays of its compliant cost,
``min(out_of_pocket, max(compliant − paid, 0))`` (the layers pay compliant cost first); a
household's *out-of-pocket* is its members' out-of-pocket of every kind of claim; a person's
*reimbursed share* is ``paid ÷ total`` of the claims the rule counts.
"""

from __future__ import annotations

import polars as pl

from safetynet.catalogs.diseases import list_entries
from safetynet.early_warning.rules import (
    LEVEL_RANK,
    Admissions,
    Compare,
    HouseholdShare,
    PersonSelfPay,
    PoorPromise,
    RuleSet,
    SeriousDisease,
)
from safetynet.engine.facts import status_mask

LEDGER_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "claim_id": pl.Int64,
    "person_id": pl.Int64,
    "household_id": pl.Int64,
    "kind": pl.String,
    "claim_date": pl.Date,
    "status_mask": pl.Int64,
    "diagnosis": pl.String,
    "total_fen": pl.Int64,
    "compliant_fen": pl.Int64,
    "paid_fen": pl.Int64,
    "out_of_pocket_fen": pl.Int64,
}
HOUSEHOLD_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "household_id": pl.Int64,
    "members": pl.Int64,
    "income_fen": pl.Int64,
    "reference_fen": pl.Int64,
}
WARNING_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "rule_id": pl.String,
    "kind": pl.String,
    "level": pl.String,
    "level_rank": pl.Int8,
    "person_id": pl.Int64,  # null for a household's rule
    "household_id": pl.Int64,
    "measure": pl.Int64,  # what was measured, in ``unit``
    "threshold": pl.Int64,  # the rule's line, in ``unit``
    "unit": pl.String,  # fen, bp (basis points of a share) or count
    "out_of_pocket_fen": pl.Int64,
    "income_fen": pl.Int64,  # the household income the share was taken of
    "ratio_bp": pl.Int64,  # reimbursed share (poor_promise) or out-of-pocket ÷ income
    "diagnosis": pl.String,
}
_KEYS = ["household_id", "person_id", "level_rank", "rule_id"]


def _claims(ledger: pl.LazyFrame) -> pl.LazyFrame:
    """Entries netted per claim; a claim reversed in full drops out."""
    money = ["total_fen", "compliant_fen", "paid_fen", "out_of_pocket_fen"]
    return (
        ledger.group_by("claim_id")
        .agg(
            pl.col("person_id", "household_id", "kind", "claim_date", "diagnosis").first(),
            pl.col("status_mask").last(),
            *[pl.col(m).sum() for m in money],
        )
        .filter(pl.col("total_fen") != 0)
        .with_columns(
            pl.min_horizontal(
                pl.col("out_of_pocket_fen"),
                (pl.col("compliant_fen") - pl.col("paid_fen")).clip(lower_bound=0),
            ).alias("self_pay_fen")
        )
    )


def _row(rule_id: str, kind: str, level: str, rank: int) -> list[pl.Expr]:
    return [
        pl.lit(rule_id).alias("rule_id"),
        pl.lit(kind).alias("kind"),
        pl.lit(level).alias("level"),
        pl.lit(rank, pl.Int8).alias("level_rank"),
    ]


def _self_pay(claims: pl.LazyFrame, rule: PersonSelfPay) -> pl.LazyFrame:
    per = claims.group_by("person_id", "household_id").agg(
        pl.col("self_pay_fen").sum(), pl.col("out_of_pocket_fen").sum()
    )
    return per.filter(pl.col("self_pay_fen") >= rule.line).select(
        *_row(rule.id, rule.kind, rule.level, LEVEL_RANK[rule.level]),
        "person_id",
        "household_id",
        pl.col("self_pay_fen").alias("measure"),
        pl.lit(rule.line, pl.Int64).alias("threshold"),
        pl.lit("fen").alias("unit"),
        "out_of_pocket_fen",
    )


def _household_income() -> pl.Expr:
    return pl.coalesce(pl.col("income_fen"), pl.col("reference_fen") * pl.col("members"))


def _household_share(
    claims: pl.LazyFrame, households: pl.LazyFrame, rule: HouseholdShare
) -> pl.LazyFrame:
    per = claims.group_by("household_id").agg(pl.col("out_of_pocket_fen").sum())
    joined = per.join(households, on="household_id", how="inner").with_columns(
        _household_income().alias("basis_fen")
    )
    # out-of-pocket × 10000 against share × income: integers, no rounding
    left = pl.col("out_of_pocket_fen") * 10_000
    right = pl.col("basis_fen") * rule.share
    hit = left > right if rule.compare == Compare.ABOVE else left >= right
    return joined.filter(
        pl.col("basis_fen").is_not_null() & (pl.col("out_of_pocket_fen") > 0) & hit
    ).select(
        *_row(rule.id, rule.kind, rule.level, LEVEL_RANK[rule.level]),
        pl.lit(None, pl.Int64).alias("person_id"),
        "household_id",
        pl.col("out_of_pocket_fen").alias("measure"),
        ((pl.col("basis_fen") * rule.share + 5_000) // 10_000).alias("threshold"),
        pl.lit("fen").alias("unit"),
        "out_of_pocket_fen",
        pl.col("basis_fen").alias("income_fen"),
        pl.when(pl.col("basis_fen") > 0)
        .then(
            (pl.col("out_of_pocket_fen") * 10_000 + pl.col("basis_fen") // 2) // pl.col("basis_fen")
        )
        .alias("ratio_bp"),
    )


def _poor_promise(claims: pl.LazyFrame, rule: PoorPromise) -> pl.LazyFrame:
    mask = status_mask(set(rule.statuses))
    counted = claims.filter(
        (pl.col("status_mask") & mask != 0) & pl.col("kind").is_in([k.value for k in rule.kinds])
    )
    per = counted.group_by("person_id", "household_id").agg(
        pl.col("out_of_pocket_fen", "total_fen", "paid_fen").sum()
    )
    ratio = pl.when(pl.col("total_fen") > 0).then(
        (pl.col("paid_fen") * 10_000 + pl.col("total_fen") // 2) // pl.col("total_fen")
    )
    broken = (pl.col("out_of_pocket_fen") > rule.out_of_pocket_line) | (
        (pl.col("total_fen") > 0)
        & (pl.col("paid_fen") * 10_000 < pl.col("total_fen") * rule.reimbursed_at_least)
    )
    return per.filter(broken).select(
        *_row(rule.id, rule.kind, rule.level, LEVEL_RANK[rule.level]),
        "person_id",
        "household_id",
        pl.col("out_of_pocket_fen").alias("measure"),
        pl.lit(rule.out_of_pocket_line, pl.Int64).alias("threshold"),
        pl.lit("fen").alias("unit"),
        "out_of_pocket_fen",
        ratio.alias("ratio_bp"),
    )


def _disease_pattern(list_code: str) -> str:
    prefixes = sorted(set(list_entries(list_code).get_column("icd_prefix").to_list()))
    return "^(?:" + "|".join(prefixes) + ")"


def _serious(claims: pl.LazyFrame, rule: SeriousDisease) -> pl.LazyFrame:
    code = pl.col("diagnosis").str.to_uppercase().str.replace_all(".", "", literal=True)
    hit = claims.filter(code.str.contains(_disease_pattern(rule.disease_list)))
    per = (
        hit.sort("claim_date", "claim_id")
        .group_by("person_id", "household_id")
        .agg(pl.col("diagnosis").first(), pl.len().alias("claims"))
    )
    return per.select(
        *_row(rule.id, rule.kind, rule.level, LEVEL_RANK[rule.level]),
        "person_id",
        "household_id",
        pl.col("claims").cast(pl.Int64).alias("measure"),
        pl.lit(1, pl.Int64).alias("threshold"),
        pl.lit("count").alias("unit"),
        "diagnosis",
    )


def _admissions(claims: pl.LazyFrame, rule: Admissions) -> pl.LazyFrame:
    per = (
        claims.filter(pl.col("kind") == "inpatient")
        .group_by("person_id", "household_id")
        .agg(pl.len().cast(pl.Int64).alias("measure"))
    )
    return per.filter(pl.col("measure") >= rule.at_least).select(
        *_row(rule.id, rule.kind, rule.level, LEVEL_RANK[rule.level]),
        "person_id",
        "household_id",
        "measure",
        pl.lit(rule.at_least, pl.Int64).alias("threshold"),
        pl.lit("count").alias("unit"),
    )


def _plan(rules: RuleSet, ledger: pl.LazyFrame, households: pl.LazyFrame) -> pl.LazyFrame:
    claims = _claims(ledger)
    parts: list[pl.LazyFrame] = []
    for rule in rules.rules:
        if isinstance(rule, PersonSelfPay):
            parts.append(_self_pay(claims, rule))
        elif isinstance(rule, HouseholdShare):
            parts.append(_household_share(claims, households, rule))
        elif isinstance(rule, PoorPromise):
            parts.append(_poor_promise(claims, rule))
        elif isinstance(rule, SeriousDisease):
            parts.append(_serious(claims, rule))
        elif isinstance(rule, Admissions):
            parts.append(_admissions(claims, rule))
    empty = pl.LazyFrame(schema=WARNING_SCHEMA)
    return pl.concat([empty, *parts], how="diagonal_relaxed").select(
        [pl.col(c).cast(t) for c, t in WARNING_SCHEMA.items()]
    )


def evaluate(rules: RuleSet, ledger: pl.DataFrame, households: pl.DataFrame) -> pl.DataFrame:
    """Every warning of the year: one row per rule hit, by household, person and level."""
    plan = _plan(rules, ledger.lazy(), households.lazy())
    return plan.collect().sort(_KEYS, nulls_last=False)


def evaluate_household(
    rules: RuleSet, ledger: pl.DataFrame, households: pl.DataFrame, household_id: int
) -> pl.DataFrame:
    """The warnings of one household (after one of its members' settlements): the same
    :func:`evaluate` on the household's rows."""
    mine = pl.col("household_id") == household_id
    return evaluate(rules, ledger.filter(mine), households.filter(mine))


def highest(warnings: pl.DataFrame) -> pl.DataFrame:
    """Each household's and person's highest level, with the rules hit (for lists)."""
    return (
        warnings.group_by("household_id", "person_id")
        .agg(
            pl.col("level_rank").max(),
            pl.col("rule_id").sort().alias("rules"),
        )
        .sort("household_id", "person_id", nulls_last=False)
    )
