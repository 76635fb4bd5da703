"""The funds commands' CSV files, hostile: a row short of a value, a file that is not UTF-8,
an amount or a share that is no number, an institution given twice. Each is refused with
exit status 2 and a message naming the file and its line, and nothing is written (SQLite and
PostgreSQL); never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.store.db import session_scope
from safetynet.store.models import Budget, FundEntry, PaymentBatch

runner = CliRunner()


def _written(engine: Engine) -> int:
    with session_scope(engine) as s:
        entries = s.scalar(select(func.count()).select_from(FundEntry)) or 0
        return entries + (s.scalar(select(func.count()).select_from(Budget)) or 0)


def _refused(engine: Engine, args: list[str]) -> str:
    """The bureau's command ``args`` on ``engine``'s database: refused with exit status 2 and
    nothing written; its output."""
    db = ["--db", engine.url.render_as_string(hide_password=False)]
    done = runner.invoke(app, [*args, "--by", "bureau", *db])
    assert done.exit_code == 2, (done.output, done.exception)
    assert _written(engine) == 0
    return done.output


def _file_command(command: str, path: Path) -> list[str]:
    """The funds command ``command`` reading the CSV file ``path`` (no ``--on``)."""
    return {
        "deposits": ["funds", "deposits", str(path), "--year", "2017"],
        "budgets": ["funds", "budgets", str(path), "--year", "2017"],
        "entry": ["funds", "entry", str(path), "--year", "2017", "--memo", "m"],
    }[command]


CASES = [
    ("deposits", b"institution,share\nH001\n", ":2: no share"),
    ("deposits", b"institution,share\nH001,lots\n", ":2: share:"),
    ("deposits", b"institution,share\nH001,NaN\n", ":2: share:"),
    ("deposits", b"institution,share\nH001,1\nH001,0\n", ":3: institution H001 is given twice"),
    ("deposits", b"institution,share\n\xff\xfe,1\n", "is not UTF-8"),
    ("deposits", b"share\n1\n", ":1: the header lacks the column institution"),
    ("budgets", b"institution,budget\n\xff\xfe,1\n", "is not UTF-8"),
    ("budgets", b"institution,budget\nH001,1\nH002\n", ":3: budget: not an amount"),
    ("budgets", b"institution,budget\nH001,1\nH002,1.001\n", ":3: budget:"),
    ("entry", b"fund,account,amount\nbasic,cash,10\nbasic\n", ":3: no account"),
    ("entry", b"fund,account,amount\nbasic,cash,abc\nbasic,spending,-10\n", ":2: amount:"),
    ("entry", b"fund,account,amount\n\xff,cash,1\n", "is not UTF-8"),
]


@pytest.mark.parametrize(("command", "body", "said"), CASES)
def test_a_bad_file_is_refused_by_file_and_line(
    db_engine: Engine, tmp_path: Path, command: str, body: bytes, said: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(body)
    on = {"deposits": ["--on", "2018-01-10"], "entry": ["--on", "2017-05-01"]}.get(command, [])
    flat = " ".join(_refused(db_engine, [*_file_command(command, path), *on]).split())
    assert said in flat and str(path.name) in flat, flat


@pytest.mark.parametrize(
    "args",
    [
        ["funds", "post", "--year", "99999"],
        ["funds", "post", "--year", "-5"],
        ["funds", "round", "make", "--year", "0", "--month", "1"],
        ["funds", "prepay", "--year", "1999", "--month", "1", "--on", "2017-01-01"],
        ["funds", "round", "approve", "--batch", "999999999999999999999"],
        ["funds", "round", "approve", "--batch", "0"],
    ],
    ids=["year-99999", "year-minus-5", "round-year-0", "prepay-1999", "batch-huge", "batch-0"],
)
def test_a_year_or_batch_out_of_range_is_refused_naming_the_option(
    db_engine: Engine, args: list[str]
) -> None:
    """A scheme year outside 2000-2100 posted the year's allocations (2.7 million yuan into
    year 99999) or drafted a round; a batch number beyond any row id was a traceback."""
    output = _refused(db_engine, args)
    assert "--year" in output or "--batch" in output
    with session_scope(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(PaymentBatch)) == 0


@pytest.mark.parametrize("on", ["9999-12-31", "1999-12-31", "0001-01-01"])
@pytest.mark.parametrize("command", ["entry", "prepay", "year-end", "deposits"])
def test_a_date_out_of_range_is_refused(
    db_engine: Engine, tmp_path: Path, command: str, on: str
) -> None:
    """An ``--on`` date outside 2000-01-01 to a year ahead (the web's rule) was posted."""
    path = tmp_path / "in.csv"
    path.write_text(
        "fund,account,amount\nbasic,cash,10\nbasic,income.interest,-10\n"
        if command == "entry"
        else "institution,share\nH001,1\n"
    )
    args = {
        "prepay": ["funds", "prepay", "--year", "2017", "--month", "1"],
        "year-end": ["funds", "year-end", "--year", "2017"],
    }.get(command) or _file_command(command, path)
    output = _refused(db_engine, [*args, "--on", on])
    assert "--on" in output and "out of range" in output


def test_a_refusal_quotes_the_file_as_written_on_one_line(
    db_engine: Engine, tmp_path: Path
) -> None:
    """A value that looks like console markup is quoted as written (not styled, no crash),
    and the refusal's ``file:line`` is never broken over two lines, however long the path."""
    deep = tmp_path / ("x" * 90)
    deep.mkdir()
    path = deep / "in.csv"
    path.write_text("fund,account,amount\nbasic,cash,[/red][bold]10\n", encoding="utf-8")
    output = _refused(db_engine, [*_file_command("entry", path), "--on", "2017-05-01"])
    assert f"{path}:2: amount:" in output
    assert "[/red][bold]10" in output


def test_a_file_saved_by_excel_as_utf8_with_bom_is_read(
    db_engine: Engine, county: object, tmp_path: Path
) -> None:
    """Excel's "CSV UTF-8" starts with a byte-order mark: the header's first column was read
    as ``\\ufeffinstitution`` and the file refused "the header lacks the column institution"
    though it has it. It is read as the same file without the mark (full-width digits as
    ASCII, the one rule for numbers); a GBK file is refused naming the file, nothing written."""
    path = tmp_path / "budgets.csv"
    path.write_bytes("institution,budget\r\nH-COUNTY,１２００００.５０\r\n".encode("utf-8-sig"))
    db = ["--db", db_engine.url.render_as_string(hide_password=False)]
    done = runner.invoke(app, [*_file_command("budgets", path), "--by", "bureau", *db])
    assert done.exit_code == 0, done.output
    with session_scope(db_engine) as s:
        assert s.execute(select(Budget.institution_code, Budget.amount_fen)).all() == [
            ("H-COUNTY", 12_000_050)
        ]
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("institution,budget,备注\nH-COUNTY,1,县医院\n".encode("gbk"))
    with session_scope(db_engine) as s:
        s.execute(Budget.__table__.delete())
    output = " ".join(_refused(db_engine, _file_command("budgets", gbk)).split())
    assert "gbk.csv" in output and "is not UTF-8" in output


@pytest.mark.parametrize("code", ["H-NOWHERE", "=cmd|' /C calc'!A0", "h-county"])
def test_an_entry_naming_no_institution_of_the_registry_is_refused(
    db_engine: Engine, county: object, tmp_path: Path, code: str
) -> None:
    """A manual entry's line on an institution's account (payable, prepaid, deposit, budget
    adjustment) naming a code the registry does not hold was posted: the month's round then
    paid it (a payment to no institution, which no bank file names, or a foreign-key failure
    that blocked the month's round for everyone). Refused naming the line and the code."""
    path = tmp_path / "lines.csv"
    path.write_text(f'fund,account,amount,institution\nbasic,prepaid,10,"{code}"\n'
                    "basic,cash,-10,\n")  # fmt: skip
    output = " ".join(
        _refused(db_engine, [*_file_command("entry", path), "--on", "2017-05-01"]).split()
    )
    assert "lines.csv:2" in output and code in output and "no institution" in output, output
