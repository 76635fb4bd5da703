"""The indicators a county reports every month and year, computed from the ledger and the
registry (never typed in), each with one written definition.

definitions  ``definitions.yaml`` and its strict loader: unit, names, formula, what is counted
layers       the layer type (basic insurance, critical illness, ...) of each ledger layer id
frames       the input as Polars frames (source frames → persons and entries) and assembly
fetch        a query's rows as a frame, fast (COPY on PostgreSQL, the cursor on SQLite)
load         the source frames of a region and year from the database
synthetic    a generated county settled in memory into the same frames (benchmark, tests)
compute      the pure, vectorised computation: frames + query → long result
result       ``IndicatorResult``: lookups (``value``, ``figure``) and definitions
service      ``indicators(bind, region_code, year, period, by, by_category)`` for interfaces
tables       the result as export tables and .xlsx / .pdf / .csv files
"""

from safetynet.indicators.compute import IndicatorQuery, compute
from safetynet.indicators.definitions import Definition, definition, definitions
from safetynet.indicators.result import Figure, IndicatorResult
from safetynet.indicators.service import (
    IndicatorError,
    NoData,
    UnknownRegion,
    indicator_years,
    indicators,
    result_of,
)

__all__ = [
    "Definition",
    "Figure",
    "IndicatorError",
    "IndicatorQuery",
    "IndicatorResult",
    "NoData",
    "UnknownRegion",
    "compute",
    "definition",
    "definitions",
    "indicator_years",
    "indicators",
    "result_of",
]
