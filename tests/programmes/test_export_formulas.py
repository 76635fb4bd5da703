"""The contract and follow-up CSV exports keep hostile text inert: a name or drugs starting
like a spreadsheet formula (written elsewhere than through the import, which refuses such a
cell) is written as text with a leading apostrophe; other cells are written as they are."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from safetynet.programmes import exports
from safetynet.store.models import FollowUp, Person
from tests.programmes.conftest import People
from tests.programmes.helpers import load_programme
from tests.registry_imports.helpers import COUNTY

FORMULAS = ['=HYPERLINK("http://evil.example","PAY")', "@SUM(1)", "+cmd|' /C calc'!A0"]


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_formulas_are_text_in_the_csv_exports(county: Session, people: People,
                                               tmp_path: Path) -> None:  # fmt: skip
    s = county
    load_programme(s, people, tmp_path)
    for key, name in zip(("poor", "poor_b", "ordinary"), FORMULAS, strict=True):
        s.execute(update(Person).where(Person.id == people.ids[key]).values(name=name))
    s.execute(update(FollowUp).where(FollowUp.person_id == people.ids["poor"])
              .values(drugs="=1+1"))  # fmt: skip
    s.commit()
    start, end = date(2017, 1, 1), date(2018, 1, 1)
    cells = [c for r in _rows(exports.contracts_csv(s, COUNTY, start, end))[1:] for c in r]
    follow = [c for r in _rows(exports.follow_ups_csv(s, COUNTY, start, end))[1:] for c in r]
    for text in (*cells, *follow):
        assert not text.startswith(("=", "@", "+")), text
    assert {"'" + f for f in FORMULAS} <= set(cells)
    assert "'=1+1" in follow
    assert "-" not in {c[:1] for c in cells}  # dates and codes stay as they were
    assert people.resident["costly"] in cells and "Person costly" in cells
