"""The indicators service interfaces call: a region, a year, a breakdown → an
:class:`IndicatorResult` (numbers with numerators, denominators and definitions).

``indicators(bind, region_code, year, period, by, by_category)`` checks the request, reads
the frames (:mod:`safetynet.indicators.load`) and computes (:mod:`safetynet.indicators.compute`);
:func:`result_of` is the pure second half, for frames built elsewhere (the benchmark).
Bad requests raise :class:`IndicatorError` subclasses with a message meant for the user.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from safetynet.codes import RegionLevel
from safetynet.derived.frames import BREAKDOWN_LEVELS, IndicatorFrames
from safetynet.derived.layers import PolicyLookup, UnknownPolicy
from safetynet.indicators.compute import (
    PERIODS,
    IndicatorQuery,
    Period,
    QueryError,
    compute,
)
from safetynet.indicators.load import Bind, load_frames
from safetynet.indicators.result import IndicatorResult
from safetynet.store.models import Enrollment, Region, Settlement

_ORDER = [RegionLevel.PROVINCE, RegionLevel.CITY, *BREAKDOWN_LEVELS]


class IndicatorError(ValueError):
    """A request for indicators that cannot be answered; ``field`` names the bad input."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message, self.field = message, field


class UnknownRegion(IndicatorError):
    pass


class NoData(IndicatorError):
    pass


def result_of(frames: IndicatorFrames, query: IndicatorQuery) -> IndicatorResult:
    """Compute and wrap (pure); remembered for frames cut from a snapshot
    (:mod:`safetynet.derived.memo`: the same data and query give the same result)."""
    if frames.version is None:
        return _result_of(frames, query)
    from safetynet.derived.memo import remembered

    return remembered(("result", frames.version, query), lambda: _result_of(frames, query))


def _result_of(frames: IndicatorFrames, query: IndicatorQuery) -> IndicatorResult:
    scope = frames.regions.filter(frames.regions["code"] == frames.region_code)
    return IndicatorResult(
        frame=compute(frames, query),
        region_code=frames.region_code,
        region_name=str(scope["name"][0]),
        year=frames.year,
        query=query,
    )


def make_query(
    period: str = "year", by: str | RegionLevel | None = None, by_category: bool = False
) -> IndicatorQuery:
    """The query for user input; :class:`IndicatorError` naming the bad field."""
    if period not in PERIODS:
        raise IndicatorError(f"unknown period {period!r}: use {', '.join(PERIODS)}", "period")
    level = None
    if by is not None:
        values = [lv.value for lv in BREAKDOWN_LEVELS]
        if str(by) not in values:
            raise IndicatorError(f"unknown breakdown {by!r}: use {', '.join(values)}", "by")
        level = RegionLevel(str(by))
    p: Period = period  # type: ignore[assignment]
    return IndicatorQuery(p, level, by_category)


def _connection_of(bind: Bind) -> tuple[Connection, bool]:
    if isinstance(bind, Session):
        return bind.connection(), False
    if isinstance(bind, Connection):
        return bind, False
    return bind.connect(), True


def indicator_years(bind: Bind) -> list[int]:
    """Scheme years with enrollment or ledger entries, newest first."""
    from safetynet.derived import views
    from safetynet.derived.snapshot import current

    conn, owned = _connection_of(bind)
    try:
        snap = current(conn)
        if snap is not None:  # a large ledger: from its snapshot
            return sorted({*views.ledger_years(snap), *views.enrollment_years(snap)}, reverse=True)
        years = set(conn.scalars(select(Enrollment.year).distinct()))
        years |= set(conn.scalars(select(Settlement.year).distinct()))
    finally:
        if owned:
            conn.close()
    return sorted(years, reverse=True)


def indicators(
    bind: Engine | Connection | Session,
    region_code: str,
    year: int,
    period: str = "year",
    by: str | RegionLevel | None = None,
    by_category: bool = False,
    *,
    lookup: PolicyLookup | None = None,
) -> IndicatorResult:
    """The indicators of a region (and everything under it) for a scheme year.

    ``period``: month, quarter or year; ``by``: county, township or village (at or below the
    region; None = the region only); ``by_category``: also by person category.
    """
    query = make_query(period, by, by_category)
    conn, owned = _connection_of(bind)
    try:
        level = conn.scalar(select(Region.level).where(Region.code == region_code))
        if level is None:
            raise UnknownRegion(f"unknown region {region_code}", "region")
        scope = RegionLevel(level)
        if query.by is not None and _ORDER.index(query.by) < _ORDER.index(scope):
            raise IndicatorError(
                f"region {region_code} is a {scope.value}: break it down by a level below "
                f"it, not by {query.by.value}",
                "by",
            )
        frames = load_frames(conn, region_code, year, lookup=lookup)
    except UnknownPolicy as exc:
        raise IndicatorError(str(exc), "policy") from None
    finally:
        if owned:
            conn.close()
    if frames.is_empty():
        raise NoData(f"no enrollment and no settlements in {year} for region {region_code}", "year")
    try:
        return result_of(frames, query)
    except QueryError as exc:  # pragma: no cover - make_query and the level check come first
        raise IndicatorError(str(exc), "by") from None
