"""The items import against hostile files: full-width digits, a self-pay share over 100 %, an
age range that admits nobody, codes that differ only in full-width letters; every problem with
its row and column, and nothing written unless the whole file is good."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet.catalogs.in_force import entry_on
from safetynet.catalogs.load import load_catalogs
from safetynet.clock import local_today
from safetynet.imports import import_file
from safetynet.store.models import CatalogItem
from tests.registry_imports.helpers import write_csv

HEADER = ["项目编码", "项目名称", "项目类别", "甲乙类", "自付比例", "限价", "最小年龄", "最大年龄"]


def _items(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CatalogItem)) or 0


def test_full_width_digits_are_read_as_digits(db_session: Session, tmp_path: Path) -> None:
    rows = [
        ["X1", "头孢克肟", "药品", "乙", "１０", "３５．５０", "１８", "６０"],
        ["X2", "阿莫西林", "药品", "乙", "５％", "１２.５", "", ""],  # this one was a traceback
    ]
    result = import_file(db_session, "items", write_csv(tmp_path / "fw.csv", HEADER, rows))
    assert result.ok, result.errors
    x1, x2 = entry_on(db_session, "X1", local_today()), entry_on(db_session, "X2", local_today())
    assert x1 is not None and x2 is not None
    assert (x1.self_pay_bp, x1.price_ceiling_fen, x1.min_age, x1.max_age) == (1000, 3550, 18, 60)
    assert (x2.self_pay_bp, x2.price_ceiling_fen) == (500, 1250)


def test_a_share_over_100_percent_and_an_empty_age_range_are_errors(
    db_session: Session, tmp_path: Path
) -> None:
    rows = [
        ["X1", "甲", "药品", "乙", "100.50", "3", "", ""],
        ["X2", "乙", "药品", "甲", "", "3", "70", "10"],
        ["X3", "丙", "药品", "甲", "", "3", "200", ""],
        ["X4", "丁", "药品", "乙", "100", "3", "10", "10"],  # good: 100 %, one age
    ]
    result = import_file(db_session, "items", write_csv(tmp_path / "bad.csv", HEADER, rows))
    assert not result.ok
    assert {(p.row, p.column) for p in result.errors} == {
        (2, "自付比例"), (3, "最大年龄"), (4, "最小年龄"),
    }  # fmt: skip
    assert _items(db_session) == 0


def test_a_code_in_full_width_letters_is_the_same_code(db_session: Session, tmp_path: Path) -> None:
    rows = [
        ["Ｘ1", "甲", "药品", "甲", "", "3", "", ""],
        ["X1", "乙", "药品", "甲", "", "4", "", ""],
    ]
    result = import_file(db_session, "items", write_csv(tmp_path / "dup.csv", HEADER, rows))
    assert not result.ok
    assert [(p.row, p.column, p.code) for p in result.errors] == [(3, "项目编码", "row.duplicate")]
    assert _items(db_session) == 0


def test_validity_dates_are_read_not_ignored(db_session: Session, tmp_path: Path) -> None:
    """An entry's price or class applies over the period the file gives (the catalog is
    dated): a file with validity dates was once imported with its dates ignored, so a
    future change applied at once; its dates are read, and a period that ends before it
    starts is refused, naming its row and column."""
    header = [*HEADER, "开始日期", "结束日期"]
    rows = [
        ["X1", "甲", "药品", "乙", "10", "3", "", "", "2018-01-01", "2018-12-31"],
        ["X2", "乙", "药品", "甲", "", "4", "", "", "2018-07-01", "2018-06-30"],
    ]
    result = import_file(db_session, "items", write_csv(tmp_path / "dated.csv", header, rows))
    assert not result.ok
    assert {(p.row, p.column, p.code) for p in result.errors} == {
        (3, "结束日期", "period.backwards"),
    }  # fmt: skip
    assert _items(db_session) == 0
    result = import_file(db_session, "items", write_csv(tmp_path / "ok.csv", header, rows[:1]))
    assert result.ok, result.errors
    x1 = db_session.scalars(select(CatalogItem)).one()
    assert (x1.valid_from.isoformat(), x1.valid_to.isoformat()) == ("2018-01-01", "2018-12-31")  # type: ignore[union-attr]


def test_a_file_without_a_column_keeps_what_that_column_held(
    db_session: Session, tmp_path: Path
) -> None:
    """A county file of codes, names, kinds and classes only (say, to rename two drugs) must
    not wipe the self-pay shares, ceilings, essential flags and restrictions it does not
    give: a class-B drug left with no share is paid in full."""
    load_catalogs(db_session)
    db_session.commit()
    before = entry_on(db_session, "D0002", local_today())
    assert before is not None and (before.self_pay_bp, before.price_ceiling_fen) == (1000, 3500)
    female = entry_on(db_session, "S0018", local_today())
    assert female is not None and female.sex_restriction is not None
    kept = (female.sex_restriction, female.min_age, female.max_age, female.price_ceiling_fen)
    header = ["项目编码", "项目名称", "项目类别", "甲乙类"]
    rows = [
        ["D0002", "头孢克肟（新名）", "药品", "乙"],
        ["S0018", "剖宫产术（新名）", "诊疗项目", "甲"],
    ]
    result = import_file(db_session, "items", write_csv(tmp_path / "names.csv", header, rows))
    assert result.ok and result.updated == 2, result.errors
    db_session.expire_all()
    d2, s18 = (
        entry_on(db_session, "D0002", local_today()),
        entry_on(db_session, "S0018", local_today()),
    )
    assert d2 is not None and s18 is not None
    assert d2.name == "头孢克肟（新名）"
    assert (d2.self_pay_bp, d2.price_ceiling_fen, d2.essential) == (1000, 3500, before.essential)
    assert (s18.sex_restriction, s18.min_age, s18.max_age, s18.price_ceiling_fen) == kept
    # a column given blank is given: its cells clear (the file says there is none)
    header = ["项目编码", "项目名称", "项目类别", "甲乙类", "限价"]
    rows = [["D0002", "头孢克肟（新名）", "药品", "乙", ""]]
    result = import_file(db_session, "items", write_csv(tmp_path / "blank.csv", header, rows))
    assert result.ok
    db_session.expire_all()
    cleared = entry_on(db_session, "D0002", local_today())
    assert cleared is not None and cleared.price_ceiling_fen is None
    assert cleared.self_pay_bp == 1000
