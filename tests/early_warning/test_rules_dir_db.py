"""A county's own early-warning file in the deployment's folder
(``<SAFETYNET_RULES_DIR>/early_warning/``) flags that county's household at its line and not
one fen over it, and never the same figures of another county's household (read with the
national file); the check after a settlement and the year's batch alike, on SQLite and
PostgreSQL. The setting unset: the national file for both."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from safetynet.early_warning import rules
from safetynet.early_warning.online import check_entries
from safetynet.early_warning.service import evaluate_year
from safetynet.store.db import session_scope
from tests.early_warning.test_county_rules_db import (
    OTHER,
    YEAR,
    _figure,
    _flagged,
    _homes,
    _rule_file,
)
from tests.settlement.conftest import County, county

__all__ = ["county"]


@pytest.mark.parametrize("over", [0, 1], ids=["at-the-line", "one-fen-over"])
def test_the_deployments_county_file_flags_its_county_only(
    db_engine: Engine,
    county: County,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    over: int,
) -> None:
    h2, h3, ids = _homes(db_engine, county)
    figure = _figure(db_engine, tmp_path, h2, h3)
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    _rule_file(shipped, "national-test", None, 10 * figure, 3)  # flags nobody
    monkeypatch.setattr(rules, "FILES", shipped)
    own = tmp_path / "rules" / "early_warning"
    own.mkdir(parents=True)
    _rule_file(own, "county-340422", OTHER, figure + over, 1)

    # unset: the national file for both households
    with session_scope(db_engine) as s:
        assert check_entries(s, ids).height == 0
    with db_engine.connect() as conn:
        assert evaluate_year(conn, YEAR).warnings.height == 0

    monkeypatch.setenv("SAFETYNET_RULES_DIR", str(tmp_path / "rules"))
    want = {h3: ("county-340422", figure)} if over == 0 else {}
    with session_scope(db_engine) as s:
        found = check_entries(s, ids)
    assert set(found["household_id"].to_list()) == set(want)
    assert _flagged(db_engine) == want
    with db_engine.connect() as conn:
        year = evaluate_year(conn, YEAR).warnings
    assert dict(year.select("household_id", "threshold").iter_rows()) == {
        h: t for h, (_, t) in want.items()
    }
