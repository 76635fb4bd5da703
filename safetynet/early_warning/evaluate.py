"""Evaluating the warning rules: a year's ledger in batch, or one household after a settlement.

Pure Polars over two frames, no database and no per-person Python loop:

* the **ledger** (:data:`LEDGER_SCHEMA`): one row per ledger entry or per settled claim
  (reversals carry negated amounts; entries of a claim are netted, a claim netted to nothing
  is dropped);
* the **households** (:data:`HOUSEHOLD_SCHEMA`): members, the year's income when declared or
  reported (``income_fen``) and the reference per-capita disposable income of the region
  (``reference_fen``), used times the members when no income is recorded.

:func:`evaluate` builds one lazy plan for every rule and collects it once. Rules naming the
same ``ladder`` are tiers of one warning: a household (or person) keeps only the most severe
tier it reaches in the year (:data:`TOP_TIER`), as :mod:`~safetynet.early_warning.few` does.
The check after a settlement, :func:`evaluate_household`, is the same function on the
household's rows, so the online and batch answers are the same by construction (and tested
to be).

Definitions: a claim's *compliant self-pay* is what the patient pays of its compliant cost,
``min(out_of_pocket, max(compliant − paid, 0))`` (the layers pay compliant cost first); a
household's *out-of-pocket* is its members' out-of-pocket of every kind of claim; a person's
*reimbursed share* is ``paid ÷ total`` of the claims the rule counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import polars as pl

from safetynet.catalogs.diseases import list_entries
from safetynet.early_warning import serious
from safetynet.early_warning.rules import (
    LEVEL_RANK,
    Admissions,
    Breach,
    Compare,
    HouseholdShare,
    PersonSelfPay,
    PoorPromise,
    RuleSet,
    SeriousDisease,
    _Rule,
    at_levels,
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
    "level": pl.String,  # the institution's level (null: not known, counts at every level)
}
# an optional column after them (:func:`evaluate` adds it null when absent): the patient's
# whole years of age on the claim's date, as settlement stored it (a serious disease bounded
# by age, the children's, is on its list only within the bound)
AGE = "age"
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


_MONEY = ["total_fen", "compliant_fen", "paid_fen", "out_of_pocket_fen"]
_NET_AGGS = [
    pl.col("person_id", "household_id", "kind", "claim_date", "diagnosis", "level", AGE).first(),
    pl.col("status_mask").last(),
    *[pl.col(m).sum() for m in _MONEY],
]
_NET_KEEP = pl.col("total_fen") != 0
_SELF_PAY = pl.min_horizontal(
    pl.col("out_of_pocket_fen"),
    (pl.col("compliant_fen") - pl.col("paid_fen")).clip(lower_bound=0),
).alias("self_pay_fen")


_CLAIM_COLUMNS = [
    "claim_id", "person_id", "household_id", "kind", "claim_date", "diagnosis", "status_mask",
    *_MONEY, "level", AGE,
]  # fmt: skip


def _with_age(ledger: pl.LazyFrame) -> pl.LazyFrame:
    """The ledger with its :data:`AGE` column (null: unknown, when it has none)."""
    if AGE in ledger.collect_schema().names():
        return ledger
    return ledger.with_columns(pl.lit(None, pl.Int64).alias(AGE))


def _claims(ledger: pl.LazyFrame) -> pl.LazyFrame:
    """Entries netted per claim; a claim reversed in full drops out. Only claims with a
    reversal (negated amounts: refunded or re-settled) can have several entries; they alone
    are grouped, the rest pass as they are."""
    ledger = _with_age(ledger)
    reversed_ids = pl.col("claim_id").filter(pl.col("total_fen") < 0).implode()
    several = pl.col("claim_id").is_in(reversed_ids)
    flagged = ledger.select(_CLAIM_COLUMNS).with_columns(several.alias("_several"))
    single = flagged.filter(~pl.col("_several")).drop("_several")
    netted = flagged.filter(pl.col("_several")).group_by("claim_id").agg(_NET_AGGS)
    return (
        pl.concat([single, netted.select(_CLAIM_COLUMNS)], how="vertical_relaxed")
        .filter(_NET_KEEP)
        .with_columns(_SELF_PAY)
    )


@dataclass(frozen=True)
class _Step:
    """One rule as expressions built once: filter claims, group, (join households), test."""

    keys: tuple[str, ...]
    aggs: list[pl.Expr]
    hit: pl.Expr
    out: list[pl.Expr]
    before: pl.Expr | None = None
    households: bool = False
    derived: list[pl.Expr] = field(default_factory=list)

    def plan(self, claims: pl.LazyFrame, households: pl.LazyFrame) -> pl.LazyFrame:
        frame = claims if self.before is None else claims.filter(self.before)
        home = [] if "household_id" in self.keys else [_HOME]
        frame = frame.group_by(*self.keys).agg(*self.aggs, *home)
        if self.households:
            frame = frame.join(households, on="household_id", how="inner")
        if self.derived:
            frame = frame.with_columns(self.derived)
        return frame.filter(self.hit).select(self.out)


def _row(rule: _Rule) -> list[pl.Expr]:
    return [
        pl.lit(rule.tier_of).alias("ladder"),
        pl.lit(rule.id).alias("rule_id"),
        pl.lit(rule.kind).alias("kind"),
        pl.lit(rule.level.value).alias("level"),
        pl.lit(LEVEL_RANK[rule.level], pl.Int8).alias("level_rank"),
    ]


# A person's rules run over the person's whole year, even across a move to another household
# (entries carry the household at settlement): the warning goes to the household of the
# person's latest counted claim (by date, then claim).
_PERSON = ("person_id",)
_HOME = pl.col("household_id").sort_by("claim_date", "claim_id").last()
LATEST_HOUSEHOLD = _HOME  # the same, for re-assistance (reassist.py)


def _self_pay(rule: PersonSelfPay) -> _Step:
    return _Step(
        keys=_PERSON,
        before=None if rule.levels is None else at_levels(rule.levels),
        aggs=[pl.col("self_pay_fen", "out_of_pocket_fen").sum()],
        hit=pl.col("self_pay_fen") >= rule.line,
        out=[
            *_row(rule), "person_id", "household_id",
            pl.col("self_pay_fen").alias("measure"),
            pl.lit(rule.line, pl.Int64).alias("threshold"),
            pl.lit("fen").alias("unit"),
            "out_of_pocket_fen",
        ],
    )  # fmt: skip


def _household_share(rule: HouseholdShare) -> _Step:
    basis = pl.col("basis_fen")
    # out-of-pocket × 10000 against share × income: integers, no rounding
    left = pl.col("out_of_pocket_fen") * 10_000
    right = basis * rule.share
    hit = left > right if rule.compare == Compare.ABOVE else left >= right
    return _Step(
        keys=("household_id",),
        aggs=[pl.col("out_of_pocket_fen").sum()],
        households=True,
        derived=[
            pl.coalesce(pl.col("income_fen"), pl.col("reference_fen") * pl.col("members")).alias(
                "basis_fen"
            )
        ],
        hit=basis.is_not_null() & (pl.col("out_of_pocket_fen") > 0) & hit,
        out=[
            *_row(rule),
            pl.lit(None, pl.Int64).alias("person_id"),
            "household_id",
            pl.col("out_of_pocket_fen").alias("measure"),
            ((basis * rule.share + 5_000) // 10_000).alias("threshold"),
            pl.lit("fen").alias("unit"),
            "out_of_pocket_fen",
            basis.alias("income_fen"),
            pl.when(basis > 0)
            .then((pl.col("out_of_pocket_fen") * 10_000 + basis // 2) // basis)
            .alias("ratio_bp"),
        ],
    )


def promise_broken(rule: PoorPromise) -> pl.Expr:
    """Whether a person's year (``out_of_pocket_fen``, ``total_fen``, ``paid_fen`` summed over
    the claims the rule counts) breaks the promise: out-of-pocket above the line, or (``all``:
    and) the reimbursed share below the floor, in exact integers."""
    total, paid = pl.col("total_fen"), pl.col("paid_fen")
    over = pl.col("out_of_pocket_fen") > rule.out_of_pocket_line
    short = (total > 0) & (paid * 10_000 < total * rule.reimbursed_at_least)
    return (over & short) if rule.breach == Breach.ALL else (over | short)


def _poor_promise(rule: PoorPromise) -> _Step:
    mask = status_mask(set(rule.statuses))
    total, paid = pl.col("total_fen"), pl.col("paid_fen")
    broken = promise_broken(rule)
    return _Step(
        keys=_PERSON,
        before=(pl.col("status_mask") & mask != 0)
        & pl.col("kind").is_in([k.value for k in rule.kinds]),
        aggs=[pl.col("out_of_pocket_fen", "total_fen", "paid_fen").sum()],
        hit=broken,
        out=[
            *_row(rule), "person_id", "household_id",
            pl.col("out_of_pocket_fen").alias("measure"),
            pl.lit(rule.out_of_pocket_line, pl.Int64).alias("threshold"),
            pl.lit("fen").alias("unit"),
            "out_of_pocket_fen",
            pl.when(total > 0).then((paid * 10_000 + total // 2) // total).alias("ratio_bp"),
        ],
    )  # fmt: skip


@cache
def disease_pattern(list_code: str) -> str:
    """The regular expression of a disease list's ICD prefixes (codes upper-cased, no dots)."""
    prefixes = sorted(set(list_entries(list_code).get_column("icd_prefix").to_list()))
    return "^(?:" + "|".join(prefixes) + ")"


def _serious(rule: SeriousDisease) -> _Step:
    code = pl.col("diagnosis").str.to_uppercase().str.replace_all(".", "", literal=True)
    listed = (
        serious.expr(rule.batch)
        if rule.batch is not None
        else code.str.contains(disease_pattern(rule.disease_list or ""))
    )
    return _Step(
        keys=_PERSON,
        before=listed,
        # the first such claim's diagnosis (by date, then claim)
        aggs=[
            pl.col("diagnosis").sort_by("claim_date", "claim_id").first(),
            pl.len().cast(pl.Int64).alias("measure"),
        ],
        hit=pl.lit(True),
        out=[
            *_row(rule), "person_id", "household_id", "measure",
            pl.lit(1, pl.Int64).alias("threshold"),
            pl.lit("count").alias("unit"),
            "diagnosis",
        ],
    )  # fmt: skip


def _admissions(rule: Admissions) -> _Step:
    return _Step(
        keys=_PERSON,
        before=pl.col("kind") == "inpatient",
        aggs=[pl.len().cast(pl.Int64).alias("measure")],
        hit=pl.col("measure") >= rule.at_least,
        out=[
            *_row(rule), "person_id", "household_id", "measure",
            pl.lit(rule.at_least, pl.Int64).alias("threshold"),
            pl.lit("count").alias("unit"),
        ],
    )  # fmt: skip


# one warning per ladder: a household's (or person's) most severe tier of the year only
TOP_TIER = pl.col("level_rank") == pl.col("level_rank").max().over(
    "ladder", "household_id", "person_id"
)

_BUILDERS: dict[type, Callable[[Any], _Step]] = {
    PersonSelfPay: _self_pay,
    HouseholdShare: _household_share,
    PoorPromise: _poor_promise,
    SeriousDisease: _serious,
    Admissions: _admissions,
}
_CAST = [pl.col(c).cast(t) for c, t in WARNING_SCHEMA.items()]
_EMPTY = pl.DataFrame(schema=WARNING_SCHEMA)
_steps_of: dict[int, tuple[RuleSet, list[_Step]]] = {}


def _steps(rules: RuleSet) -> list[_Step]:
    """The rules' steps, built once per rule set (evaluating one household is then cheap)."""
    found = _steps_of.get(id(rules))
    if found is None or found[0] is not rules:
        found = (rules, [_BUILDERS[type(r)](r) for r in rules.rules])
        _steps_of[id(rules)] = found
    return found[1]


_SMALL = 10_000  # rows below which the query optimiser costs more than it saves
_NO_OPT = pl.QueryOptFlags.none()


def _claims_now(ledger: pl.DataFrame, flags: pl.QueryOptFlags) -> pl.DataFrame:
    """:func:`_claims` of an eager ledger. Without a reversal (no negative total: most
    households' ledgers, a check after a settlement) there is nothing to net: the same rows,
    without the netting's plan (which costs a household's check most of its time)."""
    if ledger.height and ledger["total_fen"].min() >= 0:  # type: ignore[operator]
        return ledger.select(_CLAIM_COLUMNS).filter(_NET_KEEP).with_columns(_SELF_PAY)
    return _claims(ledger.lazy()).collect(optimizations=flags)


def _with_region(claims: pl.LazyFrame, rules: RuleSet, households: pl.DataFrame) -> pl.LazyFrame:
    """The claims with their household's ``region_code`` when a rule needs it (a county's own
    list of serious diseases), null when the households frame has none."""
    needed = any(
        isinstance(r, SeriousDisease) and r.batch is not None and serious.needs_region(r.batch)
        for r in rules.rules
    )
    if not needed:
        return claims
    if "region_code" not in households.columns:
        return claims.with_columns(pl.lit(None, pl.String).alias("region_code"))
    homes = households.lazy().select("household_id", "region_code")
    return claims.join(homes, on="household_id", how="left")


def evaluate(rules: RuleSet, ledger: pl.DataFrame, households: pl.DataFrame) -> pl.DataFrame:
    """Every warning of the year: one row per rule hit, by household, person and level
    (``households`` may carry ``region_code``, the village, for a county's own lists)."""
    flags = _NO_OPT if ledger.height < _SMALL else pl.QueryOptFlags()
    if AGE not in ledger.columns:
        ledger = ledger.with_columns(pl.lit(None, pl.Int64).alias(AGE))
    claims = _with_region(_claims_now(ledger, flags).lazy(), rules, households)
    households = households.select(list(HOUSEHOLD_SCHEMA))
    parts = [step.plan(claims, households.lazy()) for step in _steps(rules)]
    small = ledger.height < _SMALL
    plan = pl.concat([_EMPTY.lazy(), *parts], how="diagonal_relaxed", parallel=not small)
    plan = plan.filter(TOP_TIER).select(_CAST)
    return plan.collect(optimizations=flags).sort(_KEYS, nulls_last=False)


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
