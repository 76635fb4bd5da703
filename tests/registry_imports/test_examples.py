"""The example files in examples/import/ import cleanly, in the documented order."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy.orm import Session

from safetynet.codes import RegionLevel
from safetynet.imports import import_file
from safetynet.registry.reconcile import Category, reconcile
from safetynet.store.models import Region
from safetynet.tabular.values import date_expr

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "import"


def test_example_files_import(db_session: Session) -> None:
    s = db_session
    s.add(Region(code="341821000000", name="郎溪县", level=RegionLevel.COUNTY))
    s.flush()
    s.add(Region(code="341821100000", name="建平镇", level=RegionLevel.TOWNSHIP,
                 parent_code="341821000000"))  # fmt: skip
    s.flush()
    s.add_all(
        Region(code=code, name=name, level=RegionLevel.VILLAGE, parent_code="341821100000")
        for code, name in (("341821100201", "东村"), ("341821100202", "西村"))
    )
    s.commit()
    steps = [
        ("households", "households.csv", 3),
        ("persons", "persons.csv", 5),
        ("persons", "persons.xlsx", 0),  # the same people: nothing to insert or update
        ("poverty", "poverty.csv", 4),
        ("institutions", "institutions.xlsx", 6),
        ("institutions", "institutions.csv", 0),
    ]
    for kind, name, inserted in steps:
        result = import_file(s, kind, EXAMPLES / name)
        assert result.ok, (name, [str(e) for e in result.errors])
        assert result.inserted == inserted and result.updated == 0, (name, result.summary())
    report = reconcile(s, EXAMPLES / "office-list.csv", 2025)
    counts = report.counts()
    assert counts[Category.NOT_IN_REGISTRY] == 1 and counts[Category.LIKELY_ID_TYPO] == 1


def test_date_spellings() -> None:
    texts = ["2024-01-31", "2024/1/31", "2024.01.31", "20240131", "2024年1月31日", "2024-02-30"]
    parsed = pl.DataFrame({"d": texts}).select(date_expr(pl.col("d")))["d"].to_list()
    assert [str(d) if d else None for d in parsed] == ["2024-01-31"] * 5 + [None]
