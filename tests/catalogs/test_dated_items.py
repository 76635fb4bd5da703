"""The dated catalog import: entries with their periods, the previous entry of a code closed
where the next begins, an undated file valid from the import day, and every refusal (an end
on or before the start, a code twice with one start, overlapping periods in the file or with
the catalog) with its row and column, nothing written."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.catalogs.in_force import entry_on
from safetynet.clock import local_today
from safetynet.imports import import_file
from safetynet.store.models import CatalogItem
from tests.registry_imports.helpers import write_csv

DATED = ["项目编码", "项目名称", "项目类别", "甲乙类", "自付比例", "开始日期", "结束日期"]


def _periods(session: Session, code: str) -> list[tuple[date, date | None, str, int]]:
    rows = session.scalars(
        select(CatalogItem).where(CatalogItem.code == code).order_by(CatalogItem.valid_from)
    )
    return [(r.valid_from, r.valid_to, r.item_class.value, r.self_pay_bp) for r in rows]


def _import(session: Session, path: Path, header: list[str], rows: list[list[str]]):  # type: ignore[no-untyped-def]
    return import_file(session, "items", write_csv(path, header, rows), force=True)


def test_a_file_with_periods_keeps_each_and_closes_the_one_before(
    db_session: Session, tmp_path: Path
) -> None:
    rows = [
        ["X1", "头孢克肟", "药品", "乙", "10", "2024-01-01", ""],
        ["X1", "头孢克肟", "药品", "甲", "", "2025-01-01", ""],
        ["X2", "某检查", "诊疗项目", "甲", "", "2024-01-01", "2024-07-01"],
    ]
    result = _import(db_session, tmp_path / "a.csv", DATED, rows)
    assert result.ok, result.errors
    assert _periods(db_session, "X1") == [
        (date(2024, 1, 1), date(2025, 1, 1), "B", 1000),
        (date(2025, 1, 1), None, "A", 0),
    ]
    assert _periods(db_session, "X2") == [(date(2024, 1, 1), date(2024, 7, 1), "A", 0)]
    # a mid-year change: the entry in force is ended on the new one's start
    change = [["X1", "头孢克肟", "药品", "乙", "20", "2025-07-01", ""]]
    assert _import(db_session, tmp_path / "b.csv", DATED, change).ok
    assert _periods(db_session, "X1")[1:] == [
        (date(2025, 1, 1), date(2025, 7, 1), "A", 0),
        (date(2025, 7, 1), None, "B", 2000),
    ]
    # an earlier entry given later ends where the catalog's next one starts
    early = [["X1", "头孢克肟", "药品", "丙", "", "2023-01-01", ""]]
    assert _import(db_session, tmp_path / "c.csv", DATED, early).ok
    assert _periods(db_session, "X1")[0] == (date(2023, 1, 1), date(2024, 1, 1), "C", 0)
    on = entry_on(db_session, "X1", date(2025, 6, 30))
    assert on is not None and on.item_class.value == "A"
    assert entry_on(db_session, "X2", date(2024, 7, 1)) is None  # the end is exclusive


def test_an_undated_file_applies_from_the_import_day(db_session: Session, tmp_path: Path) -> None:
    today = local_today()
    start = today - timedelta(days=400)
    dated = [["X1", "头孢克肟", "药品", "乙", "10", start.isoformat(), ""]]
    assert _import(db_session, tmp_path / "a.csv", DATED, dated).ok
    header = DATED[:5]
    same = _import(db_session, tmp_path / "b.csv", header, [["X1", "头孢克肟", "药品", "乙", "10"]])
    assert same.ok and (same.inserted, same.updated, same.unchanged) == (0, 0, 1)
    assert _periods(db_session, "X1") == [(start, None, "B", 1000)]
    changed = _import(
        db_session, tmp_path / "c.csv", header, [["X1", "头孢克肟", "药品", "乙", "30"]]
    )
    assert changed.ok and changed.inserted == 1
    assert _periods(db_session, "X1") == [(start, today, "B", 1000), (today, None, "B", 3000)]
    # a file that leaves a column out keeps what the entry held: the share stays 30 %
    names = _import(db_session, tmp_path / "d.csv", DATED[:4], [["X1", "头孢克肟片", "药品", "乙"]])
    assert names.ok
    now = entry_on(db_session, "X1", today)
    assert now is not None and (now.name, now.self_pay_bp, now.valid_from) == (
        "头孢克肟片",
        3000,
        today,
    )


def test_overlapping_and_backwards_periods_are_refused(db_session: Session, tmp_path: Path) -> None:
    stored = [["Y1", "某药", "药品", "甲", "", "2025-01-01", ""]]
    assert _import(db_session, tmp_path / "s.csv", DATED, stored).ok
    rows = [
        ["X1", "甲药", "药品", "甲", "", "2024-01-01", "2024-01-01"],  # ends as it starts
        ["X2", "乙药", "药品", "甲", "", "2024-01-01", "2025-03-01"],  # runs past row 4
        ["X2", "乙药", "药品", "乙", "10", "2025-01-01", ""],
        ["X3", "丙药", "药品", "甲", "", "2024-01-01", ""],
        ["X3", "丙药", "药品", "乙", "10", "2024-01-01", ""],  # X3 twice from one day
        ["Y1", "某药", "药品", "甲", "", "2024-01-01", "2025-02-01"],  # past the catalog's
    ]
    result = _import(db_session, tmp_path / "bad.csv", DATED, rows)
    assert not result.ok
    found = {(p.row, p.column, p.code) for p in result.errors}
    assert found == {
        (2, "结束日期", "period.backwards"),
        (3, "结束日期", "item.overlap"),
        (6, "项目编码", "row.duplicate"),
        (7, "结束日期", "item.overlap"),
    }
    texts = {p.row: p.text("en") for p in result.errors}
    assert "row 4" in texts[3] and "2025-01-01" in texts[3]
    assert "in the catalog" in texts[7] and "2025-01-01" in texts[7]
    assert "row 5" in texts[6]
    assert db_session.scalars(select(CatalogItem.code).where(CatalogItem.code != "Y1")).all() == []
    assert _periods(db_session, "Y1") == [(date(2025, 1, 1), None, "A", 0)]


def test_an_end_without_a_start_is_refused(db_session: Session, tmp_path: Path) -> None:
    header = [*DATED[:5], "结束日期"]
    result = _import(
        db_session, tmp_path / "e.csv", header, [["X1", "甲药", "药品", "甲", "", "2025-01-01"]]
    )
    assert [(p.row, p.column, p.code) for p in result.errors] == [
        (1, "结束日期", "item.end_without_start")
    ]


def test_the_catalog_starts_no_later_than_the_earliest_claim() -> None:
    """Entries of the catalog before it was dated, and the shipped ones, are in force from
    CATALOG_START: no claim the window accepts is older."""
    from safetynet.catalogs.in_force import CATALOG_START
    from safetynet.settlement.submission import EARLIEST_DATE

    assert CATALOG_START == EARLIEST_DATE
