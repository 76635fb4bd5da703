"""A person in two households across household batches.

A batch holds whole households, so a person whose claims name two households that fall in
different batches would be settled twice, each time with part of the year (the ceilings and
deductibles counted anew): the check inside a batch (``claims.prepare``) cannot see it.
Since a household never straddles batches, a person met in two batches is in two households.
:class:`PersonsSeen` keeps each batch's persons as two 64-bit hashes (16 bytes a person) and
refuses the file, naming the persons' lines and households, when a later batch meets one
again — before any result of that batch is written (the results file is written only when
every batch has settled).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from safetynet.claims.fileformat import ClaimFileRejected, scan_parquet
from safetynet.claims.prepare import conflicts


class PersonsSeen:
    def __init__(self) -> None:
        self._first = np.empty(0, np.uint64)  # sorted: the persons' first hashes
        self._second = np.empty(0, np.uint64)  # the second hash of each, in the same order

    def add(self, claims: pl.DataFrame, path: Path) -> None:
        """Record a batch's persons; ``ClaimFileRejected`` when an earlier batch had one."""
        persons = claims.select(
            pl.col("person_id").hash(seed=0).alias("a"),
            pl.col("person_id").hash(seed=1).alias("b"),
            "person_id",
        ).unique(subset=["a", "b"])
        a, b = persons.get_column("a").to_numpy(), persons.get_column("b").to_numpy()
        if self._first.size:
            at = np.searchsorted(self._first, a).clip(max=self._first.size - 1)
            again = (self._first[at] == a) & (self._second[at] == b)
            if again.any():
                names = persons.filter(pl.Series(again)).get_column("person_id")
                self._refuse(names, path)
        first = np.concatenate([self._first, a])
        order = np.argsort(first, kind="stable")
        self._first, self._second = first[order], np.concatenate([self._second, b])[order]

    @staticmethod
    def _refuse(names: pl.Series, path: Path) -> None:
        rows = (
            scan_parquet(path)
            .filter(pl.col("person_id").cast(pl.String).is_in(names.implode()))
            .select(
                "_line", pl.col("person_id").cast(pl.String), pl.col("household_id").cast(pl.String)
            )
            .collect()
        )
        raise ClaimFileRejected(path, conflicts(rows))
