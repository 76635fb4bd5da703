"""What interfaces call for supervision: a region's year screened and scored."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy.orm import Session

from safetynet.supervision.frames import ScreenInput
from safetynet.supervision.load import in_year, load_catchment, load_year
from safetynet.supervision.rules import DEFAULT_RULES, load_rules
from safetynet.supervision.schema import RuleSet
from safetynet.supervision.scores import scorecard
from safetynet.supervision.screen import screen


@dataclass(frozen=True)
class YearScores:
    rules: RuleSet
    claims: int
    hits: pl.DataFrame
    card: pl.DataFrame


def year_scores(session: Session, region: str, year: int, rules: str = DEFAULT_RULES) -> YearScores:
    """Screen the region's claims of ``year`` and score its institutions and doctors."""
    ruleset = load_rules(rules)
    conn = session.connection()
    data = load_year(conn, region, year)
    enrolled = load_catchment(conn, region, year)
    hits = in_year(screen(ruleset, data, check=False), year)
    own = ScreenInput(data.claims.filter(pl.col("date").dt.year() == year), data.lines,
                      data.persons)  # fmt: skip
    return YearScores(ruleset, own.claims.height, hits, scorecard(own, hits, enrolled))
