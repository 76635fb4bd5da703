"""Reading claim files for `safetynet settle` / `simulate`: JSON lines or Parquet.

The formats are documented in docs/formats.md (with examples in examples/); the fields are
listed once in :mod:`safetynet.claims.fields`. Both read into one canonical claims table
(amounts in fen) and one table of item lines. Every optional field may be left out, be null
on some lines or on all of them. Every problem is reported with the line (JSON lines) or
row (Parquet) it is on — a line that is not JSON does not hide the problems of the others —
and nothing is settled while any claim is wrong.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import polars as pl

from safetynet.claims.fields import CLAIM_FIELDS, ITEM_FIELDS, Field, dtype
from safetynet.codes import ClaimKind, InstitutionLevel, ItemClass, PovertyStatus
from safetynet.i18n import N_, gettext_for
from safetynet.json_text import JsonTextError, loads
from safetynet.numerals import numeric_text
from safetynet.registry.resident_id import id_problem
from safetynet.registry.resident_id_column import invalid_resident_ids
from safetynet.settlement.submission import (
    EARLIEST_DATE,
    MAX_ITEM_YUAN,
    MAX_ITEMS,
    MAX_QUANTITY,
    MAX_STAY_DAYS,
    latest_date,
    settles_nothing,
)

KINDS = [k.value for k in ClaimKind]
LEVELS = [k.value for k in InstitutionLevel]
STATUSES = [k.value for k in PovertyStatus]
IN_COUNTY_LEVELS = ("village", "township", "county")
_YUAN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
_PCT = r"^[0-9]{1,3}(\.[0-9]{1,2})?%$"
_AMOUNT = N_("must be an amount ≥ 0 with at most two decimals")
_EITHER = N_("give `items`, or `total` and `compliant`")
ONE_OF = N_("must be one of %(choices)s")
TRUE_FALSE = N_("must be true or false")
AT_LEAST_0 = N_("must be ≥ 0")
# The bounds of the API's submissions (settlement.submission), so that a file cannot settle
# what a window could not: an item's amount, a claim's (its items' at most), dates, stays.
MAX_ITEM_FEN = int(MAX_ITEM_YUAN * 100)
MAX_CLAIM_FEN = MAX_ITEM_FEN * MAX_ITEMS
AT_MOST_YUAN = N_("must be at most %(max)s yuan")
BETWEEN_DATES = N_("must be between %(start)s and %(end)s")
TOO_LONG = N_("longer than %(n)s characters")
# a bill of 0.00 yuan (every item line, or its `total`): refused as the API refuses it
NOTHING_TO_SETTLE = N_("a bill of 0.00 yuan: there is nothing to settle")
TEXT_LENGTHS = {"claim_no": 40, "institution": 32, "diagnosis": 16}  # as the API's fields
RESIDENT_IDS_NAMED = 100  # bad resident IDs told apart by their problem; the rest in short


@dataclass(frozen=True)
class ClaimFileError:
    line: int | None  # JSON lines: line number; Parquet: row number (1-based); None: the file
    field: str  # the field as the file names it
    message: str  # a message id of the translation catalog; %(name)s placeholders: params
    params: dict[str, object] = dataclass_field(default_factory=dict)

    def text(self, locale: str = "en") -> str:
        """``line N: field: what is wrong`` in ``locale``."""
        _ = gettext_for(locale)
        message = _(self.message) % self.params if self.params else _(self.message)
        where = _("line %(n)s") % {"n": self.line} + ": " if self.line is not None else ""
        return f"{where}{self.field}: {message}" if self.field else f"{where}{message}"

    def __str__(self) -> str:
        return self.text("en")


class ClaimFileRejected(ValueError):
    """A claim file refused whole: its problems (``total``: how many in all, where only the
    first ``errors`` are listed)."""

    def __init__(self, path: Path, errors: list[ClaimFileError], total: int | None = None) -> None:
        self.path = path
        self.errors = errors
        self.total = max(total or 0, len(errors))
        super().__init__(self.text("en"))

    def text(self, locale: str = "en") -> str:
        """Every problem (the first 20) with the file's name, in ``locale``."""
        _ = gettext_for(locale)
        errors, path = self.errors, self.path
        if len(errors) == 1 and errors[0].line is None and not errors[0].field:
            if errors[0].message == NOT_FOUND:
                return _("file not found: %(path)s") % {"path": path}
            return f"{path}: {errors[0].text(locale)}"
        shown = "\n".join(f"{path}: {e.text(locale)}" for e in errors[:20])
        n = self.total
        more = "\n" + _("... and %(n)s more") % {"n": n - 20} if n > 20 else ""
        return _("%(n)s problem(s) in %(path)s:") % {"n": n, "path": path} + f"\n{shown}{more}"


MISSING_HOUSEHOLD_LINES = 1_000  # lines kept of claims naming no household (a problem each)


@dataclass(frozen=True)
class ClaimFile:
    claims: pl.DataFrame  # one row per claim, canonical columns (see docs/formats.md)
    lines: pl.DataFrame  # item lines: claim_key, code, item_class, self_pay_bp, amount_fen, ...
    # claims that name no household (their household is the person): how many, and the
    # first ``MISSING_HOUSEHOLD_LINES`` of their lines — a policy with household pools
    # refuses them (``settle_file.check_households``)
    households_missing: int = 0
    households_missing_lines: tuple[int, ...] = ()


# --- JSON lines: every value as text, one schema whatever each line gives ------------------


class _Bad(ValueError):
    pass


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise _Bad(N_("must be a single value, not a list or an object"))


# fields whose text is a number or a date: read by the one rule (safetynet.numerals)
NUMERIC_KINDS = frozenset({"whole", "yuan", "percent", "date"})


def _field_text(field: Field, value: Any) -> str | None:
    text = _scalar(value)
    return numeric_text(text) if text is not None and field.kind in NUMERIC_KINDS else text


def _json_value(field: Field, value: Any) -> Any:
    if value is None or field.kind not in ("statuses", "items"):
        return _field_text(field, value)
    if not isinstance(value, list):
        raise _Bad(N_("must be a list"))
    if field.kind == "statuses":
        return [_scalar(v) for v in value]
    items = []
    for item in value:
        if not isinstance(item, dict):
            raise _Bad(N_("each item must be an object {code, class, amount, ...}"))
        items.append({f.name: _field_text(f, item.get(f.name)) for f in ITEM_FIELDS})
    return items


def _read_json_lines(path: Path) -> tuple[pl.DataFrame, list[ClaimFileError]]:
    records: list[dict[str, Any]] = []
    errors: list[ClaimFileError] = []
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                text = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError:
                errors.append(ClaimFileError(n, "", N_("not UTF-8 text (save the file as UTF-8)")))
                continue
            if not text.strip():
                continue
            try:
                obj = loads(text)  # the one rule for JSON: a key twice, too deep, too long
            except JsonTextError as exc:
                if "reason" in exc.params:  # where the parser stopped
                    error = ClaimFileError(n, "", N_("not valid JSON (%(reason)s)"),
                                           {"reason": exc.params["reason"]})  # fmt: skip
                else:
                    error = ClaimFileError(n, exc.field or "", exc.template, exc.params)
                errors.append(error)
                continue
            if not isinstance(obj, dict):
                errors.append(ClaimFileError(n, "", N_("each line must be one JSON object")))
                continue
            record: dict[str, Any] = {"_line": n}
            for field in CLAIM_FIELDS:
                try:
                    record[field.name] = _json_value(field, obj.get(field.name))
                except _Bad as exc:
                    errors.append(ClaimFileError(n, field.name, str(exc)))
                    record = {}
                    break
            if record:
                records.append(record)
    schema = {"_line": pl.Int64(), **{f.name: dtype(f, parquet=False) for f in CLAIM_FIELDS}}
    return pl.DataFrame(records, schema=schema, orient="row"), errors


# --- Parquet: the file's own types, absent and all-null columns made whole -----------------

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def _conform(df: Frame, fields: tuple[Field, ...], parquet: bool) -> Frame:
    """Every field as a column: absent ones all null, null-typed ones of their field's type."""
    schema = df.collect_schema()
    out = []
    for f in fields:
        name = f.parquet_name if parquet else f.name
        want = dtype(f, parquet)
        if name not in schema:
            out.append(pl.lit(None, want).alias(name))
        elif schema[name] == pl.Null:
            out.append(pl.col(name).cast(want))
        elif f.kind == "items" and not _is_item_list(schema[name]):
            out.append(pl.lit(None, want).alias(name))  # e.g. a list of nulls only
    return df.with_columns(out) if out else df


def _is_item_list(dt: pl.DataType) -> bool:
    return isinstance(dt, pl.List) and isinstance(dt.inner, pl.Struct)


def scan_parquet(path: Path) -> pl.LazyFrame:
    """A Parquet claim file's rows, not yet read, each with its 1-based row number as
    ``_line`` (the line problems name; the default submission sequence)."""
    rows = pl.scan_parquet(path, row_index_name="_line", row_index_offset=1)
    return rows.with_columns(pl.col("_line").cast(pl.Int64))


_WHOLE = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)
_COLUMN_TYPES: dict[str, tuple[tuple[type[pl.DataType], ...], str]] = {
    "text": ((pl.String, pl.Categorical, pl.Enum, *_WHOLE), N_("column of %(type)s; must be text")),
    "whole": ((*_WHOLE, pl.String), N_("column of %(type)s; must be whole numbers")),
    "flag": ((pl.Boolean, pl.String), N_("column of %(type)s; must be true or false")),
    "date": ((pl.String, pl.Date), N_("column of %(type)s; must be dates (YYYY-MM-DD)")),
    "yuan": ((*_WHOLE, pl.String), N_("column of %(type)s; must be whole fen (integers)")),
    "percent": ((*_WHOLE, pl.String), N_("column of %(type)s; must be basis points (integers)")),
    "statuses": ((pl.List,), N_("column of %(type)s; must be lists of text")),
    "items": ((pl.List,), N_("column of %(type)s; must be lists of items")),
}  # the column types a Parquet file's field may have (else one error naming the column)


def _check_types(schema: pl.Schema, path: Path) -> None:
    """Refuse a Parquet file whose columns are not of their field's types (a float amount, a
    status that is not a list, ...): one problem per column, before any row is read."""
    errors = []
    for f in CLAIM_FIELDS:
        dt = schema.get(f.parquet_name)
        if dt is None or dt == pl.Null:
            continue
        allowed, message = _COLUMN_TYPES[f.kind]
        ok = isinstance(dt, allowed)
        if ok and f.kind == "statuses":
            ok = isinstance(dt, pl.List) and isinstance(dt.inner, pl.String | pl.Null)
        if ok and f.kind == "items":
            ok = isinstance(dt, pl.List) and isinstance(dt.inner, pl.Struct | pl.Null)
        if not ok:
            errors.append(ClaimFileError(None, f.parquet_name, message, {"type": str(dt)}))
    if errors:
        raise ClaimFileRejected(path, errors)


def parquet_claims(
    raw: pl.DataFrame | pl.LazyFrame, path: Path, unread: tuple[str, ...] = ()
) -> ClaimFile:
    """Check Parquet rows (with their ``_line``; read or not yet) as a claim file.

    A file of the common shape (totals, no item lines) is checked and made canonical in
    one streaming pass (:func:`_in_one_pass`); any other file, or one with a problem, goes
    through :func:`_normalise`, which names every problem with its row. ``unread``: fields
    that no check reads and the caller does not need (e.g. ``doctor`` when settling): their
    columns' types are checked, their values are not read, and the claims have no such
    column (not even one of nulls: a column of one repeated value makes Polars copy the
    other columns into one piece in some later selects, 0.2 CPU-s for the county).
    """
    _check_types(raw.collect_schema(), path)
    raw = raw.drop(unread, strict=False)
    items = raw.collect_schema().get("items", pl.Null())
    raw = _conform(raw, CLAIM_FIELDS, True)
    claim_file = None if _is_item_list(items) else _in_one_pass(raw)
    if claim_file is None:
        rows = raw.collect() if isinstance(raw, pl.LazyFrame) else raw
        claim_file = _normalise(rows, path, in_fen=True)
    if unread:
        claim_file = replace(claim_file, claims=claim_file.claims.drop(unread, strict=False))
    return claim_file


def _missing_households(no_household: pl.Series, lines: pl.Series) -> dict[str, Any]:
    """``ClaimFile``'s count and first lines of claims naming no household."""
    n = int(no_household.sum())
    if not n:
        return {}
    first = lines.filter(no_household).head(MISSING_HOUSEHOLD_LINES)
    return {"households_missing": n, "households_missing_lines": tuple(first.to_list())}


# --- checks and canonical columns, shared by both forms -----------------------------------


def _yuan_to_fen(col: str) -> pl.Expr:
    s = pl.col(col).cast(pl.String)
    whole = s.str.split(".").list.get(0, null_on_oob=True).cast(pl.Int64, strict=False)
    frac = s.str.split(".").list.get(1, null_on_oob=True).fill_null("").str.pad_end(2, "0")
    return whole * 100 + frac.cast(pl.Int64, strict=False).fill_null(0)


def _pct_to_bp(col: str) -> pl.Expr:
    s = pl.col(col).cast(pl.String).str.strip_suffix("%")
    whole = s.str.split(".").list.get(0, null_on_oob=True).cast(pl.Int64, strict=False)
    frac = s.str.split(".").list.get(1, null_on_oob=True).fill_null("").str.pad_end(2, "0")
    return whole * 100 + frac.cast(pl.Int64, strict=False).fill_null(0)


def _date(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).str.to_date("%Y-%m-%d", strict=False)


def _flag(col: str) -> pl.Expr:
    return (
        pl.col(col)
        .cast(pl.String)
        .str.to_lowercase()
        .replace_strict({"true": True, "false": False}, default=None, return_dtype=pl.Boolean)
    )


def _check(
    df: pl.DataFrame, condition: pl.Expr, field: str, message: str, **params: object
) -> list[ClaimFileError]:
    """Lines where ``condition`` holds (or is null): ``message`` (a message id) for each."""
    bad = df.filter(condition.fill_null(True)).get_column("_line").to_list()
    return [ClaimFileError(int(n), field, message, params) for n in bad]


def _given_but(df: pl.DataFrame, col: str, parsed: pl.Expr, message: str) -> list[ClaimFileError]:
    """Lines where the field is given but does not parse."""
    return _check(df, pl.col(col).is_not_null() & parsed.is_null(), col, message)


Check = tuple[pl.Expr, str, str, dict[str, object]]  # condition, field, message, params


def _unparsed(col: str, message: str) -> Check:
    """The field is given but its parsed column (``<col>_p``) is null."""
    return (pl.col(col).is_not_null() & pl.col(f"{col}_p").is_null(), col, message, {})


def _checks(df: pl.DataFrame, checks: list[Check]) -> list[ClaimFileError]:
    """``_check`` of every condition, in order; the conditions are evaluated together in one
    pass over the frame (a clean file costs one parallel scan, not one filter per check), and
    only the ones that fail are gone over again for their lines."""
    if df.is_empty():
        return []
    failed = df.select(
        cond.fill_null(True).any().alias(f"c{i}") for i, (cond, *_) in enumerate(checks)
    ).row(0)
    errors: list[ClaimFileError] = []
    for hit, (cond, field, message, params) in zip(failed, checks, strict=True):
        if hit:
            errors += _check(df, cond, field, message, **params)
    return errors


def _distinct(values: pl.Series) -> bool:
    """Whether no value (null included) appears twice, cheaply: values in strictly rising
    order (claim numbers usually are) or with distinct 64-bit hashes are; ``False`` means
    "maybe not" (the exact check then finds the lines)."""
    if values.null_count():
        return False
    if values.len() < 2 or (values.slice(1) > values.slice(0, values.len() - 1)).all():
        return True
    # Polars' sort of the hashes (a radix sort of 64-bit integers) in under half the CPU
    # time of numpy's (the county's 4.1 M claim numbers: 0.14 CPU-s vs 0.34)
    hashes = values.hash(seed=0).sort().to_numpy()
    return not bool(np.any(hashes[1:] == hashes[:-1]))


def _diagnosis() -> pl.Expr:
    """The file's ICD-10 code as :func:`safetynet.codes.diagnosis_code` spells it (the one
    spelling of every entry point): upper case without the spaces around it, blank none."""
    code = pl.col("diagnosis").cast(pl.String).str.strip_chars().str.to_uppercase()
    return pl.when(code == "").then(None).otherwise(code).alias("diagnosis")


def _parsed(schema: pl.Schema) -> list[pl.Expr]:
    """The fields as text and parsed: ``<field>_p`` is null where a field is left out or
    given but not readable (the checks tell which)."""
    return [
        pl.col("claim_no", "person_id", "kind", "level").cast(pl.String),
        pl.col("household_id").cast(pl.String).fill_null(pl.col("person_id").cast(pl.String)),
        _diagnosis(),
        pl.col("institution", "doctor").cast(pl.String),
        _date("admitted").alias("admitted_p"),
        _date("discharged").alias("discharged_p"),
        pl.col("date").cast(pl.String).str.to_date("%Y-%m-%d", strict=False).alias("date_p"),
        pl.col("age").cast(pl.Int32, strict=False).alias("age_p"),
        pl.col("seq").cast(pl.Int64, strict=False).alias("seq_p"),
        *(
            (pl.col(f) if schema[f] == pl.Boolean else _flag(f)).alias(f"{f}_p")
            for f in ("in_county", "referral")
        ),
    ]


def _one_of(col: str, values: Sequence[str]) -> pl.Expr:
    """``col`` is one of a few ``values`` (null where it is null), as ``is_in`` says: as
    comparisons, which Polars makes on the strings' 16-byte views (a short code lies in its
    view), in about half the CPU time of hashing every row."""
    return functools.reduce(operator.or_, (pl.col(col) == v for v in values))


def _too_long(field: str, n: int) -> Check:
    return ((pl.col(field).str.len_chars() > n).fill_null(False), field, TOO_LONG, {"n": n})


def _row_checks(twice: pl.Expr) -> list[Check]:
    """The checks of each claim's own fields (on the columns of :func:`_parsed`); ``twice``:
    the claim number appears on another line too."""
    bad_status = pl.col("statuses").list.eval(~pl.element().is_in(STATUSES)).list.any()
    return [
        (pl.col("claim_no").is_null(), "claim_no", N_("missing"), {}),
        (twice, "claim_no", N_("appears twice in the file"), {}),
        (pl.col("person_id").is_null(), "person_id", N_("missing"), {}),
        (pl.col("date_p").is_null(), "date", N_("not a date (YYYY-MM-DD)"), {}),
        _out_of_dates("date"),
        (~_one_of("kind", KINDS), "kind", ONE_OF, {"choices": ", ".join(KINDS)}),
        (~_one_of("level", LEVELS), "level", ONE_OF, {"choices": ", ".join(LEVELS)}),
        (~pl.col("age_p").is_between(0, 150), "age", N_("must be a whole number 0–150"), {}),
        _unparsed("seq", N_("must be a whole number")),
        _unparsed("admitted", N_("not a date (YYYY-MM-DD)")),
        _unparsed("discharged", N_("not a date (YYYY-MM-DD)")),
        _out_of_dates("admitted"),
        _out_of_dates("discharged"),
        (
            (pl.col("discharged_p") < pl.col("admitted_p")).fill_null(False),
            "discharged",
            N_("before the admission date"),
            {},
        ),
        (
            (
                pl.col("discharged_p") - pl.col("admitted_p") > timedelta(days=MAX_STAY_DAYS)
            ).fill_null(False),
            "discharged",
            N_("more than %(n)s days after the admission date"),
            {"n": MAX_STAY_DAYS},
        ),
        *(_too_long(f, n) for f, n in TEXT_LENGTHS.items()),
        _unparsed("in_county", TRUE_FALSE),
        _unparsed("referral", TRUE_FALSE),
        (
            bad_status.fill_null(False),
            "statuses",
            N_("each must be one of %(choices)s"),
            {"choices": ", ".join(STATUSES)},
        ),
    ]


def _out_of_dates(field: str) -> Check:
    """A parsed date (``<field>_p``) outside what the API accepts (:data:`EARLIEST_DATE` to
    tomorrow)."""
    start, end = EARLIEST_DATE, latest_date()
    outside = ~pl.col(f"{field}_p").is_between(start, end)
    params: dict[str, object] = {"start": start.isoformat(), "end": end.isoformat()}
    return (outside.fill_null(False), field, BETWEEN_DATES, params)


def _resident_id_errors(df: pl.DataFrame) -> list[ClaimFileError]:
    """Person keys meant as resident IDs (numbers of 15 digits or more) that are not valid
    ones (GB 11643: length, birth date, check digit): the first :data:`RESIDENT_IDS_NAMED`
    with their problem (the same words as the API's), the others in short."""
    bad = df.filter(invalid_resident_ids(df.get_column("person_id"))).select("_line", "person_id")
    errors = []
    for i, (line, rid) in enumerate(bad.iter_rows()):
        if i < RESIDENT_IDS_NAMED:
            message, params = id_problem(rid)
            errors.append(ClaimFileError(int(line), "person_id", message, params))
        else:
            errors.append(ClaimFileError(int(line), "person_id", N_("not a valid resident ID")))
    return errors


_CANONICAL = (
    pl.col("date_p").alias("date"),
    pl.col("age_p").alias("age"),
    pl.col("admitted_p").alias("admitted"),
    pl.col("discharged_p").alias("discharged"),
    # Same-day claims settle in file order unless `seq` says otherwise: the line number
    # stands in for a `seq` left out (see docs/formats.md).
    pl.col("seq_p").fill_null(pl.col("_line")).alias("seq"),
    pl.col("in_county_p").fill_null(_one_of("level", IN_COUNTY_LEVELS)).alias("in_county"),
    pl.col("referral_p").fill_null(False).alias("referral"),
    pl.col("statuses").fill_null([]),
    (pl.col("items").list.len().fill_null(0) > 0).alias("itemised"),
)  # the checked claims' canonical columns (after _parsed), the amounts apart
_AMOUNT_FIELDS = ("total", "compliant", "essential", "deducted")
_KEEP = (
    "_line",
    "claim_no",
    "person_id",
    "household_id",
    "date",
    "seq",
    "kind",
    "level",
    "in_county",
    "referral",
    "statuses",
    "age",
    "diagnosis",
    "institution",
    "doctor",
    "admitted",
    "discharged",
    "itemised",
    *(f"{k}_fen" for k in _AMOUNT_FIELDS),
)  # the canonical claims table's columns, in order


def _in_fen(frame: Frame, in_fen: bool) -> Frame:
    """The claims' amounts in fen; an itemised claim's are its items' (none here)."""
    return frame.with_columns(
        (pl.col(f"{k}_fen").cast(pl.Int64) if in_fen else _yuan_to_fen(k)).alias(f"{k}_fen")
        for k in _AMOUNT_FIELDS
    ).with_columns(
        pl.when(pl.col("itemised")).then(None).otherwise(pl.col(c).fill_null(0)).alias(c)
        for c in ("essential_fen", "deducted_fen")
    )


def _in_one_pass(raw: Frame) -> ClaimFile | None:
    """The claims of Parquet rows (conformed) without item lines, checked and made
    canonical in one streaming pass: the file is read, parsed and checked a slice at a time
    (no column of dates as text, no condition, is held for the whole file), every check
    or-ed into one flag per row. ``None`` when amounts are not signed integers or when any
    check fails: :func:`_normalise` then names every problem (the same checks, their
    expressions shared)."""
    schema = raw.collect_schema()
    if not all(schema[f"{k}_fen"].is_signed_integer() for k in _AMOUNT_FIELDS):
        return None
    shape, consistency = _total_checks(in_fen=True)
    checks = [*_row_checks(pl.lit(False)), *shape, *consistency]
    # Text lengths: a field of no more bytes than its limit has no more characters (cheap:
    # a string's byte length is in its view); only rows over it in bytes are counted in
    # characters, after the pass (none in a file of codes; some where names are Chinese).
    lengths = [_too_long(f, n) for f, n in TEXT_LENGTHS.items()]
    checks = [c for c in checks if c[2] != TOO_LONG]
    bad = pl.any_horizontal(cond.fill_null(True) for cond, *_ in checks).alias("_bad")
    bytes_over = (pl.col(f).str.len_bytes() > n for f, n in TEXT_LENGTHS.items())
    long = pl.any_horizontal(bytes_over).fill_null(False).alias("_long")
    no_household = pl.col("household_id").is_null().alias("_no_household")
    parsed = (
        raw.lazy().with_columns(no_household, *_parsed(schema)).with_columns(bad, long, *_CANONICAL)
    )
    out = _in_fen(parsed, in_fen=True).select(*_KEEP, "_bad", "_long", "_no_household")
    out = out.collect(engine="streaming")
    if out.get_column("_bad").any() or not _distinct(out.get_column("claim_no")):
        return None  # (a claim number maybe twice: the exact check finds the lines)
    if out.get_column("_long").any():
        over = out.filter("_long").select(pl.any_horizontal(c for c, *_ in lengths).any())
        if over.item():
            return None
    missing = _missing_households(out.get_column("_no_household"), out.get_column("_line"))
    out = out.drop("_long", "_no_household")
    if invalid_resident_ids(out.get_column("person_id")).any():
        return None  # (one compiled pass over the keys: ~5 ns a claim)
    lines, _ = _item_lines(raw.lazy().clear().collect(), in_fen=True)  # none: its columns
    # The columns come in slices of the stream. Polars copies a frame into one piece before
    # a select unless its first column is in one already: `_line` is made one (a small
    # copy), so selecting from the claims (e.g. the engine's columns) stays free.
    return ClaimFile(
        claims=out.drop("_bad").with_columns(out.get_column("_line").rechunk()),
        lines=lines,
        **missing,
    )


def _normalise(raw: pl.DataFrame, path: Path, *, in_fen: bool) -> ClaimFile:
    errors: list[ClaimFileError] = []
    for f in CLAIM_FIELDS:
        if f.required and raw.height and raw.get_column(f.name).null_count() == raw.height:
            errors.append(ClaimFileError(1, f.name, N_("required field missing from every claim")))
    if errors:
        return _rejected(path, errors)
    missing = _missing_households(raw.get_column("household_id").is_null(), raw.get_column("_line"))
    df = raw.with_columns(_parsed(raw.schema))
    twice = (
        pl.lit(False)
        if _distinct(df.get_column("claim_no"))
        else pl.col("claim_no").is_duplicated()
    )
    errors += _checks(df, _row_checks(twice)) + _resident_id_errors(df)
    df = df.with_columns(_CANONICAL)
    itemised = int(df.get_column("itemised").sum())  # all or none: no copy of the claims
    items_part = df.filter(pl.col("itemised")) if 0 < itemised < df.height else df
    lines, line_errors = _item_lines(items_part if itemised else df.clear(), in_fen)
    errors += line_errors
    totals = df.filter(~pl.col("itemised")) if 0 < itemised < df.height else df
    errors += _totals(totals if itemised < df.height else df.clear(), in_fen)
    if errors:
        return _rejected(path, errors)
    return ClaimFile(claims=_in_fen(df, in_fen).select(_KEEP), lines=lines, **missing)


def _rejected(path: Path, errors: list[ClaimFileError]) -> ClaimFile:
    raise ClaimFileRejected(path, sorted(errors, key=lambda e: e.line or 0))


def _total_checks(in_fen: bool) -> tuple[list[Check], list[Check]]:
    """The checks of claims given by totals: their shape (each amount given where needed
    and well formed), then the consistency of the well-formed ones."""
    col = {n: f"{n}_fen" if in_fen else n for n in _AMOUNT_FIELDS}
    neither = pl.col(col["total"]).is_null() & pl.col(col["compliant"]).is_null()
    shape: list[Check] = [(neither, "items", _EITHER, {})]
    for name, c in col.items():
        given = pl.col(c).is_not_null()
        if name in ("total", "compliant"):
            shape.append((~neither & ~given, c, N_("required with totals"), {}))
        malformed = (
            pl.col(c).cast(pl.Int64, strict=False) < 0
            if in_fen
            else ~pl.col(c).cast(pl.String).str.contains(_YUAN)
        )
        shape.append((~neither & given & malformed, c, _AMOUNT, {}))
    fen = {n: pl.col(c).cast(pl.Int64) if in_fen else _yuan_to_fen(c) for n, c in col.items()}
    for name, c in col.items():
        value = pl.col(c).cast(pl.Int64, strict=False) if in_fen else fen[name]
        too_big = (value > MAX_CLAIM_FEN).fill_null(False)
        shape.append((too_big, c, AT_MOST_YUAN, {"max": f"{MAX_CLAIM_FEN // 100:,}"}))
    total, compliant = fen["total"], fen["compliant"]
    deducted, essential = fen["deducted"].fill_null(0), fen["essential"].fill_null(0)
    consistency: list[Check] = [
        (settles_nothing(total), col["total"], NOTHING_TO_SETTLE, {}),
        (
            compliant > total - deducted,
            "compliant",
            N_("exceeds the total less what review deducted"),
            {},
        ),
        (essential > compliant, "essential", N_("exceeds compliant"), {}),
    ]
    return shape, consistency


def _totals(df: pl.DataFrame, in_fen: bool) -> list[ClaimFileError]:
    """Checks of the claims given by totals rather than items."""
    if df.is_empty():
        return []
    shape, consistency = _total_checks(in_fen)
    errors = _checks(df, shape)  # in one pass, as _checks does
    if errors:  # consistency of the well-formed ones only
        df = df.filter(~pl.col("_line").is_in(list({e.line for e in errors})))
    return errors + _checks(df, consistency)


def _item_lines(df: pl.DataFrame, in_fen: bool) -> tuple[pl.DataFrame, list[ClaimFileError]]:
    """Item lines of the itemised claims, checked; amounts in fen."""
    items = df.select("_line", "claim_no", "items").explode("items")
    items = items.filter(pl.col("items").is_not_null()).unnest("items")
    items = _conform(items, ITEM_FIELDS, in_fen)
    name = {f.name: f.parquet_name if in_fen else f.name for f in ITEM_FIELDS}
    label = {k: f"items.{v}" for k, v in name.items()}
    errors: list[ClaimFileError] = []
    classes = [c.value for c in ItemClass]
    errors += _check(items, ~pl.col("class").is_in(classes), "items.class", N_("must be A, B or C"))
    errors += _given_but(items, "essential", _flag("essential"), TRUE_FALSE)
    bad_day = pl.col("day").is_not_null() & _date("day").is_null()
    errors += _check(items, bad_day, "items.day", N_("not a date (YYYY-MM-DD)"))
    quantity = pl.col("quantity").cast(pl.Int64, strict=False)
    bad_quantity = pl.col("quantity").is_not_null() & quantity.is_null()
    errors += _check(items, bad_quantity, "items.quantity", N_("must be a whole number"))
    errors += _check(items, (quantity < 1).fill_null(False), "items.quantity", N_("must be ≥ 1"))
    errors += _check(
        items, (quantity > MAX_QUANTITY).fill_null(False), "items.quantity",
        N_("must be at most %(n)s"), n=f"{MAX_QUANTITY:,}",
    )  # fmt: skip
    start, end = EARLIEST_DATE, latest_date()
    errors += _check(
        items, (~_date("day").is_between(start, end)).fill_null(False), "items.day",
        BETWEEN_DATES, start=start.isoformat(), end=end.isoformat(),
    )  # fmt: skip
    many = df.filter((pl.col("items").list.len() > MAX_ITEMS).fill_null(False))
    errors += [
        ClaimFileError(int(n), "items", N_("more than %(n)s item lines"), {"n": f"{MAX_ITEMS:,}"})
        for n in many.get_column("_line").to_list()
    ]
    if in_fen:
        amount = pl.col("amount_fen").cast(pl.Int64, strict=False)
        deducted = pl.col("deducted_fen").cast(pl.Int64, strict=False)
        self_pay = pl.col("self_pay_bp").cast(pl.Int64, strict=False)
        errors += _check(items, amount < 0, label["amount"], AT_LEAST_0)
        errors += _check(items, (deducted < 0).fill_null(False), label["deducted"], AT_LEAST_0)
        errors += _check(items, (self_pay < 0).fill_null(False), label["self_pay"], AT_LEAST_0)
    else:
        errors += _check(items, ~pl.col("amount").str.contains(_YUAN), label["amount"], _AMOUNT)
        bad_deducted = pl.col("deducted").is_not_null() & ~pl.col("deducted").str.contains(_YUAN)
        errors += _check(items, bad_deducted, label["deducted"], _AMOUNT)
        bad_pct = pl.col("self_pay").is_not_null() & ~pl.col("self_pay").str.contains(_PCT)
        errors += _check(items, bad_pct, label["self_pay"], N_("must be a percentage such as 10%"))
    if errors:
        return pl.DataFrame(), errors
    if in_fen:
        items = items.with_columns(amount.alias("amount_fen"), deducted, self_pay)
    else:
        items = items.with_columns(
            _yuan_to_fen("amount").alias("amount_fen"),
            _yuan_to_fen("deducted").alias("deducted_fen"),
            _pct_to_bp("self_pay").alias("self_pay_bp"),
        )
    most = {"max": f"{MAX_ITEM_FEN // 100:,}"}
    for field in ("amount", "deducted"):
        over = (pl.col(f"{field}_fen") > MAX_ITEM_FEN).fill_null(False)
        errors += _check(items, over, label[field], AT_MOST_YUAN, **most)
    if errors:
        return pl.DataFrame(), errors
    items = items.with_columns(
        pl.col("deducted_fen").fill_null(0), pl.col("self_pay_bp").fill_null(0)
    )
    errors += _check(
        items, pl.col("deducted_fen") > pl.col("amount_fen"), label["deducted"],
        N_("exceeds the item's amount"),
    )  # fmt: skip
    errors += _check(items, pl.col("self_pay_bp") > 10000, label["self_pay"], N_("above 100%"))
    bills = items.group_by("_line").agg(pl.col("amount_fen").sum())
    errors += _check(bills, settles_nothing(pl.col("amount_fen")), "items", NOTHING_TO_SETTLE)
    lines = items.select(
        pl.col("claim_no").alias("claim_key"),
        pl.col("code").cast(pl.String),
        pl.col("class").cast(pl.String).alias("item_class"),
        pl.col("self_pay_bp").cast(pl.Int64),
        pl.col("amount_fen").cast(pl.Int64),
        pl.col("deducted_fen").cast(pl.Int64),
        _flag("essential").fill_null(False).alias("essential"),
        pl.col("quantity").cast(pl.Int64, strict=False),
        _date("day").alias("day"),
    )
    return lines, errors


NOT_FOUND = N_("file not found")
JSON_LINES = (".jsonl", ".json", ".ndjson")


def check_opens(path: Path) -> None:
    """Refuse, before any row is read, a claim file that is missing, of another kind than
    JSON lines or Parquet (a CSV file, say), or not a Parquet file though named one."""
    if not path.is_file():
        raise ClaimFileRejected(path, [ClaimFileError(None, "", NOT_FOUND)])
    suffix = path.suffix.lower()
    if suffix != ".parquet" and suffix not in JSON_LINES:
        message = N_("claim files are JSON lines (.jsonl) or Parquet (.parquet), not %(suffix)s")
        given = {"suffix": path.suffix or "?"}
        raise ClaimFileRejected(path, [ClaimFileError(None, "", message, given)])
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            pq.read_metadata(path)
        except Exception:  # pyarrow raises several kinds for a damaged file
            message = N_("not a Parquet file, or a damaged one (cut short while copied?)")
            raise ClaimFileRejected(path, [ClaimFileError(None, "", message)]) from None


def read_claim_file(path: str | Path) -> ClaimFile:
    """Read and check a claim file (``.jsonl`` / ``.json`` or ``.parquet``)."""
    path = Path(path)
    check_opens(path)
    if path.suffix.lower() == ".parquet":
        return parquet_claims(scan_parquet(path), path)
    raw, errors = _read_json_lines(path)
    if raw.is_empty() and not errors:
        errors = [ClaimFileError(1, "", N_("the file holds no claims"))]
    try:
        claim_file = _normalise(raw, path, in_fen=False)
    except ClaimFileRejected as exc:
        errors += exc.errors
    if errors:
        raise ClaimFileRejected(path, sorted(errors, key=lambda e: e.line or 0))
    return claim_file
