"""`safetynet programmes rates` and `pathways` in Chinese (the default): no English word, id
or snake_case reaches the reader — the rates' headings and batches ("serious") and the
pathways' pathway ids ("appendicitis") and levels ("county") were printed as they are stored;
in English they read as names too."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from safetynet.cli.main import app
from tests.programmes.test_rates import programme

__all__ = ["programme"]

WIDE = {"COLUMNS": "400"}  # one line per row: no word cut by the table


def _run(engine: Engine, *args: str) -> str:
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner(env=WIDE).invoke(app, ["programmes", *args, "--year", "2017", "--db", url])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    "command", [["rates"], ["rates", "--by-month"], ["pathways", "--everyone"]]
)
def test_in_chinese_no_english_word(db_engine: Engine, programme: Session,
                                    command: list[str]) -> None:  # fmt: skip
    out = _run(db_engine, *command)
    words = set(re.findall(r"[A-Za-z_]{2,}", out))
    # claim numbers (C9) and institution codes (H-COUNTY) are data, as stored
    assert words <= {"COUNTY"}, words
    if command[0] == "rates":
        assert "大病" in out and "分子" in out and "分母" in out
    else:
        assert "急性阑尾炎" in out and "县级医院" in out


def test_in_english_names_not_ids(db_engine: Engine, programme: Session) -> None:
    rates = _run(db_engine, "rates", "--lang", "en")
    assert "serious diseases" in rates and "Numerator" in rates
    pathways = _run(db_engine, "pathways", "--everyone", "--lang", "en")
    assert "Acute appendicitis" in pathways and "county hospital" in pathways
    assert "appendicitis " not in pathways.replace("Acute appendicitis", "")


def test_screen_speaks_the_language_asked(db_engine: Engine, programme: Session) -> None:
    """`programmes screen` takes --lang as its neighbours do: Chinese by default (headings,
    batches by name, the count line), English when asked, any other language refused."""
    out = _run(db_engine, "screen")
    assert not re.findall(r"[A-Za-z_]{2,}", out), out
    assert "人数" in out or "批次" in out
    english = _run(db_engine, "screen", "--lang", "en")
    assert "Batch" in english and "found" in english and "added" in english
    url = db_engine.url.render_as_string(hide_password=False)
    bad = CliRunner().invoke(app, ["programmes", "screen", "--year", "2017", "--db", url,
                                   "--lang", "fr"])  # fmt: skip
    assert bad.exit_code == 2 and "--lang" in bad.output
