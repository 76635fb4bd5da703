"""What interfaces call for supervision: a region's year screened and scored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.money import to_fen
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.models import Claim, ClaimItem, Institution, Person
from safetynet.supervision.frames import ScreenInput
from safetynet.supervision.load import frames_from_tables, in_year, load_catchment, load_year
from safetynet.supervision.rules import DEFAULT_RULES, load_rules
from safetynet.supervision.schema import RuleSet
from safetynet.supervision.scores import scorecard
from safetynet.supervision.screen import HIT_SCHEMA, screen, screen_claim


@dataclass(frozen=True)
class YearScores:
    rules: RuleSet
    claims: int
    hits: pl.DataFrame
    card: pl.DataFrame


def year_scores(session: Session, region: str, year: int, rules: str = DEFAULT_RULES) -> YearScores:
    """Screen the region's claims of ``year`` and score its institutions and doctors."""
    ruleset = load_rules(rules)
    conn = session.connection()
    data = load_year(conn, region, year)
    enrolled = load_catchment(conn, region, year)
    hits = in_year(screen(ruleset, data, check=False), year)
    own = ScreenInput(data.claims.filter(pl.col("date").dt.year() == year), data.lines,
                      data.persons)  # fmt: skip
    return YearScores(ruleset, own.claims.height, hits, scorecard(own, hits, enrolled))


WINDOW_LOOKBACK_DAYS = 62  # split admissions (15 days), a month of drug purchases, overlaps


def submission_hits(
    session: Session, submission: ClaimSubmission, rules: str = DEFAULT_RULES
) -> pl.DataFrame:
    """The screening hits of a claim submitted at the window or through the API, screened
    with the person's claims of the last ``WINDOW_LOOKBACK_DAYS`` from the database.

    Meant as the one call the settlement service makes before preview and submit: a hit of
    severity ``block`` refuses the claim (:func:`blocking`), ``warn`` hits go with it.
    """
    ruleset = load_rules(rules)
    person = session.scalar(select(Person).where(Person.resident_id == submission.resident_id))
    institution = session.get(Institution, submission.institution_code)
    if person is None or institution is None:
        return pl.DataFrame(schema=HIT_SCHEMA)
    since = submission.date - timedelta(days=WINDOW_LOOKBACK_DAYS)
    rows = session.execute(
        select(Claim.id, Claim.claim_no, Claim.kind, Institution.level, Claim.institution_code,
               Claim.start_date, Claim.end_date, Claim.diagnosis_code, Claim.total_fen,
               Claim.doctor_code)
        .join(Institution, Institution.code == Claim.institution_code)
        .where(Claim.person_id == person.id, Claim.start_date >= since)
    ).all()  # fmt: skip
    claim_no = submission.claim_no or "(submitted)"
    new_id = -1
    claims = pl.DataFrame(
        [
            (r[0], r[1], str(getattr(r[2], "value", r[2])), str(getattr(r[3], "value", r[3])),
             r[4], r[5], r[6], r[7], r[8], r[9])
            for r in rows
        ]
        + [(new_id, claim_no, submission.kind.value, institution.level.value,
            submission.institution_code, submission.date,
            submission.discharge_date or submission.date, submission.diagnosis,
            sum(to_fen(i.amount) for i in submission.items), None)],
        schema={"id": pl.Int64, "claim_no": pl.String, "kind": pl.String, "level": pl.String,
                "institution_code": pl.String, "start_date": pl.Date, "end_date": pl.Date,
                "diagnosis_code": pl.String, "total_fen": pl.Int64, "doctor_code": pl.String},
        orient="row",
    ).with_columns(pl.lit(person.id).alias("person_id"), pl.lit(person.birth_date).alias(
        "birth_date"))  # fmt: skip
    ids = [r[0] for r in rows]
    items = session.execute(
        select(ClaimItem.claim_id, ClaimItem.item_code, ClaimItem.quantity,
               ClaimItem.amount_fen, ClaimItem.service_date)
        .where(ClaimItem.claim_id.in_(ids))
    ).all() if ids else []  # fmt: skip
    lines = pl.DataFrame(
        [tuple(r) for r in items]
        + [(new_id, i.code, i.quantity, to_fen(i.amount), None) for i in submission.items],
        schema={"claim_id": pl.Int64, "item_code": pl.String, "quantity": pl.Int64,
                "amount_fen": pl.Int64, "service_date": pl.Date},
        orient="row",
    )  # fmt: skip
    persons = pl.DataFrame(
        {"id": [person.id], "sex": [str(getattr(person.sex, "value", person.sex))],
         "deceased_on": [person.deceased_on], "region_code": [person.region_code]},
        schema={"id": pl.Int64, "sex": pl.String, "deceased_on": pl.Date,
                "region_code": pl.String},
    )  # fmt: skip
    history = frames_from_tables(claims, lines, persons)
    return screen_claim(ruleset, history, claim_no)


def blocking(hits: pl.DataFrame) -> pl.DataFrame:
    """The hits that refuse the claim (severity ``block``)."""
    return hits.filter(pl.col("severity") == "block")
