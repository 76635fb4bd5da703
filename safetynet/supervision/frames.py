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
    force on their days (:func:`safetynet.catalogs.in_force.line_day_of`: a line's own
    ``day``, else its claim's date). A line keeps the day it gives and no other, as the
    database's and the window's lines do (:mod:`safetynet.supervision.load`): the day-based
    rules read an undated line by their own rule for it (``duplicate_charge``: the limit
    times the stay's days), not as billed all on the claim's first day."""
    from safetynet.catalogs.in_force import line_day_of
    from safetynet.supervision.catalog import shipped_entries, with_catalog

    lines = cf.lines.rename({"claim_key": "claim_no"})
    if "day" not in lines.columns:
        lines = lines.with_columns(pl.lit(None, pl.Date).alias("day"))
    dates = cf.claims.select("claim_no", pl.col("date").alias("_date"))
    lines = with_catalog(
        lines.join(dates, on="claim_no", how="left").with_columns(
            line_day_of("day", "_date").alias("_on")
        ),
        shipped_entries(),
        day="_on",
    ).drop("_date", "_on")
    sums = lines.group_by("claim_no").agg(pl.col("amount_fen").sum().alias("line_total"))
    claims = (
        cf.claims.join(sums, on="claim_no", how="left")
        .with_columns(pl.coalesce("total_fen", "line_total").alias("total_fen"))
        .drop("line_total")
    )
    return ScreenInput(conform(claims, CLAIMS_SCHEMA), conform(lines, LINES_SCHEMA), persons)


def read_persons(path: str | Path) -> pl.DataFrame:
    """A persons file (CSV or .xlsx, read as every import file — UTF-8 with or without BOM,
    GB18030 —, or Parquet): ``person_id``, ``sex`` (M/F), ``deceased_on`` (optional,
    ``village``, ``phone``). Refused whole (:class:`ScreenInputError`, by row and column) for a
    person given twice (joined twice: every hit of theirs counted twice), a day of death that
    is no date (``2026-02-30``, ``20261301`` were read as no death: the person alive), a blank
    key, a formula, a missing column or an empty file."""
    path = Path(path)
    if not path.is_file():
        raise ScreenInputError([f"persons file not found: {path}"])
    raw = pl.read_parquet(path) if path.suffix == ".parquet" else _persons_sheet(path)
    missing = [c for c in ("person_id", "sex") if c not in raw.columns]
    if missing:
        raise ScreenInputError([f"{path}: persons file lacks {', '.join(missing)}"])
    if "deceased_on" in raw.columns and raw.schema["deceased_on"] == pl.String:
        day = raw["deceased_on"].str.strip_chars()
        parsed = day.str.to_date("%Y-%m-%d", strict=False)
        wrong = raw.filter(day.is_not_null() & (day != "") & parsed.is_null())
        if wrong.height:
            raise ScreenInputError([f"{path}: deceased_on {wrong['deceased_on'][0]!r} is not "
                                    "a date (YYYY-MM-DD)"])  # fmt: skip
        raw = raw.with_columns(parsed.alias("deceased_on"))
    out = conform(raw, PERSONS_SCHEMA)
    twice = out.filter(pl.col("person_id").is_duplicated())["person_id"].unique().sort()
    if twice.len():
        raise ScreenInputError([f"{path}: person {twice[0]!r} is given more than once; each "
                                "person may appear only once"])  # fmt: skip
    bad = out.filter(~pl.col("sex").is_in(["M", "F"]))
    if bad.height:
        raise ScreenInputError([f"{path}: sex must be M or F ({bad.height} rows are not)"])
    return out


def _persons_sheet(path: Path) -> pl.DataFrame:
    """A CSV or .xlsx persons file through :mod:`safetynet.tabular` (the one reader of
    import files), checked by row and column; its columns by their canonical names, dates
    as ISO text."""
    from safetynet.i18n import N_
    from safetynet.tabular.columns import Column, bind
    from safetynet.tabular.problems import ImportRejected, Severity
    from safetynet.tabular.reading import read_path
    from safetynet.tabular.values import duplicates, parse_dates, require

    columns = (Column("person_id", (), True), Column("sex", (), True),
               Column("deceased_on", ()), Column("village", ()), Column("phone", ()))  # fmt: skip
    try:
        bound = bind(read_path(path), columns)
        problems = [p for p in bound.problems if p.severity is Severity.ERROR]
        if not problems:
            problems += require(bound, "person_id", "sex")
            problems += duplicates(
                bound, ["person_id"], "person_id",
                N_("person %(value)s is also on row %(first)s; each person may appear "
                   "only once"),
            )  # fmt: skip
            problems += parse_dates(bound, "deceased_on")
        if problems:
            raise ImportRejected(problems)
    except ImportRejected as exc:
        raise ScreenInputError([f"{path}: {exc.text()}"]) from None
    frame = bound.frame.drop("_row")
    if "deceased_on" in frame.columns:
        frame = frame.with_columns(pl.col("deceased_on").cast(pl.String))
    return frame
