"""Import drug, service and material items (a county's or province's catalog), xlsx or CSV.

Whole or nothing like every import. Class is A / B / C (甲 / 乙 / 丙); the class-B self-pay
share is a percentage up to 100; the price ceiling is yuan with at most two decimals
(money.py's rule: finer amounts are errors, never rounded); an age is at most 150 and a
minimum age at most the maximum. Full-width characters (an input method's ３５．５０, Ｘ１) in
codes and numbers are read as their ASCII forms, so "Ｘ1" and "X1" are the same code.

The catalog is dated (:mod:`safetynet.catalogs.in_force`): each row is the entry of its code
over ``[valid_from, valid_to)`` (开始日期 / 结束日期; the end exclusive, blank = open), keyed
by code and start. A file without a start column gives every row the day of the import
(the county's today) as its start, open-ended; a row that says what the entry in force today
already says changes nothing. Either way an entry without an end ends where the code's next
entry (in the file or the catalog) starts, and an entry of the catalog that began earlier and
is still in force on a row's start is ended on that start (its last day the day before): the
national list of January 1 closes last year's entries. An entry the file gives again (same
code, same start) is replaced.

Refused, with the row and column: an end on or before the start; a code twice with one start;
an end past the start of the code's next entry, in the file or in the catalog (periods of one
code never overlap); an end column without a start column. A column the file leaves out keeps
what the code's latest entry starting on or before the row's start held (a file of names does
not wipe shares, ceilings and restrictions); a column given with a blank cell clears it.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.codes import ItemClass, ItemKind, Sex
from safetynet.i18n import N_
from safetynet.store.models import CatalogItem
from safetynet.tabular.columns import BOOL_VALUES, Bound, Column
from safetynet.tabular.problems import Problem, error
from safetynet.tabular.reading import Progress
from safetynet.tabular.values import duplicates, parse_choice, parse_dates, require, too_long
from safetynet.tabular.writing import Counts, bulk_update, load_frame, upsert

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
    Column(
        "valid_from",
        ("开始日期", "起始日期", "生效日期", "执行日期", "effective_from", "start_date"),
    ),
    Column("valid_to", ("结束日期", "终止日期", "失效日期", "effective_to", "end_date")),
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
AGE = r"^[0-9]{1,3}$"
MAX_AGE = 150
HALF_WIDTH = ("code", "self_pay_pct", "price_ceiling", "min_age", "max_age")
_FULL = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
_HALF = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" "]
SCHEMA = {
    "code": pl.String, "valid_from": pl.Date, "valid_to": pl.Date, "name": pl.String,
    "kind": pl.String, "item_class": pl.String,
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
    problems += _share_over_100(bound) + _ages(bound)
    problems += _periods(bound)
    if bound.has("valid_from"):
        problems += duplicates(
            bound, ["code", "valid_from"], "code",
            N_("item code %(value)s with the same start date is also on row %(first)s; give "
               "each entry of a code once"),
        )  # fmt: skip
    else:
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
    if bound.has("valid_from") and not any(p.code == "cell.date" for p in problems):
        dated = bound.frame.select(
            "_row", "code", "valid_from",
            pl.col("valid_to") if bound.has("valid_to") else pl.lit(None, pl.Date).alias(
                "valid_to"),
        ).filter(pl.col("code").is_not_null() & pl.col("valid_from").is_not_null())  # fmt: skip
        problems += _overlaps(bound, dated, _stored(session))
    if any(p.severity.value == "error" for p in problems):
        return bound.frame.clear(), problems
    pct = (
        pl.col("self_pay_pct").str.strip_suffix("%").cast(pl.Decimal(7, 2)) * 100
        if bound.has("self_pay_pct")
        else pl.lit(None)
    )
    today = local_today()
    prepared = bound.frame.select(
        "_row", "code",
        (pl.col("valid_from") if bound.has("valid_from") else pl.lit(today, pl.Date)).alias(
            "valid_from"),
        (pl.col("valid_to") if bound.has("valid_to") else pl.lit(None, pl.Date)).alias(
            "valid_to"),
        "name", "kind", "item_class",
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
        error(row, bound.header.get("self_pay_pct"), "item.share_not_b",
              N_("item %(value)s: only class-B items carry a self-pay share"), value=code)
        for row, code in c_with_share.select("_row", "code").rows()
    ]  # fmt: skip
    return prepared, problems


def _periods(bound: Bound) -> list[Problem]:
    """Start and end dates: parsed, the start given on every row of a file that has the
    column, the end after the start; an end column needs a start column."""
    problems = parse_dates(bound, "valid_from", "valid_to")
    if bound.has("valid_to") and not bound.has("valid_from"):
        problems.append(
            error(1, bound.header["valid_to"], "item.end_without_start",
                  N_("an end date needs a start date: add a column valid_from (开始日期) "
                     "giving the day each entry starts"))
        )  # fmt: skip
    if bound.has("valid_from"):
        problems += require(bound, "valid_from")
    if bound.has("valid_from") and bound.has("valid_to"):
        backwards = bound.frame.filter(pl.col("valid_to") <= pl.col("valid_from"))
        problems += [
            error(row, bound.header["valid_to"], "period.backwards",
                  N_("the period ends on %(end)s but starts on %(start)s; the end date is "
                     "exclusive and must come after the start"), end=end, start=start)
            for row, start, end in backwards.select("_row", "valid_from", "valid_to").rows()
        ]  # fmt: skip
    return problems


STORED = {
    "code": pl.String, "valid_from": pl.Date, "valid_to": pl.Date, "name": pl.String,
    "kind": pl.String, "item_class": pl.String, "self_pay_bp": pl.Int64,
    "essential": pl.Boolean, "price_ceiling_fen": pl.Int64, "sex_restriction": pl.String,
    "min_age": pl.Int64, "max_age": pl.Int64,
}  # fmt: skip
VALUES = [c for c in STORED if c not in ("code", "valid_from", "valid_to")]


def _stored(session: Session) -> pl.DataFrame:
    """Every entry of the catalog (one statement)."""
    return load_frame(session, {k: getattr(CatalogItem, k) for k in STORED}, STORED)


def _overlaps(bound: Bound, rows: pl.DataFrame, stored: pl.DataFrame) -> list[Problem]:
    """Rows whose end runs past the start of their code's next entry: a later row of the
    file, or an entry of the catalog the file does not replace (periods never overlap)."""
    ended = rows.filter(
        pl.col("valid_to").is_not_null() & (pl.col("valid_to") > pl.col("valid_from"))
    )
    if ended.is_empty():
        return []
    column = bound.header.get("valid_to")
    later = pl.concat([
        rows.select("code", pl.col("valid_from").alias("_start"), pl.col("_row").alias("_other")),
        stored.join(rows, on=["code", "valid_from"], how="anti").select(
            "code", pl.col("valid_from").alias("_start"), pl.lit(None, pl.Int64).alias("_other")),
    ])  # fmt: skip
    crossing = (
        ended.select("_row", "code", "valid_from", "valid_to")
        .join(later, on="code")
        .filter((pl.col("_start") > pl.col("valid_from")) & (pl.col("_start") < pl.col("valid_to")))
        .sort("_row", "_start")
        .unique("_row", keep="first", maintain_order=True)
    )
    in_file = N_(
        "item %(value)s: this entry runs to %(end)s, past the start (%(start)s) of "
        "its entry on row %(other)s; the periods of one code may not overlap"
    )
    in_catalog = N_(
        "item %(value)s: this entry runs to %(end)s, past the start (%(start)s) "
        "of its entry in the catalog; the periods of one code may not overlap"
    )
    return [
        error(row, column, "item.overlap", in_catalog if other is None else in_file,
              value=code, end=end, start=start, other=other)
        for row, code, end, start, other in crossing.select(
            "_row", "code", "valid_to", "_start", "_other").rows()
    ]  # fmt: skip


def _kept(bound: Bound, rows: pl.DataFrame, stored: pl.DataFrame) -> pl.DataFrame:
    """``rows`` with the columns the file leaves out taken from the code's latest entry
    starting on or before the row's start (or their defaults)."""
    given = {"name", "kind", "item_class"} | {s for f, s in OPTIONAL.items() if bound.has(f)}
    missing = [c for c in VALUES if c not in given]
    if not missing:
        return rows
    earlier = stored.select("code", pl.col("valid_from").alias("_from"), *missing).sort("_from")
    joined = rows.sort("valid_from").join_asof(
        earlier, left_on="valid_from", right_on="_from", by="code", strategy="backward",
        suffix="_stored", check_sortedness=False,
    )  # fmt: skip
    defaults = {"self_pay_bp": 0, "essential": False}
    values = []
    for c in VALUES:
        value = pl.col(c)
        if c in missing:
            value = pl.col(f"{c}_stored")
            if c in defaults:
                value = value.fill_null(defaults[c])
        values.append(value.alias(c))
    return joined.select(
        *rows.columns[: rows.columns.index("name")],
        *values,
    ).sort("_row")


def _unchanged_today(rows: pl.DataFrame, stored: pl.DataFrame, today: date) -> pl.DataFrame:
    """The rows of an undated file that say what the entry in force today already says."""
    now = stored.filter(
        (pl.col("valid_from") <= today)
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") > today))
    ).select("code", *VALUES)
    return rows.join(now, on=["code", *VALUES], how="semi", nulls_equal=True)


def _ends(rows: pl.DataFrame, stored: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each entry ended where its code's next entry starts, if not before: the file's rows
    (their ``valid_to``) and the catalog's entries the file ends so (``code``,
    ``valid_from``, ``valid_to``)."""
    key = ["code", "valid_from"]
    kept = stored.join(rows.select(key), on=key, how="anti")
    periods = pl.concat([
        rows.select(*key, "valid_to", pl.lit(True).alias("_file")),
        kept.select(*key, "valid_to", pl.lit(False).alias("_file")),
    ]).sort(key)  # fmt: skip
    nxt = pl.col("valid_from").shift(-1).over("code")
    ended = periods.with_columns(
        pl.when(nxt.is_not_null() & (pl.col("valid_to").is_null() | (pl.col("valid_to") > nxt)))
        .then(nxt)
        .otherwise(pl.col("valid_to"))
        .alias("_ends")
    ).filter(pl.col("_ends").ne_missing(pl.col("valid_to")))
    in_file = ended.filter(pl.col("_file")).select(*key, "_ends")
    rows = (
        rows.join(in_file, on=key, how="left")
        .with_columns(pl.coalesce("_ends", "valid_to").alias("valid_to"))
        .drop("_ends")
    )
    in_catalog = ended.filter(~pl.col("_file")).select(*key, pl.col("_ends").alias("valid_to"))
    return rows, in_catalog


def write(
    session: Session, prepared: pl.DataFrame, bound: Bound, progress: Progress | None
) -> Counts:
    stored = _stored(session)
    rows = _kept(bound, prepared, stored)
    unchanged = 0
    if not bound.has("valid_from"):
        same = _unchanged_today(rows, stored, local_today())
        unchanged = same.height
        rows = rows.join(same.select("code"), on="code", how="anti")
    rows, closed = _ends(rows.drop("_row"), stored)
    counts = upsert(
        session, CatalogItem, rows, stored,
        key=["code", "valid_from"], pk=["code", "valid_from"], insert_columns=list(SCHEMA),
        compare=[*VALUES, "valid_to"], progress=progress,
    )  # fmt: skip
    counts.updated += bulk_update(session, CatalogItem, closed, ["code", "valid_from", "valid_to"])
    counts.unchanged += unchanged
    return counts
