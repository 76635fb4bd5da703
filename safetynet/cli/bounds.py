"""The bounds of every number a command takes, one definition for every command (spread
into its option: ``typer.Option("--year", **YEAR)``): a year or a month beyond the scheme's,
a row number beyond any row id or a size no machine holds was a traceback, an overflow in
the database or a silent empty answer; outside its bounds it is refused by the command line
itself (exit status 2, the option and its range named), before anything is read or written.
``tests/cli/test_bounds.py`` checks that every number option of every command has both."""

from __future__ import annotations

from typing import Any

from safetynet.codes import FIRST_YEAR, LAST_YEAR  # the scheme years (the web's too)

MAX_ROW_ID = 2**31 - 1  # a row id (a warning, a round, a batch): PostgreSQL's INTEGER

Bound = dict[str, Any]
YEAR: Bound = {"min": FIRST_YEAR, "max": LAST_YEAR}
MONTH: Bound = {"min": 1, "max": 12}
ROW_ID: Bound = {"min": 1, "max": MAX_ROW_ID}
# a random generator's seed: a stored seed (a spot check's) is a 32-bit signed column
SEED: Bound = {"min": 0, "max": MAX_ROW_ID}
PERSONS: Bound = {"min": 1, "max": 20_000_000}  # a synthetic county (a large one: 1.5 million)
PERSONS_OR_NONE: Bound = {"min": 0, "max": 20_000_000}  # 0: skip the step
CLAIMS: Bound = {"min": 1, "max": 200_000_000}  # claims generated, or per batch
REPEATS: Bound = {"min": 1, "max": 100}  # timed runs of a benchmark
SHOWN: Bound = {"min": 1, "max": 10_000}  # rows or units listed
WRITTEN: Bound = {"min": 0, "max": 1_000}  # files written (0: none)
CANDIDATES: Bound = {"min": 1, "max": 100_000}  # reforms tried by a search
HOUSEHOLDS: Bound = {"min": 1, "max": 1_000_000}  # households checked one at a time
PARALLEL: Bound = {"min": 1, "max": 1_000}  # requests in flight, partitions
WORKERS: Bound = {"min": 1, "max": 64}  # server processes
PORT: Bound = {"min": 1, "max": 65_535}
SECONDS: Bound = {"min": 1.0, "max": 86_400.0}  # a timed run: up to a day
SHARE: Bound = {"min": 0.0, "max": 1.0}  # a share of claims
