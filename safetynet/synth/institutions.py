"""Designated institutions of the synthetic county: a clinic per village, a health centre per
township, county hospitals, and the city, provincial and out-of-province hospitals its
people are referred to."""

from __future__ import annotations

from datetime import date

import polars as pl

from safetynet.codes import InstitutionLevel as L

COUNTY_HOSPITALS = ["人民医院", "中医院", "妇幼保健院"]
CITY_HOSPITALS = ["人民医院", "中心医院"]
PROVINCE_HOSPITALS = ["省立医院", "医科大学第一附属医院"]
OUT_OF_PROVINCE = [("X000001", "江苏省人民医院")]


def institutions(regions: pl.DataFrame, year: int) -> pl.DataFrame:
    """code, name, level, in_county, region_code, designated_from/to, inpatient, outpatient."""
    by_level = {lv: regions.filter(pl.col("level") == lv) for lv in regions["level"].unique()}
    county = by_level["county"].row(0, named=True)
    city = by_level["city"].row(0, named=True)
    province = by_level["province"].row(0, named=True)
    rows: list[tuple[str, str, str, bool, str | None, bool, bool]] = []
    for v in by_level["village"].iter_rows(named=True):
        rows.append(
            (f"V{v['code']}", f"{v['name']}卫生室", L.VILLAGE, True, v["code"], False, True)
        )
    for t in by_level["township"].iter_rows(named=True):
        rows.append(
            (f"T{t['code']}", f"{t['name']}卫生院", L.TOWNSHIP, True, t["code"], True, True)
        )
    for i, name in enumerate(COUNTY_HOSPITALS, start=1):
        rows.append(
            (f"C{county['code']}{i:02d}", f"{county['name']}{name}", L.COUNTY, True,
             county["code"], True, True)
        )  # fmt: skip
    for i, name in enumerate(CITY_HOSPITALS, start=1):
        rows.append(
            (f"S{city['code']}{i:02d}", f"{city['name']}{name}", L.CITY, False, city["code"],
             True, True)
        )  # fmt: skip
    short = province["name"].removesuffix("省")
    for i, name in enumerate(PROVINCE_HOSPITALS, start=1):
        full = name.replace("省", f"{short}省", 1) if name.startswith("省") else f"{short}{name}"
        rows.append(
            (f"P{province['code']}{i:02d}", full, L.PROVINCE, False, province["code"], True, True)
        )
    for code, name in OUT_OF_PROVINCE:
        rows.append((code, name, L.OUT_OF_PROVINCE, False, None, True, True))
    frame = pl.DataFrame(
        [(c, n, lv.value, ic, r, ip, op) for c, n, lv, ic, r, ip, op in rows],
        schema=["code", "name", "level", "in_county", "region_code", "inpatient", "outpatient"],
        orient="row",
    )
    return frame.with_columns(
        pl.lit(date(year - 3, 1, 1)).alias("designated_from"),
        pl.lit(None, pl.Date).alias("designated_to"),
    )
