"""Prepare a claim file for the engine under a policy: the engine's batch input table.

What is the claim file's own is here: person and household ids as dense integers (hashed
and numbered in one pass, engine.keys) and — where the policy says so — outpatient tests in
the days before an admission at the same institution merged into that admission. Everything
else is the one adapter from claims to engine input (:mod:`safetynet.settlement.engine_input`),
as for claims in the database: amounts from item lines, a fixed fee as a package price (a
claim file has no region, so the policy's region finds the fees), the listed poverty statuses
as a bit mask, the diagnosis as a mask of the policy's disease groups (matched once per
distinct code), the engine's columns (:func:`to_batch`). All vectorised, no Python per claim.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl

from safetynet.claims.fileformat import ClaimFile, ClaimFileError
from safetynet.engine.compile import CompiledPolicy
from safetynet.engine.keys import check_keys, dense_ids
from safetynet.i18n import N_
from safetynet.policy.diseases import group_prefixes
from safetynet.settlement.engine_input import (
    AMOUNTS,
    YEAR,
    batch_columns,
    disease_masks,
    listed_status_masks,
    with_fixed_fees,
    with_line_amounts,
)


def merge_pre_admission(claims: pl.DataFrame, days: int) -> pl.DataFrame:
    """Fold outpatient claims of the ``days`` before an admission at the same institution
    into it; the folded claims keep a row with ``merged_into`` set and zero amounts."""
    claims = claims.with_columns(pl.lit(None, pl.String).alias("merged_into"))
    if days <= 0 or claims.get_column("institution").null_count() == claims.height:
        return claims
    outpatient = claims.filter(
        (pl.col("kind") == "outpatient") & pl.col("institution").is_not_null()
    ).sort("date")
    admissions = (
        claims.filter((pl.col("kind") == "inpatient") & pl.col("institution").is_not_null())
        .select(
            "person_id",
            "institution",
            pl.col("date").alias("adm_date"),
            pl.col("claim_no").alias("adm_no"),
        )
        .sort("adm_date")
    )
    links = (
        outpatient.join_asof(
            admissions,
            left_on="date",
            right_on="adm_date",
            by=["person_id", "institution"],
            strategy="forward",
            tolerance=f"{days}d",
        )
        .filter(pl.col("adm_no").is_not_null())
        .select("claim_no", "adm_no", *AMOUNTS)
    )
    if links.is_empty():
        return claims
    added = links.group_by("adm_no").agg(pl.col(c).sum().alias(f"add_{c}") for c in AMOUNTS)
    merged = links.select("claim_no", pl.col("adm_no").alias("merged_into_new"))
    return (
        claims.join(added, left_on="claim_no", right_on="adm_no", how="left")
        .join(merged, on="claim_no", how="left")
        .with_columns(
            [
                pl.when(pl.col("merged_into_new").is_not_null())
                .then(0)
                .otherwise(pl.col(c) + pl.col(f"add_{c}").fill_null(0))
                .alias(c)
                for c in AMOUNTS
            ]
            + [pl.col("merged_into_new").alias("merged_into")]
        )
        .drop([f"add_{c}" for c in AMOUNTS] + ["merged_into_new"])
    )


class HouseholdConflict(ValueError):
    """Claims of one person name two (or more) households: the household pools would split."""

    def __init__(self, errors: list[ClaimFileError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors[:5]))


SPLIT_PERSON = N_(
    "person %(person)s is in households %(households)s; a person's claims must all name one "
    "household"
)


def conflicts(rows: pl.DataFrame) -> list[ClaimFileError]:
    """Claims (``_line``, ``person_id``, ``household_id``) of persons in two households or
    more: one problem per person, on the person's first line, naming the households."""
    persons = (
        rows.sort("_line")
        .group_by("person_id", maintain_order=True)
        .agg(
            pl.col("_line").first(),
            pl.col("household_id").unique(maintain_order=True).alias("hh"),
        )
    )
    return [
        ClaimFileError(
            int(row["_line"]),
            "household_id",
            SPLIT_PERSON,
            {"person": row["person_id"], "households": ", ".join(row["hh"])},
        )
        for row in persons.iter_rows(named=True)
    ]


def _first_rows(ids: np.ndarray, n: int) -> np.ndarray:
    """The row of each id's first appearance (ids numbered 0 .. n-1)."""
    first = np.empty(n, np.int64)
    first[ids[::-1]] = np.arange(ids.size - 1, -1, -1)  # the last write, the first row, wins
    return first


def _keys(claims: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Dense integer ids of persons and households, from 64-bit hashes (``engine.keys``);
    exact (proved by a second hash, else computed by ranking the strings); a person whose
    claims name two households is a ``HouseholdConflict``."""
    h = claims.select(
        pl.col("person_id").hash(seed=0).alias("p"),
        pl.col("person_id").hash(seed=1).alias("p2"),
        pl.col("household_id").hash(seed=0).alias("h"),
        pl.col("household_id").hash(seed=1).alias("h2"),
    )
    pid, n_p = dense_ids(h.get_column("p").to_numpy())
    # A household first appears on the first claim of one of its persons: number the
    # households over each person's first claim only (a fraction of the rows) and give every
    # claim its person's. A claim naming another household than its person's first one then
    # fails the second hash's check below and is found by the exact path.
    first = _first_rows(pid, n_p)
    hid_of_person, n_h = dense_ids(h.get_column("h").to_numpy()[first])
    hid = hid_of_person[pid]
    # exact when every claim's second hashes are those of its person's first claim and of
    # its household's (the first claim of the household's first person): gathered from
    # arrays of one value per person or household, small enough to stay in the cache
    p2, h2 = h.get_column("p2").to_numpy(), h.get_column("h2").to_numpy()
    household_first = first[_first_rows(hid_of_person, n_h)]
    exact = bool(np.all(p2 == p2[first][pid]) and np.all(h2 == h2[household_first][hid]))
    split = np.zeros(n_p, np.bool_)  # a person in two households is not exact: found below
    if not exact:  # two ids share a 64-bit hash: rank the strings instead (slower, exact)
        ranks = claims.select(
            pl.col("person_id").rank("dense").cast(pl.Int64) - 1,
            pl.col("household_id").rank("dense").cast(pl.Int64) - 1,
        )
        pid, hid = (ranks.to_series(i).to_numpy() for i in (0, 1))
        n_p = int(pid.max()) + 1 if pid.size else 0
        n_h = int(hid.max()) + 1 if hid.size else 0
        exact, split = check_keys(pid, n_p, pid, hid, n_h, hid)
    if split.any():
        raise HouseholdConflict(conflicts(claims.filter(pl.Series(split[pid]))))
    return pid, hid


def engine_input(cf: ClaimFile, cp: CompiledPolicy) -> pl.DataFrame:
    """The claims as the batch engine's input table (plus the file's own columns).

    Persons and households get dense integer keys (``person_key``, ``household_key``) in
    order of first appearance; a person whose claims name two households is rejected with
    a ``HouseholdConflict`` naming the lines.
    """
    claims = with_line_amounts(cf.claims, cf.lines, "claim_no")
    claims = merge_pre_admission(claims, cp.policy.claims.pre_admission_days)
    # the keys (hashing and numbering ids; both release the GIL) in a thread while the
    # fixed fees, statuses and diseases are found here: two cores busy, not one. Fixed fees
    # change amounts only, so the keys of the claims before them are the keys after.
    with ThreadPoolExecutor(1, thread_name_prefix="claim-keys") as pool:
        keys = pool.submit(_keys, claims)
        claims = with_fixed_fees(claims, cp.policy.region)
        facts = (listed_status_masks(claims), disease_masks(claims, group_prefixes(cp.policy)))
        pid, hid = keys.result()
    return claims.with_columns(
        pl.Series("person_key", pid),
        pl.Series("household_key", hid),
        YEAR,
        *facts,
    )


def to_batch(prepared: pl.DataFrame) -> pl.DataFrame:
    """The prepared table as the engine's columns, its integer keys as the ids."""
    return batch_columns(prepared, person="person_key", household="household_key")
