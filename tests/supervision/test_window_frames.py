"""The window's frames built from a batch's rows in Python equal the frames the year builds
from the same rows with joins (:func:`frames_from_tables`), on random rows: inpatient and
outpatient claims, lines with and without a day, codes in and out of the catalog, unknown
births, a line of a claim left out, a person listed twice."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from safetynet.catalogs.items import load_items
from safetynet.supervision.load import frames_from_rows, frames_from_tables
from safetynet.supervision.service import CLAIM_SCHEMA, LINE_SCHEMA

CODES = [*load_items()["code"].head(6).to_list(), "NOT-IN-CATALOG"]
days = st.integers(0, 90).map(lambda d: date(2017, 1, 1) + timedelta(days=d))


@st.composite
def batch(draw: st.DrawFn) -> tuple[list[tuple[object, ...]], ...]:
    claims = [
        (cid, f"C{cid}", draw(st.sampled_from(["inpatient", "outpatient", "chronic_outpatient"])),
         "township", "INST1", start, start + timedelta(days=draw(st.integers(0, 9))),
         draw(st.sampled_from([None, "J18.9", "O80"])), draw(st.integers(0, 90_000)),
         draw(st.sampled_from([None, "DR1"])), draw(st.integers(1, 3)))
        for cid in range(1, draw(st.integers(1, 6)) + 1)
        for start in [draw(days)]
    ]  # fmt: skip
    lines = [
        (draw(st.integers(1, len(claims) + 1)), draw(st.sampled_from(CODES)),
         draw(st.integers(1, 5)), draw(st.integers(0, 5_000)), draw(st.none() | days))
        for _ in range(draw(st.integers(0, 8)))
    ]  # fmt: skip
    persons = [(p, draw(st.sampled_from(["male", "female"])), draw(st.none() | days), "340421")
               for p in (1, 2, 3, 1)]  # fmt: skip
    births = [(p, draw(st.none() | st.dates(date(1930, 1, 1), date(2016, 12, 31))))
              for p in (1, 2, 3)]  # fmt: skip
    return claims, lines, persons, births


@settings(max_examples=150, deadline=None)
@given(batch())
def test_the_window_frames_equal_the_year_frames(
    rows: tuple[list[tuple[object, ...]], ...],
) -> None:
    claims, lines, persons, births = rows
    born = dict(births)
    fast = frames_from_rows(claims, lines, born, persons)  # type: ignore[arg-type]
    frame = pl.DataFrame(claims, schema=CLAIM_SCHEMA, orient="row").with_columns(
        pl.col("person_id").replace_strict(born, return_dtype=pl.Date).alias("birth_date")
    )
    people = pl.DataFrame(
        persons, schema={"id": pl.Int64, "sex": pl.String, "deceased_on": pl.Date,
                         "region_code": pl.String}, orient="row",
    ).unique("id", keep="first", maintain_order=True)  # fmt: skip
    slow = frames_from_tables(frame, pl.DataFrame(lines, schema=LINE_SCHEMA, orient="row"), people)
    assert fast.claims.equals(slow.claims)
    assert fast.lines.sort(pl.all()).equals(slow.lines.sort(pl.all()))
    assert fast.persons is not None and slow.persons is not None
    assert fast.persons.equals(slow.persons)


def test_an_age_before_a_december_birthday() -> None:
    # born 1 December 2000: 16 on 5 March 2017 (the month's Int8 × 100 once wrapped round)
    claim = (1, "C1", "outpatient", "township", "INST1", date(2017, 3, 5), date(2017, 3, 5),
             None, 100, None, 1)  # fmt: skip
    frame = pl.DataFrame([claim], schema=CLAIM_SCHEMA, orient="row").with_columns(
        pl.lit(date(2000, 12, 1)).alias("birth_date")
    )
    people = pl.DataFrame({"id": [1], "sex": ["male"], "deceased_on": [None],
                           "region_code": ["340421"]})  # fmt: skip
    year = frames_from_tables(frame, pl.DataFrame(schema=LINE_SCHEMA), people)
    window = frames_from_rows([claim], [], {1: date(2000, 12, 1)}, [(1, "male", None, "340421")])
    assert year.claims["age"].to_list() == window.claims["age"].to_list() == [16]
