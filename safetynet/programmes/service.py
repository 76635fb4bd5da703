"""What the interfaces call for the programme's figures: the frames of a region's year read
from the database and the indicators computed over them."""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy.orm import Session

from safetynet.programmes import load
from safetynet.programmes.pathways import evaluate
from safetynet.programmes.rates import Frames, compute, periods
from safetynet.programmes.rules import rules_for
from safetynet.regions import descendants


def frames(session: Session, year: int, region_code: str, *, by_month: bool = False) -> Frames:
    """The region's persons, patients, claims, contracts and services of ``year``; the target
    population of the year, or of each month (``by_month``)."""
    rules = rules_for(region_code, dt.date(year, 12, 31))
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    inside = descendants(session, region_code)
    persons = load.persons(session).filter(pl.col("region_code").is_in(inside))
    ids = persons["person_id"].implode()
    targets = load.targets_by_period(session, rules.contracts.target_statuses,
                                     periods(year, by_month))  # fmt: skip
    contracts = load.contracts(session, start, end).filter(pl.col("person_id").is_in(ids))
    # a contract's services from its first day: the k-th done fills its k-th slot, so one
    # begun before the year (a term of two or three years) needs all of them
    since = min([start, *contracts["valid_from"].to_list()])
    return Frames(
        persons=persons.select("person_id", "region_code", "deceased_on"),
        villages=load.villages(session),
        targets=targets.filter(pl.col("person_id").is_in(ids)),
        patients=load.patients(session, year).filter(pl.col("person_id").is_in(ids)),
        claims=load.claims_of_year(session, year).filter(pl.col("person_id").is_in(ids)),
        contracts=contracts,
        services=load.follow_ups(session, since, end + dt.timedelta(days=366)).filter(
            pl.col("contract_id").is_in(contracts["id"].implode())),
    )  # fmt: skip


def rates(session: Session, year: int, region_code: str, *, level: str = "county",
          by_month: bool = False) -> pl.DataFrame:  # fmt: skip
    """The programme's indicators of the region's year (see :func:`rates.compute`)."""
    rules = rules_for(region_code, dt.date(year, 12, 31))
    return compute(rules, frames(session, year, region_code, by_month=by_month), year,
                   level=level, by_month=by_month)  # fmt: skip


def pathway_admissions(session: Session, year: int, region_code: str, *,
                       patients_only: bool = True) -> pl.DataFrame:  # fmt: skip
    """The region's admissions of ``year`` that entered a clinical pathway, with their facts
    and deviations (:func:`safetynet.programmes.pathways.evaluate`) and ``claim_no`` and
    ``institution_code``; ``patients_only``: only those of persons verified in a batch of the
    year's programme."""
    rules = rules_for(region_code, dt.date(year, 12, 31))
    f = frames(session, year, region_code)
    found = evaluate(rules, f.claims).join(
        f.claims.select("claim_id", "claim_no", "institution_code"), on="claim_id"
    )
    if patients_only:
        verified = f.patients.filter(pl.col("verified_on").is_not_null())["person_id"]
        found = found.filter(pl.col("person_id").is_in(verified.unique().implode()))
    return found.sort("start_date", "claim_no")
