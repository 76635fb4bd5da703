"""The claim data the screening reads, in one canonical form, and what each rule needs.

Three frames: ``claims`` (one row a claim), ``lines`` (one row an item line) and,
optionally, ``persons`` (sex, date of death, village and phone number). They come from a
claim file (docs/formats.md) with a persons file, or from the synthetic county's tables. A
rule whose fields are missing from every claim is refused with a message naming the rule and
the fields (:class:`ScreenInputError`), rather than silently finding nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from safetynet.claims.fileformat import ClaimFile
from safetynet.supervision.schema import Rule

CLAIMS_SCHEMA: dict[str, pl.DataType] = {
    "claim_no": pl.String(),
    "person_id": pl.String(),
    "date": pl.Date(),
    "kind": pl.String(),
    "level": pl.String(),
    "institution": pl.String(),
    "doctor": pl.String(),
    "diagnosis": pl.String(),
    "admitted": pl.Date(),
    "discharged": pl.Date(),
    "age": pl.Int32(),
    "total_fen": pl.Int64(),
}
LINES_SCHEMA: dict[str, pl.DataType] = {
    "claim_no": pl.String(),
    "code": pl.String(),
    "item_class": pl.String(),
    "amount_fen": pl.Int64(),
    "quantity": pl.Int64(),
    "day": pl.Date(),
    # the catalog facts of the line's entry in force on its day (supervision.catalog)
    "price_ceiling_fen": pl.Int64(),
    "sex_restriction": pl.String(),
    "min_age": pl.Int64(),
    "max_age": pl.Int64(),
}
PERSONS_SCHEMA: dict[str, pl.DataType] = {
    "person_id": pl.String(),
    "sex": pl.String(),
    "deceased_on": pl.Date(),
    "village": pl.String(),  # optional: for group admissions in the risk scores
    "phone": pl.String(),  # optional: one phone number for many persons (shared_phone)
}

# the claims' kinds that are visits (every other kind but ``inpatient`` is none of the rules')
OUTPATIENT_KINDS = ("outpatient", "chronic_outpatient")

# What each rule kind reads: claim fields, item-line fields, whether it needs persons.
NEEDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "duplicate_charge": ((), ("code",), False),
    "over_standard_charge": ((), ("code",), False),
    "split_admission": (("admitted", "discharged", "diagnosis"), (), False),
    "overlapping_stay": (("admitted", "discharged", "institution"), (), False),
    "impersonation": (("diagnosis",), (), True),
    "low_threshold_admission": (("admitted", "discharged", "diagnosis"), ("code",), False),
    "outpatient_abuse": ((), ("code",), False),
    "out_of_catalog_share": ((), ("item_class",), False),
    "repeat_test": (("institution",), ("code",), False),
    # without item days it finds nothing (an undated line counts as given on admission)
    "ghost_bed": (("admitted", "discharged"), ("code",), False),
    "shared_phone": ((), (), True),
    # the stay's days bound the bed-days of undated lines (none: one day)
    "concurrent_bed_charge": ((), ("code",), False),
}


# An ICD-10 code as the rules compare it: upper case, without spaces, the dot after the
# category (``j18 .0`` and ``J180`` are ``J18.0``). The claim's diagnosis is free text where
# it is written (window, API, claim file): spelled otherwise, it is the same code.
_SPACES = re.compile(r"\s+")
_CATEGORY = re.compile(r"^([A-Z][0-9][0-9A-Z])\.?([0-9A-Z])")


@lru_cache(maxsize=65_536)
def canonical_code(text: str | None) -> str | None:
    """A diagnosis as the rules compare it (None for none or a blank)."""
    if text is None:
        return None
    code = _CATEGORY.sub(r"\1.\2", _SPACES.sub("", text).upper())
    return code or None


class ScreenInputError(ValueError):
    """The claims lack what a rule needs; ``problems`` name the rule and the fields."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class ScreenInput:
    claims: pl.DataFrame
    lines: pl.DataFrame
    persons: pl.DataFrame | None = None

    def check(self, rules: list[Rule]) -> None:
        """Refuse rules whose fields are missing from every claim (or line), or persons."""
        problems = []
        for rule in rules:
            claim_fields, line_fields, persons = NEEDS[rule.kind]
            missing = [c for c in claim_fields if _empty(self.claims, c)]
            missing += [f"items.{c}" for c in line_fields if _empty(self.lines, c)]
            if missing:
                problems.append(
                    f"rule {rule.id} ({rule.kind}) needs {', '.join(missing)}: "
                    "missing from every claim"
                )
            if persons and self.persons is None:
                problems.append(
                    f"rule {rule.id} ({rule.kind}) needs a persons file (person_id, sex, "
                    "deceased_on, phone)"
                )
        if problems:
            raise ScreenInputError(problems)


def _empty(df: pl.DataFrame, col: str) -> bool:
    return col not in df.columns or df.height == 0 or df[col].null_count() == df.height


def conform(df: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """``df`` with exactly the columns of ``schema`` (absent ones null), cast."""
    return df.select(
        (pl.col(c).cast(t) if c in df.columns else pl.lit(None, t)).alias(c)
        for c, t in schema.items()
    )


def from_claim_file(cf: ClaimFile, persons: pl.DataFrame | None = None) -> ScreenInput:
    """The screening's frames from a read claim file (and a read persons file); its lines
    keep their class, their ceilings and restrictions are the shipped catalog's entries in
    force on their days. A line's day is the one rule of the database's lines
    (:func:`safetynet.catalogs.in_force.line_day_of`): its own ``day``, else its claim's
    date — the day-based rules read a file's undated line on the day they read it from
    the database."""
    from safetynet.catalogs.in_force import line_day_of
    from safetynet.supervision.catalog import shipped_entries, with_catalog

    lines = cf.lines.rename({"claim_key": "claim_no"})
    dates = cf.claims.select("claim_no", pl.col("date").alias("_date"))
    on = line_day_of("day", "_date") if "day" in lines.columns else pl.col("_date")
    lines = with_catalog(
        lines.join(dates, on="claim_no", how="left").with_columns(on.alias("day")),
        shipped_entries(),
    ).drop("_date")
    sums = lines.group_by("claim_no").agg(pl.col("amount_fen").sum().alias("line_total"))
    claims = (
        cf.claims.join(sums, on="claim_no", how="left")
        .with_columns(pl.coalesce("total_fen", "line_total").alias("total_fen"))
        .drop("line_total")
    )
    return ScreenInput(conform(claims, CLAIMS_SCHEMA), conform(lines, LINES_SCHEMA), persons)


def read_persons(path: str | Path) -> pl.DataFrame:
    """A persons file (CSV or Parquet): ``person_id``, ``sex`` (M/F), ``deceased_on``."""
    path = Path(path)
    if not path.is_file():
        raise ScreenInputError([f"persons file not found: {path}"])
    raw = (
        pl.read_parquet(path)
        if path.suffix == ".parquet"
        else pl.read_csv(path, infer_schema=False)
    )
    missing = [c for c in ("person_id", "sex") if c not in raw.columns]
    if missing:
        raise ScreenInputError([f"{path}: persons file lacks {', '.join(missing)}"])
    if "deceased_on" in raw.columns and raw.schema["deceased_on"] == pl.String:
        raw = raw.with_columns(pl.col("deceased_on").str.to_date("%Y-%m-%d", strict=False))
    out = conform(raw, PERSONS_SCHEMA)
    bad = out.filter(~pl.col("sex").is_in(["M", "F"]))
    if bad.height:
        raise ScreenInputError([f"{path}: sex must be M or F ({bad.height} rows are not)"])
    return out
