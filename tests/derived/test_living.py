"""Who the derived frames count as living in a year follows the registry's rule: the day of
death is not a day alive (as enrollment and reconciliation count), the day of birth is."""

from __future__ import annotations

from datetime import date

import polars as pl

from safetynet.derived.frames import (
    ENROLLMENT_SCHEMA,
    ENTRY_SCHEMA,
    LAYER_SCHEMA,
    PERSON_SCHEMA,
    PRIOR_PAID_SCHEMA,
    PRIOR_RAISED_SCHEMA,
    REGION_SCHEMA,
    SourceFrames,
    assemble,
    empty,
    statuses_empty,
)

YEAR = 2018
# person id: (birth, death), and whether living in 2018
PEOPLE = {
    1: (date(1960, 5, 1), None, True),
    2: (date(1960, 5, 1), date(2017, 12, 31), False),  # died 31 Dec of the year before
    3: (date(1960, 5, 1), date(2018, 1, 1), False),  # died 1 January: no day alive in 2018
    4: (date(1960, 5, 1), date(2018, 1, 2), True),  # alive on 1 January
    5: (date(2018, 12, 31), None, True),  # born on the year's last day
    6: (date(2019, 1, 1), None, False),  # born the next year
}


def test_living_in_the_year_at_31_december_1_and_2_january() -> None:
    regions = pl.DataFrame(
        [("341821", "郎溪县", "county", None)], schema=REGION_SCHEMA, orient="row"
    )
    persons = pl.DataFrame(
        [(pid, pid, "341821", born, died) for pid, (born, died, _) in PEOPLE.items()],
        schema=PERSON_SCHEMA,
        orient="row",
    )
    src = SourceFrames(
        regions=regions, persons=persons, enrollment=empty(ENROLLMENT_SCHEMA),
        statuses=statuses_empty(), entries=empty(ENTRY_SCHEMA), layers=empty(LAYER_SCHEMA),
        prior_raised=empty(PRIOR_RAISED_SCHEMA), prior_paid=empty(PRIOR_PAID_SCHEMA),
    )  # fmt: skip
    frames = assemble(src, region_code="341821", year=YEAR)
    living = dict(frames.persons.select("person_id", "living").iter_rows())
    assert living == {pid: alive for pid, (_, _, alive) in PEOPLE.items()}
