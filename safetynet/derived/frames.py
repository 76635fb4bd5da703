"""The indicators' input as Polars frames: what is read (``SourceFrames``) and what is computed on
(``IndicatorFrames``), and the one function that turns the first into the second.

Source frames carry the database's columns and values (strings for enums), whether they come
from the database (:mod:`safetynet.indicators.load`) or from a county settled in memory
(:mod:`safetynet.synth.settled`). :func:`assemble` joins them once into two wide frames
whose categories are small integers (``code()`` of the enums), so the computation groups
integers and never looks anything up row by row:

* ``persons``: one row per registered person of the region — the region path (county,
  township, village as indices into ``regions``), the person category of the year, whether
  enrolled and living in the year, the year's contributions by payer, and what earlier years
  raised and spent for the accumulated balance;
* ``entries``: one row per ledger entry of the year (a reversal has ``sign`` −1 and negated
  amounts), with the person's region path and category, the month of the claim date, the
  claim kind, institution level, in-county flag, amounts and the payments by layer type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus, RegionLevel, code
from safetynet.derived.layers import LAYER_TYPES, PolicyLookup, layer_types
from safetynet.policy.contribution import COLUMN, Payer
from safetynet.policy.schema import LayerType
from safetynet.registry.alive import alive_during
from safetynet.registry.status import ORDINARY_MASK, PERIOD_SCHEMA, STATUS_BITS, status_masks_at

# -- vocabularies, by code -----------------------------------------------------------------
CATEGORIES: list[PovertyStatus] = list(PovertyStatus)
KINDS: list[ClaimKind] = list(ClaimKind)
LEVELS: list[InstitutionLevel] = list(InstitutionLevel)
PAYERS: list[Payer] = list(Payer)
PAYER_COLUMNS: list[str] = [COLUMN[p] for p in PAYERS]
BREAKDOWN_LEVELS: list[RegionLevel] = [
    RegionLevel.COUNTY,
    RegionLevel.TOWNSHIP,
    RegionLevel.VILLAGE,
]
REGION_KEYS = {lv: f"{lv.value}_idx" for lv in BREAKDOWN_LEVELS}
# "The basic medical insurance fund": basic insurance, and critical illness insurance that the
# fund finances (a share of it is set aside for the critical illness insurer every year).
FUND_TYPES: tuple[LayerType, ...] = (LayerType.BASIC, LayerType.CRITICAL)
# Person category of somebody not enrolled: the first status held on 1 January in this order
# (the shipped contribution policies' priority, with `marginal` before `ordinary`).
DEFAULT_PRIORITY: list[PovertyStatus] = [
    PovertyStatus.EXTREMELY_POOR,
    PovertyStatus.REGISTERED_POOR,
    PovertyStatus.RETURNED,
    PovertyStatus.EXITED,
    PovertyStatus.LOW_INCOME,
    PovertyStatus.MARGINAL,
    PovertyStatus.ORDINARY,
]


def pay_column(layer_type: LayerType) -> str:
    return f"pay_{layer_type.value}_fen"


PAY_COLUMNS = [pay_column(t) for t in LAYER_TYPES]

# -- source frames (database columns) ------------------------------------------------------
REGION_SCHEMA = {"code": pl.String, "name": pl.String, "level": pl.String, "parent_code": pl.String}
PERSON_SCHEMA = {
    "person_id": pl.Int64,
    "household_id": pl.Int64,
    "region_code": pl.String,
    "birth_date": pl.Date,
    "deceased_on": pl.Date,
}
ENROLLMENT_SCHEMA = {
    "person_id": pl.Int64,
    "category": pl.String,
    **{c: pl.Int64 for c in PAYER_COLUMNS},
}
ENTRY_SCHEMA = {
    "settlement_id": pl.Int64,
    "claim_id": pl.Int64,
    "entry_kind": pl.String,
    "person_id": pl.Int64,
    "policy_id": pl.String,
    "claim_date": pl.Date,
    "kind": pl.String,
    "level": pl.String,
    "in_county": pl.Boolean,
    "total_fen": pl.Int64,
    "compliant_fen": pl.Int64,
    "deducted_fen": pl.Int64,
    "paid_fen": pl.Int64,
    "out_of_pocket_fen": pl.Int64,
}
LAYER_SCHEMA = {
    "settlement_id": pl.Int64,
    "layer_id": pl.String,
    "paid_fen": pl.Int64,
}
PRIOR_RAISED_SCHEMA = {"person_id": pl.Int64, "raised_fen": pl.Int64}
PRIOR_PAID_SCHEMA = {
    "person_id": pl.Int64,
    "policy_id": pl.String,
    "layer_id": pl.String,
    "paid_fen": pl.Int64,
}


def empty(schema: dict[str, pl.DataType] | dict[str, type[pl.DataType]]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


@dataclass(frozen=True)
class SourceFrames:
    """What the indicators read, in the database's terms (one region, one scheme year).

    ``entries`` are the ledger entries of the year (``settlement.year``); ``layers`` their
    layer payments (zero payments may be left out); ``statuses`` the poverty status periods
    (``registry.status.PERIOD_SCHEMA``) — only needed for persons without an enrollment;
    ``prior_raised`` / ``prior_paid`` sum the years before, per person (and layer).
    """

    regions: pl.DataFrame
    persons: pl.DataFrame
    enrollment: pl.DataFrame
    statuses: pl.DataFrame
    entries: pl.DataFrame
    layers: pl.DataFrame
    prior_raised: pl.DataFrame
    prior_paid: pl.DataFrame


@dataclass(frozen=True)
class IndicatorFrames:
    """The computation's input: ``regions``, ``persons`` and ``entries`` (see the module)."""

    region_code: str
    year: int
    regions: pl.DataFrame  # idx, code, name, level, county_idx, township_idx, village_idx
    persons: pl.DataFrame
    entries: pl.DataFrame
    # what the frames were cut from (safetynet.derived.memo key), None when read directly
    version: tuple | None = None  # type: ignore[type-arg]

    @property
    def scope_idx(self) -> int:
        found = self.regions.filter(pl.col("code") == self.region_code)["idx"]
        return int(found[0])

    @property
    def scope_level(self) -> RegionLevel:
        found = self.regions.filter(pl.col("code") == self.region_code)["level"]
        return RegionLevel(found[0])

    def is_empty(self) -> bool:
        """No enrollment and no ledger entry in the year: nothing to report."""
        return self.entries.is_empty() and not bool(self.persons["enrolled"].any())


class RegionNotFound(LookupError):
    """The region code is not in the region table."""


# -- assembly -------------------------------------------------------------------------------
def region_index(regions: pl.DataFrame, region_code: str) -> pl.DataFrame:
    """The region and every region under it, numbered, each with its county, township and
    village (itself or an ancestor; null when it has none at that level)."""
    rows = regions.select(list(REGION_SCHEMA)).rows()
    parent = {c: p for c, _, _, p in rows}
    level = {c: lv for c, _, lv, _ in rows}
    if region_code not in parent:
        raise RegionNotFound(f"unknown region {region_code}")
    inside: list[tuple[str, str, str]] = []
    for c, name, lv, _ in rows:
        node: str | None = c
        for _ in range(12):  # the tree is shallow; the bound guards against a cycle
            if node is None or node == region_code:
                break
            node = parent.get(node)
        if node == region_code:
            inside.append((c, name, lv))
    inside.sort()
    idx = {c: i for i, (c, _, _) in enumerate(inside)}

    def ancestor(c: str, want: RegionLevel) -> int | None:
        node: str | None = c
        for _ in range(12):
            if node is None:
                return None
            if level.get(node) == want.value:
                return idx.get(node)
            node = parent.get(node)
        return None

    return pl.DataFrame(
        {
            "idx": list(range(len(inside))),
            "code": [c for c, _, _ in inside],
            "name": [n for _, n, _ in inside],
            "level": [lv for _, _, lv in inside],
            **{REGION_KEYS[lv]: [ancestor(c, lv) for c, _, _ in inside] for lv in BREAKDOWN_LEVELS},
        },
        schema={
            "idx": pl.UInt32,
            "code": pl.String,
            "name": pl.String,
            "level": pl.String,
            **{k: pl.UInt32 for k in REGION_KEYS.values()},
        },
    )


def _codes(column: str, members: list) -> pl.Expr:  # type: ignore[type-arg]
    """An enum-valued string column as the members' ``code()`` (UInt8)."""
    return pl.col(column).replace_strict({m.value: code(m) for m in members}, return_dtype=pl.UInt8)


def entry_facts() -> list[pl.Expr]:
    """A settlement's ledger entry as the indicators' frames hold it (with ``claim_date``,
    ``entry_kind`` and each layer type's payment joined): its month, kind and level codes,
    whether in county, its sign (−1: a reversal), its amounts and each layer type's payment
    (0: none)."""
    return [
        pl.col("claim_date").dt.month().cast(pl.UInt8).alias("month"),
        _codes("kind", KINDS).alias("kind"),
        _codes("level", LEVELS).alias("level"),
        pl.col("in_county"),
        pl.when(pl.col("entry_kind") == "reversal")
        .then(pl.lit(-1, pl.Int8))
        .otherwise(pl.lit(1, pl.Int8))
        .alias("sign"),
        *(pl.col(c) for c in ("total_fen", "compliant_fen", "deducted_fen", "paid_fen")),
        pl.col("out_of_pocket_fen").alias("oop_fen"),
        *(pl.col(c).fill_null(0).cast(pl.Int64) for c in PAY_COLUMNS),
    ]


def _category_expr(priority: list[PovertyStatus]) -> pl.Expr:
    """The category code for a status bit mask (column ``mask``): first held in ``priority``."""
    out = pl.lit(code(PovertyStatus.ORDINARY), pl.UInt8)
    for status in reversed(priority):
        held = (pl.col("mask") & STATUS_BITS[status]) != 0
        out = pl.when(held).then(pl.lit(code(status), pl.UInt8)).otherwise(out)
    return out


def _persons(
    src: SourceFrames,
    regions: pl.DataFrame,
    year: int,
    types: pl.DataFrame,
    priority: list[PovertyStatus],
) -> pl.DataFrame:
    path = regions.select("code", *REGION_KEYS.values()).rename({"code": "region_code"})
    jan1, dec31 = date(year, 1, 1), date(year, 12, 31)
    people = src.persons.join(path, on="region_code", how="inner").with_columns(
        alive_during(jan1, dec31).alias("living")  # the registry's rule: not on the day of death
    )
    enrolled = src.enrollment.with_columns(
        _codes("category", CATEGORIES).alias("category"), pl.lit(True).alias("enrolled")
    )
    people = people.join(enrolled, on="person_id", how="left")
    missing = people.filter(pl.col("category").is_null())
    if missing.height:
        keys = missing.select("person_id", "household_id", pl.lit(jan1).alias("date"))
        masks = status_masks_at(src.statuses, keys) if src.statuses.height else None
        cats = keys.select(
            "person_id",
            (masks if masks is not None else pl.lit(ORDINARY_MASK)).alias("mask").cast(pl.Int64),
        ).select("person_id", _category_expr(priority).alias("fallback"))
        people = people.join(cats, on="person_id", how="left").with_columns(
            pl.coalesce("category", "fallback").alias("category")
        )
    prior_fund = (
        src.prior_paid.join(types, on=["policy_id", "layer_id"], how="inner")
        .filter(pl.col("layer_type").is_in([t.value for t in FUND_TYPES]))
        .group_by("person_id")
        .agg(pl.col("paid_fen").sum().alias("prior_fund_fen"))
    )
    prior_raised = src.prior_raised.group_by("person_id").agg(
        pl.col("raised_fen").sum().alias("prior_raised_fen")
    )
    people = people.join(prior_raised, on="person_id", how="left").join(
        prior_fund, on="person_id", how="left"
    )
    return people.select(
        "person_id",
        *REGION_KEYS.values(),
        pl.col("category").cast(pl.UInt8),
        pl.col("enrolled").fill_null(False),
        "living",
        *(pl.col(c).fill_null(0).cast(pl.Int64) for c in PAYER_COLUMNS),
        pl.col("prior_raised_fen").fill_null(0).cast(pl.Int64),
        pl.col("prior_fund_fen").fill_null(0).cast(pl.Int64),
    ).sort("person_id")


def _layer_pay(src: SourceFrames, types: pl.DataFrame) -> pl.DataFrame:
    """Each entry's payments summed by layer type (one column per type)."""
    typed = (
        src.layers.join(src.entries.select("settlement_id", "policy_id"), on="settlement_id")
        .join(types, on=["policy_id", "layer_id"], how="inner")
        .with_columns(pl.col("layer_type").to_physical().alias("t"))
    )
    return typed.group_by("settlement_id").agg(
        pl.col("paid_fen").filter(pl.col("t") == i).sum().alias(pay_column(t))
        for i, t in enumerate(LAYER_TYPES)
    )


def _entries(src: SourceFrames, persons: pl.DataFrame, types: pl.DataFrame) -> pl.DataFrame:
    who = persons.select("person_id", *REGION_KEYS.values(), "category")
    pays = _layer_pay(src, types)
    return (
        src.entries.join(who, on="person_id", how="inner")
        .join(pays, on="settlement_id", how="left")
        .select(
            "claim_id",
            "person_id",
            *REGION_KEYS.values(),
            "category",
            *entry_facts(),
        )
        .sort("claim_id", "sign", descending=[False, True])
    )


def assemble(
    src: SourceFrames,
    *,
    region_code: str,
    year: int,
    lookup: PolicyLookup | None = None,
    priority: list[PovertyStatus] | None = None,
) -> IndicatorFrames:
    """The computation's frames for a region (and everything under it) and a scheme year."""
    regions = region_index(src.regions, region_code)
    policies = set(src.entries["policy_id"].unique().to_list())
    policies |= set(src.prior_paid["policy_id"].unique().to_list())
    types = layer_types(policies, lookup)
    persons = _persons(src, regions, year, types, priority or DEFAULT_PRIORITY)
    entries = _entries(src, persons, types)
    return IndicatorFrames(region_code, year, regions, persons, entries)


def statuses_empty() -> pl.DataFrame:
    return empty(PERIOD_SCHEMA)
