"""The one rule for numbers typed or imported (safetynet.numerals): full-width digits, minus,
point and percent read as their ASCII forms (as NFKC maps them) in forms, the API's amounts,
imports and claim files alike; other scripts' digits and look-alikes (``²``, ``①``) are
refused everywhere (Python's ``int`` and ``Decimal`` would read some of them)."""

from __future__ import annotations

import unicodedata

import polars as pl
import pytest

from safetynet.money import MoneyError, to_bp, to_fen
from safetynet.numerals import ASCII, FULL_WIDTH, ascii_digits, numeric_expr, numeric_text
from safetynet.programmes.patients import ProgrammeError
from safetynet.programmes.worklist import _int, _tenths
from safetynet.tabular.columns import Column, bind
from safetynet.tabular.reading import read_bytes
from safetynet.web.bounds import small_number
from safetynet.web.errors import WebError


def test_the_fold_is_nfkc_on_the_full_width_forms() -> None:
    pairs = zip(FULL_WIDTH, ASCII, strict=True)
    assert all(unicodedata.normalize("NFKC", f) == a for f, a in pairs)
    assert numeric_text("²①") == "²①"  # NFKC would make digits of them: not here


def test_full_width_text_is_the_ascii_number() -> None:
    assert numeric_text("　１２３４．５０ ") == "1234.50"
    assert numeric_text("－５") == "-5" and numeric_text("６０％") == "60%"
    frame = pl.DataFrame({"v": ["１２．５", None, "7"]})
    assert frame.select(numeric_expr("v"))["v"].to_list() == ["12.5", None, "7"]
    assert ascii_digits("123") and not ascii_digits("１２３") and not ascii_digits("٣")


def test_amounts_and_ratios_read_full_width() -> None:
    assert to_fen("１２．３０") == 1230 and to_fen("－３") == -300
    assert to_bp("６０％") == 6000 and to_bp("０．６") == 6000


@pytest.mark.parametrize("text", ["٣", "١٢.٥", "۵", "²", "①"])
def test_other_scripts_digits_are_refused(text: str) -> None:
    with pytest.raises(MoneyError):
        to_fen(text)
    with pytest.raises(WebError):
        small_number(text, "n", 0, 999)
    with pytest.raises(ProgrammeError):
        _int(text, "systolic", 50, 300)


def test_form_numbers_read_full_width() -> None:
    assert small_number("１２", "n", 0, 99) == 12
    assert _int("１３２", "systolic", 50, 300) == 132
    assert _tenths("６．５") == 65  # the full-width point was refused


def test_an_import_column_marked_numeric_is_read_by_the_rule() -> None:
    sheet = read_bytes("编号,金额\nＡ１,１２．５０\n".encode(), "x.csv")
    bound = bind(sheet, (Column("code", ("编号",)), Column("amount", ("金额",), numeric=True)))
    assert bound.frame.row(0, named=True) == {"code": "Ａ１", "amount": "12.50", "_row": 2}
