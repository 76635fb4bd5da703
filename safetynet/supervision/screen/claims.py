"""Screening a few claims with their persons' claims (a single claim's look at its history):
the guards of :mod:`~safetynet.supervision.guards` (the window's, one definition) skip the
rules that cannot hit the claims, then :func:`~safetynet.supervision.screen.run.screen` runs
the others."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl

from safetynet.supervision.frames import ScreenInput
from safetynet.supervision.guards import Row, rules_that_may_hit
from safetynet.supervision.schema import RuleSet
from safetynet.supervision.screen.run import screen

_LINE_FACTS = ("item_class", "price_ceiling_fen", "sex_restriction", "min_age", "max_age")


def guard_rows(
    data: ScreenInput,
) -> tuple[list[Row], list[Row], dict[Any, bool], dict[Any, str | None]]:
    """The frames as the guards read the window's rows: claims (claim number as id, claim
    number, kind, level, institution, start — a stay's admission, else the claim's date —,
    end, diagnosis, total, doctor, person), lines (claim number, code, quantity, amount, day
    — undated: the claim's date, as the rules read it —, and their catalog facts), whether
    each person has died and each person's village (the region that chooses the rules)."""
    claims = [
        (no, no, kind, level, institution,
         admitted if kind == "inpatient" and admitted is not None else day,
         discharged, diagnosis, total, doctor, person)
        for no, person, day, kind, level, institution, doctor, diagnosis, admitted, discharged,
        total in data.claims.select(
            "claim_no", "person_id", "date", "kind", "level", "institution", "doctor",
            "diagnosis", "admitted", "discharged", "total_fen",
        ).iter_rows()
    ]  # fmt: skip
    dated = data.lines.join(
        data.claims.select("claim_no", pl.col("date").alias("_date")), on="claim_no", how="left"
    ).select("claim_no", "code", "quantity", "amount_fen", pl.coalesce("day", "_date"),
             *_LINE_FACTS)  # fmt: skip
    lines = list(dated.iter_rows())
    persons = data.persons
    deceased: dict[Any, bool] = {}
    regions: dict[Any, str | None] = {}
    if persons is not None:
        for pid, died in persons.select("person_id", "deceased_on").iter_rows():
            deceased[pid] = deceased.get(pid, False) or died is not None
        if "village" in persons.columns:  # a person's first row, as the screening reads it
            for pid, village in persons.select("person_id", "village").iter_rows():
                regions.setdefault(pid, village)
    return claims, lines, deceased, regions


def screen_claims(rules: RuleSet, history: ScreenInput, claim_nos: Iterable[str]) -> pl.DataFrame:
    """The hits of the claims ``claim_nos``, screened with their persons' claims (``history``
    holds them and the persons' other claims of the period, their lines and the persons).
    Only the rules whose guards say they could hit one of ``claim_nos`` run
    (:func:`~safetynet.supervision.guards.rules_that_may_hit`)."""
    nos = list(claim_nos)
    claims, lines, deceased, regions = guard_rows(history)
    _, chosen = rules_that_may_hit(rules, claims, lines, deceased, nos, regions)
    found = screen(rules, history, [r.id for r in chosen], check=False)
    return found.filter(pl.col("claim_no").is_in(nos))


def screen_claim(rules: RuleSet, history: ScreenInput, claim_no: str) -> pl.DataFrame:
    """The hits of one claim (:func:`screen_claims` of one)."""
    return screen_claims(rules, history, [claim_no])
