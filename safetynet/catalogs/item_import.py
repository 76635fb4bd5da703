"""Import drug, service and material items (a county's or province's catalog), xlsx or CSV.

Keyed by item code; whole or nothing like every import. Class is A / B / C (甲 / 乙 / 丙);
the class-B self-pay share is a percentage up to 100; the price ceiling is yuan with at most
two decimals (money.py's rule: finer amounts are errors, never rounded); an age is at most
150 and a minimum age at most the maximum. Full-width characters (an input method's ３５．５０,
Ｘ１) in codes and numbers are read as their ASCII forms, so "Ｘ1" and "X1" are the same code.

The catalog is not dated: an entry applies, as imported, from the day of the import. A file
that gives validity dates (开始日期, 结束日期, …) is refused, naming the column, rather than
imported with its dates ignored (a change due next month would apply at once). A column the
file leaves out keeps what the catalog held for its codes; a column given blank clears.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy.orm import Session

from safetynet.codes import ItemClass, ItemKind, Sex
from safetynet.i18n import N_
from safetynet.store.models import CatalogItem
from safetynet.tabular.columns import BOOL_VALUES, Bound, Column, normalise_header
from safetynet.tabular.problems import Problem, error
from safetynet.tabular.reading import Progress
from safetynet.tabular.values import duplicates, parse_choice, require, too_long
from safetynet.tabular.writing import Counts, load_frame, upsert

COLUMNS = (
    Column("code", ("项目编码", "医保编码", "药品编码"), True),
    Column("name", ("项目名称", "药品名称", "名称"), True),
    Column("kind", ("项目类别", "类型"), True),
    Column("item_class", ("甲乙类", "收费类别", "类别"), True),
    Column("self_pay_pct", ("自付比例", "先行自付比例"), numeric=True),
    Column("essential", ("基本药物", "国家基本药物")),
    Column("price_ceiling", ("限价", "最高限价"), numeric=True),
    Column("sex_restriction", ("限性别",)),
    Column("min_age", ("最小年龄",), numeric=True),
    Column("max_age", ("最大年龄",), numeric=True),
)
KIND_VALUES = {
    "药品": ItemKind.DRUG, "诊疗项目": ItemKind.SERVICE, "医疗服务": ItemKind.SERVICE,
    "医用耗材": ItemKind.MATERIAL, "耗材": ItemKind.MATERIAL,
    "drug": ItemKind.DRUG, "service": ItemKind.SERVICE, "material": ItemKind.MATERIAL,
}  # fmt: skip
CLASS_VALUES = {"甲": ItemClass.A, "甲类": ItemClass.A, "乙": ItemClass.B, "乙类": ItemClass.B,
                "丙": ItemClass.C, "丙类": ItemClass.C, "自费": ItemClass.C,
                "a": ItemClass.A, "b": ItemClass.B, "c": ItemClass.C}  # fmt: skip
SEX_VALUES = {"男": Sex.MALE, "女": Sex.FEMALE, "m": Sex.MALE, "f": Sex.FEMALE}
ALWAYS = ("name", "kind", "item_class")
OPTIONAL = {  # the file's column -> the stored column
    "self_pay_pct": "self_pay_bp", "essential": "essential", "price_ceiling": "price_ceiling_fen",
    "sex_restriction": "sex_restriction", "min_age": "min_age", "max_age": "max_age",
}  # fmt: skip
DATED_HEADERS = frozenset(
    normalise_header(h)
    for h in ("开始日期", "起始日期", "生效日期", "执行日期", "结束日期", "终止日期", "失效日期",
              "valid_from", "valid_to", "effective_from", "effective_to", "start_date",
              "end_date")
)  # fmt: skip
AGE = r"^[0-9]{1,3}$"
MAX_AGE = 150
HALF_WIDTH = ("code", "self_pay_pct", "price_ceiling", "min_age", "max_age")
_FULL = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
_HALF = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" "]
SCHEMA = {
    "code": pl.String, "name": pl.String, "kind": pl.String, "item_class": pl.String,
    "self_pay_bp": pl.Int64, "essential": pl.Boolean, "price_ceiling_fen": pl.Int64,
    "sex_restriction": pl.String, "min_age": pl.Int64, "max_age": pl.Int64,
}  # fmt: skip
MONEY = r"^[0-9]{1,9}(\.[0-9]{1,2})?$"


def _numbers(bound: Bound, name: str, pattern: str, hint: str) -> list[Problem]:
    if not bound.has(name):
        return []
    bad = bound.frame.filter(pl.col(name).is_not_null() & ~pl.col(name).str.contains(pattern))
    return [
        error(
            row,
            bound.header[name],
            "cell.number",
            N_('"%(value)s" is not %(hint)s'),
            ("hint",),
            value=v,
            hint=hint,
        )
        for row, v in bad.select("_row", name).rows()
    ]


def _half_width(bound: Bound) -> None:
    """Full-width forms of ASCII (０-９, ．, ％, Ａ-Ｚ) in codes and numbers as ASCII."""
    present = [name for name in HALF_WIDTH if bound.has(name)]
    bound.frame = bound.frame.with_columns(
        pl.col(name).str.replace_many(_FULL, _HALF).str.strip_chars() for name in present
    )


def _dated(bound: Bound) -> list[Problem]:
    """Validity-date columns: the catalog keeps one entry per code, valid from its import."""
    return [
        error(1, text, "item.dated",
              N_("catalog entries are not dated: an entry applies from the day it is "
                 "imported; leave out this column and import a change on the day it applies"))
        for text in bound.sheet.headers
        if text and normalise_header(text) in DATED_HEADERS
    ]  # fmt: skip


def _share_over_100(bound: Bound) -> list[Problem]:
    """A self-pay share of 100 and a fraction (``100.50``): the percentage pattern lets it by."""
    if not bound.has("self_pay_pct"):
        return []
    text = pl.col("self_pay_pct").str.strip_suffix("%")
    over = bound.frame.filter(
        text.str.contains(r"^100\.[0-9]{1,2}$") & (text.cast(pl.Float64, strict=False) > 100)
    )
    return [
        error(row, bound.header["self_pay_pct"], "cell.number", N_('"%(value)s" is not %(hint)s'),
              ("hint",), value=v, hint=N_("a percentage from 0 to 100"))
        for row, v in over.select("_row", "self_pay_pct").rows()
    ]  # fmt: skip


def _ages(bound: Bound) -> list[Problem]:
    """Ages above :data:`MAX_AGE`, and a minimum above the maximum (nobody could get it)."""
    problems = []
    for name in ("min_age", "max_age"):
        if bound.has(name):
            old = bound.frame.filter(
                pl.col(name).str.contains(AGE) & (pl.col(name).cast(pl.Int64) > MAX_AGE)
            )
            problems += [
                error(row, bound.header[name], "cell.number", N_('"%(value)s" is not %(hint)s'),
                      ("hint",), value=v, hint=N_("an age in whole years"))
                for row, v in old.select("_row", name).rows()
            ]  # fmt: skip
    if bound.has("min_age") and bound.has("max_age"):
        both = pl.col("min_age").str.contains(AGE) & pl.col("max_age").str.contains(AGE)
        backwards = bound.frame.filter(
            both & (pl.col("min_age").cast(pl.Int64) > pl.col("max_age").cast(pl.Int64))
        )
        problems += [
            error(row, bound.header["max_age"], "item.ages_backwards",
                  N_("the maximum age %(value)s is below the minimum age %(minimum)s"),
                  value=high, minimum=low)
            for row, low, high in backwards.select("_row", "min_age", "max_age").rows()
        ]  # fmt: skip
    return problems


def _given(bound: Bound, name: str, dtype: pl.DataType, default: object = None) -> pl.Expr:
    if not bound.has(name):
        return pl.lit(default, dtype)
    return pl.col(name).cast(dtype, strict=False).fill_null(pl.lit(default, dtype))


def validate(session: Session, bound: Bound) -> tuple[pl.DataFrame, list[Problem]]:
    _half_width(bound)
    problems = require(bound, "code", "name", "kind", "item_class")
    problems += too_long(bound, {"code": 32, "name": 200})
    problems += _dated(bound) + _share_over_100(bound) + _ages(bound)
    problems += duplicates(
        bound, ["code"], "code", N_("item code %(value)s is also on row %(first)s")
    )
    problems += parse_choice(bound, "kind", KIND_VALUES, N_("item kind"))
    problems += parse_choice(bound, "item_class", CLASS_VALUES, N_("catalog class"))
    problems += parse_choice(bound, "essential", BOOL_VALUES, N_("yes / no value"))
    problems += parse_choice(bound, "sex_restriction", SEX_VALUES, N_("sex"))
    problems += _numbers(bound, "self_pay_pct", r"^(100|[0-9]{1,2})(\.[0-9]{1,2})?%?$",
                         N_("a percentage from 0 to 100"))  # fmt: skip
    problems += _numbers(
        bound, "price_ceiling", MONEY, N_("an amount in yuan (at most 2 decimals)")
    )
    problems += _numbers(bound, "min_age", r"^[0-9]{1,3}$", N_("an age in whole years"))
    problems += _numbers(bound, "max_age", r"^[0-9]{1,3}$", N_("an age in whole years"))
    if any(p.severity.value == "error" for p in problems):
        return bound.frame.clear(), problems
    pct = (
        pl.col("self_pay_pct").str.strip_suffix("%").cast(pl.Decimal(7, 2)) * 100
        if bound.has("self_pay_pct")
        else pl.lit(None)
    )
    prepared = bound.frame.select(
        "code", "name", "kind", "item_class",
        pct.cast(pl.Int64).fill_null(0).alias("self_pay_bp"),
        _given(bound, "essential", pl.Boolean, False).alias("essential"),
        (pl.col("price_ceiling").cast(pl.Decimal(12, 2)) * 100).cast(pl.Int64).alias(
            "price_ceiling_fen") if bound.has("price_ceiling") else pl.lit(None, pl.Int64).alias(
            "price_ceiling_fen"),
        _given(bound, "sex_restriction", pl.String).alias("sex_restriction"),
        _given(bound, "min_age", pl.Int64).alias("min_age"),
        _given(bound, "max_age", pl.Int64).alias("max_age"),
    )  # fmt: skip
    c_with_share = prepared.filter(
        (pl.col("item_class") != ItemClass.B.value) & (pl.col("self_pay_bp") > 0)
        & (pl.col("item_class") != ItemClass.C.value)
    )  # fmt: skip
    problems += [
        error(None, bound.header.get("self_pay_pct"), "item.share_not_b",
              N_("item %(value)s: only class-B items carry a self-pay share"), value=code)
        for (code,) in c_with_share.select("code").rows()
    ]  # fmt: skip
    return prepared, problems


def write(
    session: Session, prepared: pl.DataFrame, bound: Bound, progress: Progress | None
) -> Counts:
    existing = load_frame(session, {k: getattr(CatalogItem, k) for k in SCHEMA}, SCHEMA)
    # a column the file leaves out keeps what it held (a file of names must not wipe shares,
    # ceilings and restrictions); a column given with a blank cell clears it
    compare = [*ALWAYS, *(stored for field, stored in OPTIONAL.items() if bound.has(field))]
    return upsert(
        session, CatalogItem, prepared, existing,
        key=["code"], pk="code", insert_columns=list(SCHEMA), compare=compare,
        progress=progress,
    )  # fmt: skip
