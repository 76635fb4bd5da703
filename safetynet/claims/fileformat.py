"""Reading claim files for `safetynet settle` / `simulate`: JSON lines or Parquet.

The formats are documented in docs/formats.md (with examples in examples/). Both read into
one canonical claims table (amounts in fen) and one table of item lines. Every problem is
reported with the line (JSON lines) or row (Parquet) it is on, and nothing is settled while
any claim is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from safetynet.codes import ClaimKind, InstitutionLevel, ItemClass, PovertyStatus

KINDS = [k.value for k in ClaimKind]
LEVELS = [k.value for k in InstitutionLevel]
STATUSES = [k.value for k in PovertyStatus]
IN_COUNTY_LEVELS = ("village", "township", "county")
_YUAN = r"^\d{1,12}(\.\d{1,2})?$"
_PCT = r"^\d{1,3}(\.\d{1,2})?%$"


@dataclass(frozen=True)
class ClaimFileError:
    line: int  # JSON lines: line number; Parquet: row number (1-based)
    field: str
    message: str

    def __str__(self) -> str:
        return (
            f"line {self.line}: {self.field}: {self.message}"
            if self.field
            else (f"line {self.line}: {self.message}")
        )


class ClaimFileRejected(ValueError):
    def __init__(self, path: Path, errors: list[ClaimFileError]) -> None:
        self.path = path
        self.errors = errors
        shown = "\n".join(f"{path}: {e}" for e in errors[:20])
        more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} problem(s) in {path}:\n{shown}{more}")


@dataclass(frozen=True)
class ClaimFile:
    claims: pl.DataFrame  # one row per claim, canonical columns (see docs/formats.md)
    lines: pl.DataFrame  # item lines: claim_key, code, item_class, self_pay_bp, amount_fen, ...


def _read_json_lines(path: Path) -> pl.DataFrame:
    records = []
    errors = []
    with path.open(encoding="utf-8") as fh:
        for n, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                errors.append(ClaimFileError(n, "", f"not valid JSON ({exc.msg})"))
                continue
            if not isinstance(obj, dict):
                errors.append(ClaimFileError(n, "", "each line must be one JSON object"))
                continue
            obj["_line"] = n
            for key in ("total", "compliant", "essential", "deducted"):
                if key in obj and obj[key] is not None:
                    obj[key] = str(obj[key])
            for item in obj.get("items") or []:
                if isinstance(item, dict):
                    for key in ("amount", "deducted", "self_pay"):
                        if key in item and item[key] is not None:
                            item[key] = str(item[key])
            records.append(obj)
    if errors:
        raise ClaimFileRejected(path, errors)
    if not records:
        raise ClaimFileRejected(path, [ClaimFileError(1, "", "the file holds no claims")])
    try:
        return pl.from_dicts(records, infer_schema_length=None)
    except (pl.exceptions.PolarsError, TypeError, ValueError) as exc:
        raise ClaimFileRejected(
            path, [ClaimFileError(1, "", f"inconsistent fields: {exc}")]
        ) from exc


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


def _check(df: pl.DataFrame, condition: pl.Expr, field: str, message: str) -> list[ClaimFileError]:
    bad = df.filter(condition.fill_null(True)).get_column("_line").to_list()
    return [ClaimFileError(int(n), field, message) for n in bad]


def _normalise(raw: pl.DataFrame, path: Path, *, amounts_in_fen: bool) -> ClaimFile:
    errors: list[ClaimFileError] = []
    for required in ("claim_no", "person_id", "date", "kind", "level", "age"):
        if required not in raw.columns:
            errors.append(ClaimFileError(1, required, "required field missing from every claim"))
    if errors:
        raise ClaimFileRejected(path, errors)
    has_items = "items" in raw.columns
    has_totals = ("total_fen" if amounts_in_fen else "total") in raw.columns
    if not has_items and not has_totals:
        raise ClaimFileRejected(
            path, [ClaimFileError(1, "items", "give `items`, or `total` and `compliant`")]
        )
    df = raw.with_columns(
        pl.col("claim_no").cast(pl.String),
        pl.col("person_id").cast(pl.String),
        pl.col("kind").cast(pl.String),
        pl.col("level").cast(pl.String),
    )
    defaults = {
        "household_id": pl.col("person_id"),
        "in_county": pl.col("level").is_in(IN_COUNTY_LEVELS),
        "referral": pl.lit(False),
        "statuses": pl.lit([], dtype=pl.List(pl.String)),
        "diagnosis": pl.lit(None, dtype=pl.String),
        "institution": pl.lit(None, dtype=pl.String),
        "seq": pl.col("_line").cast(pl.Int64),
    }
    df = df.with_columns(
        [expr.alias(name) for name, expr in defaults.items() if name not in df.columns]
    ).with_columns(
        pl.col("household_id").cast(pl.String).fill_null(pl.col("person_id")),
        pl.col("in_county").cast(pl.Boolean).fill_null(pl.col("level").is_in(IN_COUNTY_LEVELS)),
        pl.col("referral").cast(pl.Boolean).fill_null(False),
        pl.col("statuses").fill_null([]),
        pl.col("date").cast(pl.String).str.to_date("%Y-%m-%d", strict=False).alias("date_parsed"),
        pl.col("age").cast(pl.Int32, strict=False).alias("age_parsed"),
    )
    errors += _check(df, pl.col("claim_no").is_null(), "claim_no", "missing")
    errors += _check(
        df, pl.col("claim_no").is_duplicated(), "claim_no", "appears twice in the file"
    )
    errors += _check(df, pl.col("person_id").is_null(), "person_id", "missing")
    errors += _check(df, pl.col("date_parsed").is_null(), "date", "not a date (YYYY-MM-DD)")
    errors += _check(df, ~pl.col("kind").is_in(KINDS), "kind", f"must be one of {', '.join(KINDS)}")
    errors += _check(
        df, ~pl.col("level").is_in(LEVELS), "level", f"must be one of {', '.join(LEVELS)}"
    )
    errors += _check(
        df, ~pl.col("age_parsed").is_between(0, 150), "age", "must be a whole number 0–150"
    )
    bad_status = pl.col("statuses").list.eval(~pl.element().is_in(STATUSES)).list.any()
    errors += _check(df, bad_status, "statuses", f"each must be one of {', '.join(STATUSES)}")

    df = df.with_columns(pl.col("date_parsed").alias("date"), pl.col("age_parsed").alias("age"))
    itemised = (pl.col("items").list.len().fill_null(0) > 0 if has_items else pl.lit(False)).alias(
        "itemised"
    )
    df = df.with_columns(itemised)
    if not has_totals:
        errors += _check(
            df, ~pl.col("itemised"), "items", "give `items`, or `total` and `compliant`"
        )
    lines = pl.DataFrame()
    if has_items:
        lines, line_errors = _item_lines(df, amounts_in_fen)
        errors += line_errors
    if has_totals:
        errors += _totals(df.filter(~pl.col("itemised")), amounts_in_fen)
    if errors:
        raise ClaimFileRejected(path, sorted(errors, key=lambda e: e.line))
    if has_totals:
        if amounts_in_fen:
            df = df.with_columns(
                pl.col(c).cast(pl.Int64)
                for c in ("total_fen", "compliant_fen", "essential_fen", "deducted_fen")
                if c in df.columns
            )
        else:
            df = df.with_columns(
                _yuan_to_fen(k).alias(f"{k}_fen")
                for k in ("total", "compliant", "essential", "deducted")
                if k in df.columns
            )
        df = df.with_columns(
            pl.lit(0, pl.Int64).alias(c)
            for c in ("essential_fen", "deducted_fen")
            if c not in df.columns
        ).with_columns(
            pl.when(pl.col("itemised")).then(None).otherwise(pl.col(c).fill_null(0)).alias(c)
            for c in ("essential_fen", "deducted_fen")
        )
    keep = [
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
        "itemised",
    ]
    amount_cols = ["total_fen", "compliant_fen", "essential_fen", "deducted_fen"]
    claims = df.select(keep + [c for c in amount_cols if c in df.columns])
    return ClaimFile(claims=claims, lines=lines)


def _totals(df: pl.DataFrame, in_fen: bool) -> list[ClaimFileError]:
    errors: list[ClaimFileError] = []
    names = ("total", "compliant", "essential", "deducted")
    for name in names:
        col = f"{name}_fen" if in_fen else name
        if col not in df.columns:
            if name in ("total", "compliant"):
                errors.append(ClaimFileError(1, col, "required with totals"))
            continue
        if in_fen:
            cond = pl.col(col).cast(pl.Int64, strict=False) < 0
            if name in ("total", "compliant"):
                cond = cond | pl.col(col).is_null()
        else:
            cond = ~pl.col(col).cast(pl.String).str.contains(_YUAN)
        if name in ("essential", "deducted"):
            cond = cond & pl.col(col).is_not_null()
        errors += _check(df, cond, col, "must be an amount ≥ 0 with at most two decimals")
    if errors:  # check consistency only on the claims whose amounts are well formed
        df = df.filter(~pl.col("_line").is_in([e.line for e in errors]))
    fen = {
        n: (pl.col(f"{n}_fen") if in_fen else _yuan_to_fen(n))
        for n in names
        if (f"{n}_fen" if in_fen else n) in df.columns
    }
    zero = pl.lit(0)
    total, compliant = fen["total"], fen["compliant"]
    deducted, essential = fen.get("deducted", zero).fill_null(0), fen.get("essential", zero)
    errors += _check(
        df, compliant > total - deducted, "compliant", "exceeds the total less what review deducted"
    )
    errors += _check(df, essential.fill_null(0) > compliant, "essential", "exceeds compliant")
    return errors


def _item_lines(df: pl.DataFrame, in_fen: bool) -> tuple[pl.DataFrame, list[ClaimFileError]]:
    items = (
        df.select("_line", "claim_no", "items")
        .explode("items")
        .filter(pl.col("items").is_not_null())
        .unnest("items")
    )
    errors: list[ClaimFileError] = []
    for col in ("amount_fen" if in_fen else "amount", "class"):
        if col not in items.columns:
            return pl.DataFrame(), [ClaimFileError(1, f"items.{col}", "missing from every item")]
    defaults = {
        "code": None,
        "essential": False,
        "self_pay_bp" if in_fen else "self_pay": None,
        "deducted_fen" if in_fen else "deducted": None,
    }
    items = items.with_columns(
        pl.lit(v).alias(k) for k, v in defaults.items() if k not in items.columns
    )
    classes = [c.value for c in ItemClass]
    errors += _check(items, ~pl.col("class").is_in(classes), "items.class", "must be A, B or C")
    if in_fen:
        errors += _check(items, pl.col("amount_fen") < 0, "items.amount_fen", "must be ≥ 0")
        items = items.with_columns(
            pl.col("self_pay_bp").cast(pl.Int64).fill_null(0),
            pl.col("deducted_fen").cast(pl.Int64).fill_null(0),
        )
    else:
        errors += _check(
            items,
            ~pl.col("amount").str.contains(_YUAN),
            "items.amount",
            "must be an amount ≥ 0 with at most two decimals",
        )
        errors += _check(
            items,
            pl.col("deducted").is_not_null() & ~pl.col("deducted").str.contains(_YUAN),
            "items.deducted",
            "must be an amount ≥ 0 with at most two decimals",
        )
        errors += _check(
            items,
            pl.col("self_pay").is_not_null() & ~pl.col("self_pay").str.contains(_PCT),
            "items.self_pay",
            "must be a percentage such as 10%",
        )
        if not errors:
            items = items.with_columns(
                _yuan_to_fen("amount").alias("amount_fen"),
                _yuan_to_fen("deducted").fill_null(0).alias("deducted_fen"),
                _pct_to_bp("self_pay").fill_null(0).alias("self_pay_bp"),
            )
    if errors:
        return pl.DataFrame(), errors
    errors += _check(
        items,
        pl.col("deducted_fen") > pl.col("amount_fen"),
        "items.deducted",
        "exceeds the item's amount",
    )
    errors += _check(items, pl.col("self_pay_bp") > 10000, "items.self_pay", "above 100%")
    lines = items.select(
        pl.col("claim_no").alias("claim_key"),
        pl.col("code").cast(pl.String),
        pl.col("class").alias("item_class"),
        pl.col("self_pay_bp").cast(pl.Int64),
        pl.col("amount_fen").cast(pl.Int64),
        pl.col("deducted_fen").cast(pl.Int64),
        pl.col("essential").cast(pl.Boolean).fill_null(False),
    )
    return lines, errors


def read_claim_file(path: str | Path) -> ClaimFile:
    """Read and check a claim file (``.jsonl`` / ``.json`` or ``.parquet``)."""
    path = Path(path)
    if not path.is_file():
        raise ClaimFileRejected(path, [ClaimFileError(0, "", "no such file")])
    if path.suffix == ".parquet":
        raw = pl.read_parquet(path).with_row_index("_line", offset=1)
        return _normalise(
            raw.with_columns(pl.col("_line").cast(pl.Int64)), path, amounts_in_fen=True
        )
    raw = _read_json_lines(path)
    return _normalise(raw, path, amounts_in_fen=False)
