"""Generate a whole synthetic county (``generate``) and write it as Parquet files.

Besides the registry tables, ``claims.parquet`` is a claim file in the format of
docs/formats.md (amounts in fen, the patient's statuses on the date), so
``safetynet settle`` and ``safetynet simulate`` read it as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import polars as pl

from safetynet.engine.facts import statuses_of
from safetynet.policy.contribution import ContributionPolicy, load_contribution_policy
from safetynet.registry.age import age_expr
from safetynet.registry.status import status_masks_at
from safetynet.synth import claims as claim_gen
from safetynet.synth.calibration import ANHUI_2017, Profile
from safetynet.synth.institutions import institutions as institution_frame
from safetynet.synth.population import generate_population
from safetynet.synth.supervision import add_supervision_fields

DEFAULT_COUNTY = "341821"  # 郎溪县, Anhui: the shipped policies' county
DEFAULT_CONTRIBUTIONS = {"34": "anhui-2017"}

Progress = Callable[[str], None]


@dataclass
class County:
    """Every table of a generated county as Polars frames (the database's column names)."""

    regions: pl.DataFrame
    households: pl.DataFrame
    persons: pl.DataFrame
    poverty_status: pl.DataFrame
    institutions: pl.DataFrame
    enrollment: pl.DataFrame
    claims: pl.DataFrame
    claim_items: pl.DataFrame
    chronic_patients: pl.DataFrame

    def sizes(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name).height for f in fields(self)}


def contribution_policy_for(county: str, year: int) -> ContributionPolicy:
    name = DEFAULT_CONTRIBUTIONS.get(county[:2])
    if name is None:
        raise ValueError(f"no shipped contribution policy for region {county}; pass one")
    policy = load_contribution_policy(name)
    if policy.year != year:
        raise ValueError(f"the contribution policy {policy.id} is for {policy.year}, not {year}")
    return policy


def generate(
    persons: int,
    *,
    seed: int = 1,
    year: int = 2017,
    county: str = DEFAULT_COUNTY,
    contributions: ContributionPolicy | None = None,
    profile: Profile = ANHUI_2017,
    progress: Progress | None = None,
) -> County:
    """A county of ``persons`` people with a year of claims; the same seed, the same county.

    ``profile`` sets utilisation and costs: ``ANHUI_2017`` (the default) those the county's
    2017 contributions and policy were set for, ``SEED_001`` the published figures of a
    district in the 2000s (:mod:`safetynet.synth.calibration`).
    """
    if persons < 10:
        raise ValueError("a synthetic county needs at least 10 persons")
    rng = np.random.default_rng(seed)
    policy = contributions or contribution_policy_for(county, year)
    step = progress or (lambda _: None)
    step("population")
    pop = generate_population(rng, county, persons, year)
    step("institutions")
    inst = institution_frame(pop.regions, year)
    step("enrollment")
    enrolled = claim_gen.enrollment(rng, pop.persons, pop.statuses, year, policy)
    step("claims")
    claims, lines, patients = claim_gen.claims(rng, pop.persons, enrolled, inst, year, profile)
    claims, lines = add_supervision_fields(seed, claims, lines, pop.persons)
    return County(
        regions=pop.regions,
        households=pop.households,
        persons=pop.persons,
        poverty_status=pop.statuses,
        institutions=inst,
        enrollment=enrolled,
        claims=claims,
        claim_items=lines,
        chronic_patients=patients,
    )


def claim_file(county: County) -> pl.DataFrame:
    """The claims as a settle/simulate claim file: totals in fen, statuses on the date."""
    c = county.claims
    masks = status_masks_at(
        county.poverty_status,
        c.select("person_id", "household_id", pl.col("start_date").alias("date")),
    )
    names = {m: sorted(s.value for s in statuses_of(m) if s.value != "ordinary")
             for m in masks.unique().to_list()}  # fmt: skip
    ids = county.persons.select(pl.col("id").alias("person_id"), "resident_id", "birth_date")
    out = c.join(ids, on="person_id", how="left", maintain_order="left").with_columns(
        masks.replace_strict(names, return_dtype=pl.List(pl.String)).alias("statuses")
    )
    day = pl.col("start_date")
    age = age_expr("birth_date", "start_date")
    return out.select(
        "claim_no",
        pl.col("resident_id").alias("person_id"),
        pl.col("household_id").cast(pl.String),
        day.cast(pl.String).alias("date"),
        "kind",
        "level",
        "in_county",
        "referral",
        "statuses",
        age.cast(pl.Int32).alias("age"),
        pl.col("diagnosis_code").alias("diagnosis"),
        pl.col("institution_code").alias("institution"),
        pl.col("doctor_code").alias("doctor"),
        pl.when(pl.col("kind") == "inpatient").then(day.cast(pl.String)).alias("admitted"),
        pl.when(pl.col("kind") == "inpatient")
        .then(pl.col("end_date").cast(pl.String))
        .alias("discharged"),
        "total_fen",
        "compliant_fen",
        "essential_fen",
        "deducted_fen",
    )


def write_parquet(county: County, directory: str | Path) -> list[Path]:
    """One Parquet file per table, plus ``claims.parquet`` as a claim file."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for f in fields(county):
        path = out / f"{f.name}.parquet"
        getattr(county, f.name).write_parquet(path)
        written.append(path)
    path = out / "claims_settle.parquet"
    claim_file(county).write_parquet(path)
    written.append(path)
    return written
