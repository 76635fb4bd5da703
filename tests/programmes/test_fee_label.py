"""The pathway table states each fixed fee as the programme file gives it, to the fen: a fee
of 4,500.50 yuan is not shown as 4,500 (nor a threshold of the simulator's note rounded):
:func:`safetynet.money.yuan_text`, whole yuan without decimals, else two. Both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from safetynet.money import yuan_text
from safetynet.reports.programme_tables import pathway_table
from tests.programmes.named import county_file, use_county_file

K35_COUNTY = "level: county, fee: 4500,"


@pytest.mark.parametrize(
    ("fen", "text"),
    [(450_050, "4,500.50"), (450_000, "4,500"), (450_001, "4,500.01"), (0, "0"), (-150, "-1.50")],
)
def test_yuan_text_keeps_the_fen(fen: int, text: str) -> None:
    assert yuan_text(fen) == text


def test_a_fee_with_fen_is_shown_to_the_fen(
    db_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = county_file(tmp_path, "340421")
    body = path.read_text(encoding="utf-8")
    assert body.count(K35_COUNTY) == 1
    path.write_text(body.replace(K35_COUNTY, "level: county, fee: 4500.50,"), encoding="utf-8")
    use_county_file(monkeypatch, path)
    with Session(db_engine) as s:
        table = pathway_table(s, "340421", 2017, "en")
    assert table is not None
    row = next(r for r in table.rows if "(K35)" in str(r[0]))
    assert "4,500.50" in row[3], row[3]
