"""The journal: an unbalanced or malformed manual entry is refused with a clear message and
nothing is written; journal rows cannot be edited or deleted (append-only), on both
databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from safetynet.funds.journal import MAX_LINE_FEN, JournalError, Line, balances, post_entry
from safetynet.funds.rules import default_rules
from safetynet.store.db import session_scope
from safetynet.store.models import FundEntry, FundLine

RULES = default_rules()
DAY = date(2017, 5, 1)


def _post(engine: Engine, lines: list[Line], reference: str | None = None) -> int:
    with session_scope(engine) as s:
        return post_entry(s, RULES, year=2017, posted_on=DAY, kind="manual", lines=lines,
                          user="bureau", reference=reference)  # fmt: skip


def _rows(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        entries = s.scalar(select(func.count()).select_from(FundEntry)) or 0
        lines = s.scalar(select(func.count()).select_from(FundLine)) or 0
    return entries, lines


def test_a_balanced_entry_is_written(db_engine: Engine) -> None:
    _post(db_engine, [Line("basic", "cash", 1_000), Line("basic", "income.interest", -1_000)])
    with session_scope(db_engine) as s:
        assert balances(s, year=2017) == {
            ("basic", "cash"): 1_000,
            ("basic", "income.interest"): -1_000,
        }


def test_a_line_at_the_largest_amount_is_written(db_engine: Engine) -> None:
    _post(db_engine, [Line("basic", "cash", MAX_LINE_FEN),
                      Line("basic", "income.fiscal", -MAX_LINE_FEN)])  # fmt: skip
    assert _rows(db_engine) == (1, 2)


@pytest.mark.parametrize(
    ("lines", "code", "words"),
    [
        ([Line("basic", "cash", 1_000), Line("basic", "income.interest", -999)], "unbalanced",
         "debits 10.00 yuan, credits 9.99 yuan (difference 0.01 yuan); nothing was written"),
        ([Line("basic", "cash", 0)], "too_few_lines", "at least two lines"),
        ([Line("nope", "cash", 5), Line("basic", "cash", -5)], "unknown_fund", "no fund 'nope'"),
        ([Line("basic", "till", 5), Line("basic", "cash", -5)], "unknown_account", "'till'"),
        ([Line("basic", "payable", 5), Line("basic", "cash", -5)], "no_institution",
         "payable needs an institution"),
        # a line beyond the column (the database would overflow): refused with its line
        ([Line("basic", "cash", 10**20), Line("basic", "income.interest", -(10**20))],
         "bad_amount", "line 1"),
        ([Line("basic", "cash", MAX_LINE_FEN + 1), Line("basic", "income.interest", -1),
          Line("basic", "income.fiscal", -MAX_LINE_FEN)], "bad_amount", "line 1"),
    ],
)  # fmt: skip
def test_a_bad_manual_entry_is_refused_and_nothing_written(
    db_engine: Engine, lines: list[Line], code: str, words: str
) -> None:
    with pytest.raises(JournalError) as err:
        _post(db_engine, lines)
    assert err.value.code == code and words in err.value.message
    assert _rows(db_engine) == (0, 0)


def test_a_reference_is_posted_once(db_engine: Engine) -> None:
    lines = [Line("basic", "cash", 1), Line("basic", "income.interest", -1)]
    _post(db_engine, lines, reference="bank-interest-2017")
    with pytest.raises(JournalError, match="posted already"):
        _post(db_engine, lines, reference="bank-interest-2017")
    assert _rows(db_engine) == (1, 2)


@pytest.mark.parametrize(
    "statement",
    ["UPDATE fund_line SET amount_fen = 0", "DELETE FROM fund_line", "DELETE FROM fund_entry",
     "UPDATE fund_entry SET memo = 'x'"],
)  # fmt: skip
def test_the_journal_is_append_only(db_engine: Engine, statement: str) -> None:
    _post(db_engine, [Line("basic", "cash", 7), Line("basic", "income.interest", -7)])
    with pytest.raises(DBAPIError, match="append-only"), session_scope(db_engine) as s:
        s.execute(text(statement))
    assert _rows(db_engine) == (1, 2)
