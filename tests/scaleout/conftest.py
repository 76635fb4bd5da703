"""Fixtures of the scale-out tests: a small synthetic county's claim file, one Spark session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from safetynet.synth.county import generate, write_parquet


@pytest.fixture(scope="session")
def county_claims(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The claim file of a 1,500-person synthetic county (about 6,000 claims)."""
    folder = tmp_path_factory.mktemp("county")
    write_parquet(generate(1_500, seed=5), folder)
    return folder / "claims_settle.parquet"


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One Spark local[2] session for every Spark test (each start costs seconds)."""
    pytest.importorskip("pyspark")
    from safetynet.scaleout.spark import session

    s = session("local[2]")
    yield s
    s.stop()
