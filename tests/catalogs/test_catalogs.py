"""Catalogs: shipped disease lists, WHO ICD-10 with Chinese titles, items; loading and imports."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from safetynet.catalogs.diseases import list_entries, load_disease_lists
from safetynet.catalogs.icd10 import is_valid, title_zh_of, who_codes
from safetynet.catalogs.in_force import entry_on
from safetynet.catalogs.items import load_items
from safetynet.catalogs.load import load_catalogs
from safetynet.cli.main import app
from safetynet.clock import local_today
from safetynet.imports import import_file
from safetynet.policy.diseases import group_prefixes
from safetynet.policy.loader import load_policy
from safetynet.store.models import CatalogItem, Diagnosis, DiseaseListEntry
from tests.registry_imports.helpers import write_xlsx


def test_disease_lists_are_icd10_prefixes_of_known_lists() -> None:
    lists = load_disease_lists()
    assert set(lists["list_code"]) == {"chronic_special", "serious", "nine_major"}
    assert lists.filter(pl.col("list_code") == "nine_major").height == 9
    # every prefix starts a real WHO code
    codes = who_codes()["code"].str.replace(r"\.", "")
    for prefix in lists["icd_prefix"]:
        assert codes.str.starts_with(prefix).any(), prefix
    with pytest.raises(KeyError, match="known lists"):
        list_entries("no-such-list")


def test_shipped_policies_resolve_their_catalog_lists() -> None:
    prefixes = group_prefixes(load_policy("anhui-poor-2017"))
    assert any("I10" in group and "E11" in group for group in prefixes.values())


def test_who_list_is_complete_with_chinese_category_titles() -> None:
    codes = who_codes()
    assert codes.height > 12_000
    assert codes.filter(pl.col("code") == "N18.5")["title_en"][0].startswith("Chronic kidney")
    assert title_zh_of("A00") == "霍乱"
    assert title_zh_of("a00.1") == "霍乱"  # subcodes fall back to their category
    assert is_valid("N18.5") and not is_valid("Z99.99x")


def test_items_are_typed_exactly() -> None:
    items = load_items()
    assert items["code"].is_unique().all()
    b = items.filter(pl.col("code") == "D0002").row(0, named=True)
    assert (b["item_class"], b["self_pay_bp"], b["price_ceiling_fen"]) == ("B", 1000, 3500)
    assert items.filter(pl.col("item_class") == "C")["price_ceiling_fen"].is_null().all()
    assert items.filter(pl.col("code") == "S0018")["sex_restriction"][0] == "F"


def test_load_catalogs_is_idempotent(db_session: Session) -> None:
    first = load_catalogs(db_session)
    db_session.commit()
    assert first.tables["diagnosis"].inserted == who_codes().height
    assert first.tables["catalog_item"].inserted == load_items().height
    again = load_catalogs(db_session)
    db_session.commit()
    assert again.tables["diagnosis"].inserted == 0
    assert again.tables["diagnosis"].unchanged == who_codes().height
    assert again.tables["catalog_item"].updated == 0
    n = db_session.scalar(select(func.count()).select_from(DiseaseListEntry))
    assert n == load_disease_lists().height


def test_nhsa_edition_import_whole_or_nothing(db_session: Session, tmp_path: Path) -> None:
    load_catalogs(db_session)
    db_session.commit()
    header = ["章", "类目代码", "诊断代码", "诊断名称"]
    good = [
        ["1", "A00", "A00.000", "霍乱，由于O1群霍乱弧菌，霍乱生物型所致"],
        ["14", "N18", "N18.500x001", "慢性肾脏病5期"],
    ]
    bad = [*good, ["14", "N18", "N-18", "错误代码"]]
    rejected = import_file(db_session, "icd10-nhsa", write_xlsx(tmp_path / "bad.xlsx", header, bad))
    assert not rejected.ok
    (problem,) = rejected.errors
    assert (problem.row, problem.column, problem.code) == (4, "诊断代码", "icd.format")
    assert db_session.get(Diagnosis, "N18.500x001") is None
    done = import_file(db_session, "icd10-nhsa", write_xlsx(tmp_path / "ok.xlsx", header, good))
    assert done.ok and done.inserted == 2
    row = db_session.get(Diagnosis, "N18.500x001")
    assert row is not None and (row.edition, row.title_zh) == ("nhsa", "慢性肾脏病5期")


def test_items_import_checks_classes_and_money(db_session: Session, tmp_path: Path) -> None:
    header = ["项目编码", "项目名称", "项目类别", "甲乙类", "自付比例", "限价", "限性别"]
    rows = [
        ["X1", "头孢克肟", "药品", "乙", "10", "35.50", ""],
        ["X2", "剖宫产术", "诊疗项目", "甲", "", "2500", "女"],
        ["X3", "某耗材", "耗材", "丁", "", "12.345", ""],
    ]
    result = import_file(db_session, "items", write_xlsx(tmp_path / "items.xlsx", header, rows))
    assert {(p.row, p.column) for p in result.errors} == {(4, "甲乙类"), (4, "限价")}
    assert db_session.scalar(select(func.count()).select_from(CatalogItem)) == 0
    result = import_file(db_session, "items", write_xlsx(tmp_path / "ok.xlsx", header, rows[:2]))
    assert result.ok and result.inserted == 2
    x1 = entry_on(db_session, "X1", local_today())
    assert x1 is not None and (x1.self_pay_bp, x1.price_ceiling_fen) == (1000, 3550)
    x2 = entry_on(db_session, "X2", local_today())
    assert x2 is not None and x2.sex_restriction is not None and x2.sex_restriction.value == "F"


def test_catalog_cli() -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["catalog", "show-list", "nine_major"])
    assert shown.exit_code == 0 and "N185" in shown.output
    missing = runner.invoke(app, ["catalog", "show-list", "nope"])
    assert missing.exit_code == 2
    looked = runner.invoke(app, ["catalog", "lookup", "N18"])
    assert looked.exit_code == 0 and "N18.5" in looked.output
