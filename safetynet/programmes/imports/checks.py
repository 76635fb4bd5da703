"""Checks the programme's import files share: persons known to the registry, ICD-10 codes,
whole numbers and decimals within a range."""

from __future__ import annotations

import datetime as dt

import polars as pl

from safetynet.catalogs import icd10
from safetynet.clock import local_today
from safetynet.i18n import N_
from safetynet.tabular.columns import Bound
from safetynet.tabular.problems import Problem, error
from safetynet.tabular.values import _failing, unknown_keys


def known_persons(bound: Bound, persons: pl.DataFrame) -> list[Problem]:
    """Normalise the resident IDs; an ID the registry lacks is an error."""
    if not bound.has("resident_id"):
        return []
    bound.frame = bound.frame.with_columns(
        pl.col("resident_id").str.strip_chars().str.to_uppercase()
    )
    return unknown_keys(
        bound, "resident_id", persons["resident_id"], "person.unknown",
        N_("the registry has no person with resident ID %(value)s; import the persons first"),
    )  # fmt: skip


def icd10_codes(bound: Bound, name: str) -> list[Problem]:
    """Codes that are no ICD-10 category or subcode (each distinct code looked up once)."""
    if not bound.has(name):
        return []
    bound.frame = bound.frame.with_columns(pl.col(name).str.strip_chars().str.to_uppercase())
    codes = bound.frame[name].drop_nulls().unique().to_list()
    bad = [c for c in codes if not icd10.is_valid(c)]
    return [
        error(r["_row"], bound.header[name], "cell.icd10",
              N_('"%(value)s" is not an ICD-10 code such as I10 or E11.9'), value=r[name])
        for r in _failing(bound, pl.col(name).is_in(bad), name)
    ]  # fmt: skip


def whole_numbers(bound: Bound, limits: dict[str, tuple[int, int]]) -> list[Problem]:
    """Whole numbers within ``[low, high]``; parsed in place (null where wrong)."""
    out = []
    for name, (low, high) in limits.items():
        if not bound.has(name):
            continue
        src = pl.col(name).str.strip_chars()
        parsed = src.cast(pl.Int64, strict=False)
        bad = src.is_not_null() & (parsed.is_null() | ~parsed.is_between(low, high))
        out += [
            error(r["_row"], bound.header[name], "cell.range",
                  N_('"%(value)s" is not a whole number from %(low)s to %(high)s'),
                  value=r[name], low=low, high=high)
            for r in _failing(bound, bad, name)
        ]  # fmt: skip
        bound.frame = bound.frame.with_columns(parsed.alias(name))
    return out


def tenths(bound: Bound, name: str, low: int, high: int) -> list[Problem]:
    """A decimal with at most one place, as an integer of tenths within ``[low, high]``."""
    if not bound.has(name):
        return []
    src = pl.col(name).str.strip_chars()
    parsed = (
        pl.when(src.str.contains(r"^[0-9]{1,3}(\.[0-9])?$"))
        .then(src.cast(pl.Decimal(6, 1), strict=False) * 10)
        .cast(pl.Int64, strict=False)
    )
    bad = src.is_not_null() & (parsed.is_null() | ~parsed.is_between(low, high))
    out = [
        error(r["_row"], bound.header[name], "cell.range",
              N_('"%(value)s" is not a number from %(low)s to %(high)s with at most one decimal'),
              value=r[name], low=low / 10, high=high / 10)
        for r in _failing(bound, bad, name)
    ]  # fmt: skip
    bound.frame = bound.frame.with_columns(parsed.alias(name))
    return out


EARLIEST = dt.date(2000, 1, 1)  # no programme here is older (the scheme's earliest date)
AHEAD = dt.timedelta(days=731)  # a contract signed for next year, a next visit a year out


def dates_within(bound: Bound, *names: str, today: dt.date | None = None) -> list[Problem]:
    """Dates (already parsed) from 2000-01-01 to two years from today: an error on each
    other, and the cell emptied so that later checks do not compute with it (a contract
    starting in the year 9999 would end in 10000)."""
    last = (today or local_today()) + AHEAD
    out: list[Problem] = []
    for name in names:
        if not bound.has(name):
            continue
        src = pl.col(name)
        outside = src.is_not_null() & ((src < EARLIEST) | (src > last))
        out += [
            error(r["_row"], bound.header[name], "cell.date_range",
                  N_("%(value)s is outside the dates a programme covers (%(first)s to %(last)s)"),
                  value=r[name], first=EARLIEST, last=last)
            for r in _failing(bound, outside, name)
        ]  # fmt: skip
        kept = pl.when(outside).then(None).otherwise(src)
        bound.frame = bound.frame.with_columns(kept.alias(name))
    return out


SLACK = dt.timedelta(days=1)  # the server's day may be behind the county's (time zones)


def done_by_today(bound: Bound, name: str, today: dt.date | None = None) -> list[Problem]:
    """A day a service was done is not after today (a day of slack for time zones): a
    service is recorded once done, and one dated ahead would count as delivered."""
    if not bound.has(name):
        return []
    last = (today or local_today()) + SLACK
    return [
        error(r["_row"], bound.header[name], "cell.future",
              N_("%(value)s is after today: record a service once it is done"), value=r[name])
        for r in _failing(bound, pl.col(name).is_not_null() & (pl.col(name) > last), name)
    ]  # fmt: skip
