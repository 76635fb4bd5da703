"""The evaluation's frames from a claim file settled under a policy (no database).

The file is settled as ``safetynet settle`` settles it; each claim is one ledger row (claims
merged into an admission are left out: the admission carries them). Persons and households
keep the file's keys in ``person_key`` / ``household_key``. Households count the persons the
file names; their income comes from an optional CSV (``household_id,income`` in yuan, read
exactly: more than two decimals is an error, never rounded) and otherwise from a reference
per-capita income times those persons. The incomes file is read as every import file is
(:mod:`safetynet.tabular`: UTF-8 with or without BOM, GB18030, .xlsx; headers ``household_id``
or ``户编号``, ``income`` or ``家庭年收入``), whole or not at all: a household given twice, a
blank key, an amount that is not yuan, no such column or an empty file is refused
(:class:`~safetynet.tabular.problems.ImportRejected`, by row and column).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from safetynet.claims.fileformat import read_claim_file
from safetynet.claims.settle_file import settle_claims
from safetynet.early_warning.evaluate import HOUSEHOLD_SCHEMA
from safetynet.early_warning.income_import import YUAN
from safetynet.early_warning.load import LEDGER_WITH_REASSISTED, REASSISTANCE_LAYER
from safetynet.engine.compile import CompiledPolicy
from safetynet.i18n import N_
from safetynet.money import MoneyError, to_fen
from safetynet.tabular.columns import Column, bind
from safetynet.tabular.problems import ImportRejected, Severity, error
from safetynet.tabular.reading import read_path
from safetynet.tabular.values import duplicates, require

INCOME_COLUMNS = (
    Column("household_id", ("户编号", "户号", "household_no"), True),
    Column("income", ("家庭年收入", "家庭纯收入", "年收入"), True, numeric=True),
)


def _income_fen(household: str | None, value: str | None) -> int | None:
    """A household's income in fen, exactly (yuan with at most two decimals, as every amount;
    a blank is no income recorded). As the household-income import reads it (``YUAN``): no
    sign, no exponent — a negative income would put every spending household above it."""
    if value is None or not value.strip():
        return None
    if re.fullmatch(YUAN, value.strip()) is None:
        raise MoneyError(
            f"incomes: household {household}: {value.strip()!r} is not an amount in yuan such "
            "as 12000 or 12000.50"
        )
    try:
        return to_fen(value.strip())
    except MoneyError as exc:
        raise MoneyError(f"incomes: household {household}: {exc}") from exc


def read_incomes(path: str | Path) -> pl.DataFrame:
    """The incomes file as ``household_key`` → ``income_fen`` (null: none recorded), whole
    or refused (:class:`ImportRejected`: every problem by row and column). A household given
    twice was joined twice: its income taken from either row, silently."""
    bound = bind(read_path(path), INCOME_COLUMNS)
    problems = bound.problems
    if not any(p.severity is Severity.ERROR for p in problems):
        problems += require(bound, "household_id")
        problems += duplicates(
            bound, ["household_id"], "household_id",
            N_("household %(value)s is also on row %(first)s; each household may appear "
               "only once"),
        )  # fmt: skip
        yuan = pl.col("income").str.strip_chars()
        bad = bound.frame.filter(yuan.is_not_null() & ~yuan.str.contains(YUAN))
        problems += [
            error(r["_row"], bound.header["income"], "cell.number",
                  N_('"%(value)s" is not an amount in yuan such as 12000 or 12000.50'),
                  value=r["income"])
            for r in bad.select("_row", "income").to_dicts()
        ]  # fmt: skip
    if any(p.severity is Severity.ERROR for p in problems):
        raise ImportRejected(problems)
    return pl.DataFrame(
        {"household_key": bound.frame["household_id"],
         "income_fen": [_income_fen(k, v) for k, v in
                        bound.frame.select("household_id", "income").iter_rows()]},
        schema={"household_key": pl.String, "income_fen": pl.Int64},
    )  # fmt: skip


def file_frames(
    cp: CompiledPolicy,
    claims: str | Path,
    incomes: str | Path | None = None,
    reference_fen: int | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(ledger, households, keys): keys maps person_id / household_id back to the file's.
    ``reference_fen``, a per-capita disposable income, must be above zero (at zero or below
    every household without an income and with any out-of-pocket would be above it)."""
    if reference_fen is not None and reference_fen <= 0:
        raise MoneyError(
            f"the reference per-capita income must be above zero, not {reference_fen} fen"
        )
    settled = settle_claims(cp, claims).filter(pl.col("merged_into").is_null())
    # the diagnosis and the patient's age (the file's, whole years on the claim's date)
    diagnoses = read_claim_file(Path(claims)).claims.select("claim_no", "diagnosis", "age")
    pays = [c for c in settled.columns if c.startswith("pay_")]
    reassisted = f"pay_{REASSISTANCE_LAYER}"
    frame = settled.join(diagnoses, on="claim_no", how="left").with_columns(
        pl.int_range(1, pl.len() + 1).alias("claim_id"),
        pl.col("person_id").cast(pl.String).alias("person_key"),
        pl.col("household_id").cast(pl.String).alias("household_key"),
        pl.col("person_id").cast(pl.String).rank("dense").cast(pl.Int64).alias("person_id"),
        pl.col("household_id").cast(pl.String).rank("dense").cast(pl.Int64).alias("household_id"),
        pl.sum_horizontal(pays).alias("paid_fen"),
        (pl.col(reassisted) if reassisted in pays else pl.lit(0)).alias("reassisted_fen"),
        pl.col("date").alias("claim_date"),
        pl.col("kind").cast(pl.String),
    )
    ledger = frame.select([pl.col(c).cast(t) for c, t in LEDGER_WITH_REASSISTED.items()])
    keys = frame.select("person_id", "person_key", "household_id", "household_key").unique()
    homes = keys.group_by("household_id", "household_key").agg(pl.len().alias("members"))
    if incomes is not None:
        homes = homes.join(read_incomes(incomes), on="household_key", how="left")
    else:
        homes = homes.with_columns(pl.lit(None, pl.Int64).alias("income_fen"))
    homes = homes.with_columns(pl.lit(reference_fen, pl.Int64).alias("reference_fen"))
    households = homes.select([pl.col(c).cast(t) for c, t in HOUSEHOLD_SCHEMA.items()])
    return ledger, households, keys.sort("person_id")
