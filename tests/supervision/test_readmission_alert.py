"""The peer alert on readmissions: an institution whose readmission rate (within
``scoring.readmission_days``) is strictly above the rule file's percentile
(``scoring.readmission_alert``, P90) of its level's institutions is flagged; one exactly at
the percentile is not; the percentile is data."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from safetynet.supervision.load import frames_from_rows
from safetynet.supervision.rules import load_rules
from safetynet.supervision.schema import Scoring
from safetynet.supervision.scores import readmission_alert, scorecard
from safetynet.supervision.screen import HIT_SCHEMA

RULES = load_rules()


def test_the_shipped_percentile_is_p90_with_its_source() -> None:
    alert = RULES.scoring.readmission_alert
    assert alert is not None and (alert.value, alert.unit, alert.source) == (
        90,
        "percent",
        "fwa-peer-alert",
    )


def test_at_the_percentile_is_not_flagged_just_above_is() -> None:
    # eleven peers: the P90 (linear) is the tenth rate, 0.9, exactly
    rates = [k / 10 for k in range(10)] + [0.901]
    df = pl.DataFrame({"level": ["county"] * 11, "readmission_rate": rates})
    flags = df.select(readmission_alert(90))["readmission_alert"].to_list()
    assert flags == [False] * 10 + [True]
    # another level is its own peer group; a unit without a rate is neither flagged nor counted
    df = pl.DataFrame({"level": ["county"] * 11 + ["city", "city"],
                       "readmission_rate": [*rates[:-1], None, 0.5, 0.6]})  # fmt: skip
    flags = df.select(readmission_alert(90))["readmission_alert"].to_list()
    assert flags == [False] * 9 + [True, False, False, True]
    assert not any(df.select(readmission_alert(None)).to_series())


def _county(readmitted: list[int], admissions: int = 10) -> tuple[list, dict, list]:
    """Institutions C0, C1, … of county level with ``admissions`` stays each, of which the
    given number are followed by the person's stay at a city hospital 7 days later."""
    claims, births, people = [], {}, []
    n = 0
    for i, k in enumerate(readmitted):
        for j in range(admissions):
            n += 1
            start = date(2017, 1, 1) + timedelta(days=j * 30)
            claims.append((n, f"C{i}-{j}", "inpatient", "county", f"C{i}", start,
                           start + timedelta(days=5), "J18.9", 100000, None, n))  # fmt: skip
            births[n] = date(1960, 1, 1)
            people.append((n, "male", None, "340421100201"))
            if j < k:
                again = start + timedelta(days=12)
                claims.append((10**6 + n, f"X{i}-{j}", "inpatient", "city", "CITY", again,
                               again + timedelta(days=3), "K35.8", 100000, None, n))  # fmt: skip
    return claims, births, people


def _flagged(scoring: Scoring, readmitted: list[int]) -> list[str]:
    claims, births, people = _county(readmitted)
    data = frames_from_rows(claims, [], births, people)
    card = scorecard(data, pl.DataFrame(schema=HIT_SCHEMA), scoring=scoring)
    institutions = card.filter(pl.col("unit_type") == "institution")
    return sorted(institutions.filter(pl.col("readmission_alert"))["unit"].to_list())


def test_the_scorecard_flags_the_institution_above_its_peers_p90() -> None:
    # rates 0.0 … 0.9 and 1.0: the P90 of the eleven is 0.9 (C9, not flagged); C10 is above
    assert _flagged(RULES.scoring, list(range(11))) == ["C10"]
    # rates 0.0 … 0.8, 0.9, 0.9: the P90 is 0.9; both at it, neither flagged
    assert _flagged(RULES.scoring, [*range(10), 9]) == []


def test_the_percentile_is_data() -> None:
    alert = RULES.scoring.readmission_alert
    assert alert is not None
    p80 = RULES.scoring.model_copy(
        update={"readmission_alert": alert.model_copy(update={"value": 80})}
    )
    # P80 of 0.0 … 1.0 is 0.8: C9 and C10 above it
    assert _flagged(p80, list(range(11))) == ["C10", "C9"]
    none = RULES.scoring.model_copy(update={"readmission_alert": None})
    assert _flagged(none, list(range(11))) == []


@pytest.mark.parametrize("value", [0, 100, 120])
def test_a_percentile_out_of_range_is_refused(value: float) -> None:
    data = RULES.scoring.model_dump()
    data["readmission_alert"]["value"] = value
    with pytest.raises(ValueError, match="percentile"):
        Scoring.model_validate(data)
