"""Fixed fees per disease (单病种定额) as package prices, in the claims → engine adaptation.

An inpatient claim whose diagnosis has a fixed fee at the institution's level (the programme
file in force for the patient's region on the claim date; the longest matching ICD-10 code) is
settled on the fee instead of its bill — only at a hospital its disease's pathway designates
on that date (:meth:`~safetynet.programmes.schema.Pathway.designation`: its levels, its
named hospitals by institution code, and the county's own hospitals with ``in_county_only``:
:meth:`~safetynet.programmes.schema.Designation.admits`); elsewhere it is settled on its bill
(and its pathway flags the admission ``not_designated``: :mod:`safetynet.programmes.pathways`).
With ``net = total - deducted`` (what review left):

* overrun (net > fee): the institution bears ``net - fee`` on top of what review deducted:
  ``deducted' = total - fee``; the total stays the bill;
* underrun (net <= fee): the institution keeps ``fee - net``: the settled total is
  ``fee + deducted``, ``deducted'`` stays;
* either way the patient and the layers share the fee: the compliant and essential amounts are
  the bill's, scaled to the fee (``amount × fee ÷ net``, rounded half up).

So ``total' - deducted' = fee`` and DESIGN.md §4 holds on the settled claim: paid +
out-of-pocket + institution-borne (``deducted'``) = ``total'``. :func:`apply_fixed_fee` is the
arithmetic (NumPy, one claim or millions); :func:`with_fixed_fees` (a frame of claims, the
batch) and :func:`adjust_claim` (one claim, online) find the fees and call it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import polars as pl

from safetynet.engine.compliance import AMOUNTS
from safetynet.programmes.rules import rules_for
from safetynet.programmes.schema import Designation, FixedFee, ProgrammeRules

RulesOf = Callable[[str, dt.date], ProgrammeRules]


def apply_fixed_fee(
    total: np.ndarray, compliant: np.ndarray, essential: np.ndarray, deducted: np.ndarray,
    fee: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The amounts settled under ``fee`` (0: no fixed fee, the amounts unchanged)."""
    total, compliant, essential, deducted, fee = (
        np.asarray(a, np.int64) for a in (total, compliant, essential, deducted, fee)
    )
    net = total - deducted
    on = (fee > 0) & (net > 0)
    safe = np.where(on, net, 1)

    def scaled(a: np.ndarray) -> np.ndarray:
        return np.where(on, (a * fee + safe // 2) // safe, a)

    new_total = np.where(on, np.maximum(total, fee + deducted), total)
    new_deducted = np.where(on, new_total - fee, deducted)
    new_compliant = scaled(compliant)
    new_essential = np.minimum(scaled(essential), new_compliant)
    return new_total, new_compliant, new_essential, new_deducted


def designated_fees(rules: ProgrammeRules, on: dt.date) -> list[tuple[FixedFee, Designation]]:
    """The fixed fees of ``rules`` that may apply on a date: those whose level the disease's
    pathway's designation then admits, each with that designation (its named hospitals and
    ``in_county_only`` remain to be checked against the claim's hospital)."""
    out = []
    for f in rules.fixed_fees:
        pathway = rules.pathway(f.code)
        where = pathway.designation(on) if pathway is not None else None
        if where is not None and where.admits_level(f.level):
            out.append((f, where))
    return out


def designated_expr() -> pl.Expr:
    """:meth:`Designation.admits` on columns (``in_county_only``, ``institutions``: null when
    none are named; the claim's ``in_county`` and ``institution_code``), the level matched by
    the join: the frame paths' one definition of a designated hospital."""
    named = pl.col("institutions").list.contains(pl.col("institution_code")).fill_null(False)
    return (~pl.col("in_county_only") | pl.col("in_county").fill_null(False)) & (
        pl.col("institutions").is_null() | named
    )


def _fees(keys: pl.DataFrame, rules_of: RulesOf) -> pl.DataFrame:
    """(region_code, date, level, code, fee_fen, in_county_only, institutions) of every
    fixed fee that may apply at a designated hospital, by the programme file in force for
    each distinct region and date of ``keys``."""
    rows = []
    seen: dict[tuple[int, dt.date], list[tuple[FixedFee, Designation]]] = {}  # one file, many
    for region, day in keys.select("region_code", "date").unique().iter_rows():
        rules = rules_of(region, day)
        found = seen.get((id(rules), day))
        if found is None:
            found = seen[id(rules), day] = designated_fees(rules, day)
        for f, where in found:
            rows.append((region, day, f.level.value, f.code.replace(".", ""), f.fee,
                         where.in_county_only, where.institutions or None))  # fmt: skip
    return pl.DataFrame(
        rows, schema={"region_code": pl.String, "date": pl.Date, "level": pl.String,
                      "fee_code": pl.String, "fixed_fee_fen": pl.Int64,
                      "in_county_only": pl.Boolean, "institutions": pl.List(pl.String)},
        orient="row",
    )  # fmt: skip


def fees_of(claims: pl.DataFrame, rules_of: RulesOf = rules_for) -> pl.Series:
    """Each claim's fixed fee in fen (0: none, or not at a designated hospital), aligned with
    ``claims`` (columns ``kind``, ``level``, ``in_county``, ``institution_code``,
    ``diagnosis``, ``date``, ``region_code``)."""
    keyed = claims.select(
        "kind", "level", "in_county", "institution_code", "diagnosis", "date", "region_code"
    ).with_row_index("_i")
    inpatient = keyed.filter(pl.col("kind") == "inpatient", pl.col("diagnosis").is_not_null())
    if inpatient.is_empty():
        return pl.Series("fixed_fee_fen", [0] * claims.height, pl.Int64)
    code = pl.col("diagnosis").str.to_uppercase().str.replace_all(".", "", literal=True)
    fees = _fees(inpatient, rules_of)
    # only the claims whose diagnosis starts with some fee's code meet the fee table (a few
    # codes against a county's admissions)
    prefixes = fees.get_column("fee_code").unique().to_list()
    if not prefixes:
        return pl.Series("fixed_fee_fen", [0] * claims.height, pl.Int64)
    inpatient = inpatient.filter(pl.any_horizontal(code.str.starts_with(c) for c in prefixes))
    found = (
        inpatient.join(fees, on=["region_code", "date", "level"])
        .filter(code.str.starts_with(pl.col("fee_code")), designated_expr())
        .sort("_i", pl.col("fee_code").str.len_chars(), descending=[False, True])
        .unique("_i", keep="first")
        .select("_i", "fixed_fee_fen")
    )
    fee = np.zeros(claims.height, np.int64)
    fee[found.get_column("_i").to_numpy()] = found.get_column("fixed_fee_fen").to_numpy()
    return pl.Series("fixed_fee_fen", fee, pl.Int64)


def with_fixed_fees(claims: pl.DataFrame, rules_of: RulesOf = rules_for) -> pl.DataFrame:
    """Claims (with :data:`AMOUNTS` and the columns of :func:`fees_of`) settled on their fixed
    fees; adds ``fixed_fee_fen`` (0: none)."""
    fee = fees_of(claims, rules_of)
    on = np.flatnonzero(fee.to_numpy())
    if not on.size:
        return claims.with_columns(fee.alias("fixed_fee_fen"))
    # only the claims with a fee are computed (a few in a county's claims), then put back
    picked = claims.select(AMOUNTS)[on]
    adjusted = apply_fixed_fee(*(picked.get_column(c).to_numpy() for c in AMOUNTS), fee[on])
    return claims.with_columns(
        *(
            claims.get_column(c).cast(pl.Int64).scatter(on, new)
            for c, new in zip(AMOUNTS, adjusted, strict=True)
        ),
        fee.alias("fixed_fee_fen"),
    )


def fee_of_claim(kind: str, level: str, in_county: bool, institution_code: str | None,
                 diagnosis: str | None, on: dt.date, region_code: str,
                 rules_of: RulesOf = rules_for) -> int:  # fmt: skip
    """One claim's fixed fee in fen (0: none, or not at a designated hospital), as
    :func:`fees_of` finds it."""
    if kind != "inpatient" or not diagnosis:
        return 0
    code = diagnosis.upper().replace(".", "")
    found = [
        (len(f.code), f.fee)
        for f, where in designated_fees(rules_of(region_code, on), on)
        if f.level.value == level
        and code.startswith(f.code.replace(".", ""))
        and where.admits(level, in_county, institution_code)
    ]
    return max(found)[1] if found else 0


def adjust_claim(
    *, kind: str, level: str, in_county: bool, institution_code: str | None,
    diagnosis: str | None, on: dt.date, region_code: str, total_fen: int, compliant_fen: int,
    essential_fen: int, deducted_fen: int,
) -> tuple[int, int, int, int]:  # fmt: skip
    """One claim's (total, compliant, essential, deducted) settled on its fixed fee (at a
    hospital designated for its disease)."""
    fee = fee_of_claim(kind, level, in_county, institution_code, diagnosis, on, region_code)
    if not fee:
        return total_fen, compliant_fen, essential_fen, deducted_fen
    t, c, e, d = apply_fixed_fee(total_fen, compliant_fen, essential_fen, deducted_fen, fee)
    return int(t), int(c), int(e), int(d)
