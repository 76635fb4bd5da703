"""A 100,000-person CSV imports on SQLite well under a minute (set-based writes)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safetynet.codes import RegionLevel
from safetynet.imports import import_file
from safetynet.registry.resident_id import append_check_digits
from safetynet.store.db import make_engine
from safetynet.store.models import Base, Household, Person, Region

N = 100_000


@pytest.mark.slow
def test_100k_persons_import_quickly(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'big.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        s.add(Region(code="341821000000", name="county", level=RegionLevel.COUNTY))
        s.flush()
        s.add(Region(code="341821100201", name="v", level=RegionLevel.VILLAGE,
                     parent_code="341821000000"))  # fmt: skip
        s.flush()
        s.add_all(Household(number=f"H{i:05d}", region_code="341821100201") for i in range(1000))
        s.commit()
    k = np.arange(N)
    day = k // 900
    bodies = 34182119800000000 + ((day // 28) % 12 + 1) * 100_000 + (day % 28 + 1) * 1000 + k % 900
    ids = append_check_digits(bodies)
    lines = ["resident_id,name,household_no,phone"]
    lines += [f"{rid},N{i},H{i % 1000:05d},139{i:08d}" for i, rid in enumerate(ids)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stages: set[str] = set()
    started = time.perf_counter()
    with Session(engine) as s:
        result = import_file(s, "persons", path, progress=lambda st, d, t: stages.add(st))
    elapsed = time.perf_counter() - started
    assert result.ok, result.errors[:3]
    assert result.inserted == N
    assert elapsed < 30, f"{elapsed:.1f} s"
    assert {"read", "validate", "insert"} <= stages
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(Person)).scalar_one() == N
        started = time.perf_counter()
        again = import_file(s, "persons", path, force=True)
        assert again.unchanged == N and time.perf_counter() - started < 30
    engine.dispose()
