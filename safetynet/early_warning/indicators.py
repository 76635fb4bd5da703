"""The early-warning indicators of a region's year, each with its written definition.

Pure Polars over the recorded warnings, their workflow events, the year's ledger and the
households' members (:func:`compute`); :func:`load` reads those from the database. Each
figure's written definition (English and Chinese) is in the indicator catalog
(``safetynet/indicators/definitions.yaml``, section ``early_warning``); ``safetynet warnings
indicators`` prints the figures beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from safetynet.early_warning.evaluate import LATEST_HOUSEHOLD, _claims, promise_broken
from safetynet.early_warning.load import load_ledger, region_households
from safetynet.early_warning.reassist import window_paid
from safetynet.early_warning.rules import PoorPromise, RuleSet
from safetynet.engine.facts import status_mask
from safetynet.security.scope import within
from safetynet.store.models import (
    EarlyWarning,
    Household,
    Person,
    ReassistancePayment,
    ReassistanceRound,
    WarningEvent,
)

# figure id -> what it is also given for (None: one figure); each has one written
# definition in the ``early_warning`` section of safetynet/indicators/definitions.yaml
COMPUTED: dict[str, str | None] = {
    "monitored_persons": None,
    "new_warnings": "month",
    "verified_on_time": None,
    "handed_over": None,
    "days_to_first_measure": None,
    "reassistance_vs_budget": None,
    "poor_out_of_pocket_per_patient": None,
    "poor_reimbursed_share": None,
    "poor_promise_broken": None,
}


@dataclass(frozen=True)
class Figure:
    id: str
    value: float | int | None
    numerator: int | None = None
    denominator: int | None = None
    line: int | None = None  # the rule's line it is compared with (fen or basis points)


def compute(
    rules: RuleSet,
    warnings: pl.DataFrame,
    events: pl.DataFrame,
    ledger: pl.DataFrame,
    members: pl.DataFrame,
    rounds_fen: int = 0,
    *,
    today: date,
) -> dict[str, Figure | list[Figure]]:
    """The figures. ``warnings``: id, person_id, household_id, state, detected_on,
    verify_due_on; ``events``: warning_id, step, done_on, amount_fen; ``members``:
    household_id, person_id; ``rounds_fen``: what paid re-assistance rounds of the year paid
    the region's households."""
    live = warnings.filter(~pl.col("state").is_in(["closed", "dismissed"]))
    named = live.filter(pl.col("person_id").is_not_null()).select("person_id")
    households = live.filter(pl.col("person_id").is_null()).select("household_id").unique()
    monitored = pl.concat([named, members.join(households, on="household_id").select("person_id")])
    per_month = (
        warnings.group_by(pl.col("detected_on").dt.month().alias("month"))
        .agg(pl.len().alias("n"))
        .sort("month")
    )
    visits = (
        events.filter(pl.col("step").str.starts_with("visit_"))
        .group_by("warning_id")
        .agg(pl.col("done_on").min().alias("visited"))
    )
    due = warnings.join(visits, left_on="id", right_on="warning_id", how="left").filter(
        pl.col("visited").is_not_null() | (pl.col("verify_due_on") < today)
    )
    on_time = due.filter(pl.col("visited") <= pl.col("verify_due_on")).height
    confirmed = events.filter(pl.col("step") == "visit_confirmed")["warning_id"].n_unique()
    handed = events.filter(pl.col("step") == "hand_over")["warning_id"].n_unique()
    first = (
        events.filter(pl.col("step").str.starts_with("measure"))
        .group_by("warning_id")
        .agg(pl.col("done_on").min().alias("first"))
        .join(warnings.select("id", "detected_on"), left_on="warning_id", right_on="id")
        .select((pl.col("first") - pl.col("detected_on")).dt.total_days().alias("days"))
    )
    # paid at the window (the settlement layer) and by rounds, from the same pot; a
    # re-assistance measure's amount records a payment already counted in one of them
    paid = window_paid(ledger) + rounds_fen
    budget = rules.re_assistance.budget if rules.re_assistance else None
    out: dict[str, Figure | list[Figure]] = {
        "monitored_persons": Figure("monitored_persons", monitored.n_unique()),
        "new_warnings": [
            Figure("new_warnings", int(n), line=int(m)) for m, n in per_month.iter_rows()
        ],
        "verified_on_time": Figure(
            "verified_on_time", on_time / due.height if due.height else None, on_time, due.height
        ),
        "handed_over": Figure(
            "handed_over", handed / confirmed if confirmed else None, handed, confirmed
        ),
        "days_to_first_measure": Figure(
            "days_to_first_measure",
            first["days"].median() if first.height else None,
            denominator=first.height,
        ),
        "reassistance_vs_budget": Figure(
            "reassistance_vs_budget", paid / budget if budget else None, paid, budget
        ),
    }
    promise = next((r for r in rules.rules if isinstance(r, PoorPromise)), None)
    if promise is not None:
        mask = status_mask(set(promise.statuses))
        poor = (
            _claims(ledger.lazy())
            .filter(
                (pl.col("status_mask") & mask != 0)
                & pl.col("kind").is_in([k.value for k in promise.kinds])
            )
            .group_by("person_id")
            .agg(pl.col("out_of_pocket_fen", "total_fen", "paid_fen").sum())
            .collect()
        )
        n = poor.height
        oop, total, paid_poor = (int(poor[c].sum() or 0) for c in
                                 ("out_of_pocket_fen", "total_fen", "paid_fen"))  # fmt: skip
        broken = poor.filter(promise_broken(promise)).height  # as the warning rule tests it
        out["poor_out_of_pocket"] = [
            Figure("poor_out_of_pocket_per_patient", oop / n if n else None, oop, n,
                   promise.out_of_pocket_line),
            Figure("poor_reimbursed_share", paid_poor / total if total else None, paid_poor,
                   total, promise.reimbursed_at_least),
            Figure("poor_promise_broken", broken, broken, n),
        ]  # fmt: skip
    return out


def rounds_paid(session: Session, year: int, region_code: str | None = None) -> int:
    """What the paid re-assistance rounds of ``year`` paid the region's households (fen)."""
    P, R = ReassistancePayment, ReassistanceRound
    q = (
        select(func.coalesce(func.sum(P.amount_fen), 0))
        .join(R, R.id == P.round_id)
        .where(R.year == year, R.state == "paid")
    )
    if region_code:
        q = q.join(Household, Household.id == P.household_id).where(
            within(Household.region_code, region_code)
        )
    return int(session.scalar(q) or 0)


def load(
    session: Session, year: int, region_code: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame, int]:
    """(warnings, events, ledger, members, paid by rounds) of the region's year."""
    W, E = EarlyWarning, WarningEvent
    scope = within(W.region_code, region_code) if region_code else W.year == year
    warnings = pl.DataFrame(
        [tuple(r) for r in session.execute(
            select(W.id, W.person_id, W.household_id, type_coerce(W.state, String),
                   W.detected_on, W.verify_due_on).where(W.year == year, scope)
        ).all()],
        schema={"id": pl.Int64, "person_id": pl.Int64, "household_id": pl.Int64,
                "state": pl.String, "detected_on": pl.Date, "verify_due_on": pl.Date},
        orient="row",
    )  # fmt: skip
    events = pl.DataFrame(
        [tuple(r) for r in session.execute(
            select(E.warning_id, E.step, E.done_on, E.amount_fen)
            .join(W, W.id == E.warning_id).where(W.year == year, scope)
        ).all()],
        schema={"warning_id": pl.Int64, "step": pl.String, "done_on": pl.Date,
                "amount_fen": pl.Int64},
        orient="row",
    )  # fmt: skip
    ids = warnings["household_id"].unique().to_list()
    members = pl.DataFrame(
        [tuple(r) for r in session.execute(
            select(Person.household_id, Person.id).where(Person.household_id.in_(ids))
        ).all()] if ids else [],
        schema={"household_id": pl.Int64, "person_id": pl.Int64},
        orient="row",
    )  # fmt: skip
    return (
        warnings,
        events,
        ledger_of(session, year, region_code),
        members,
        rounds_paid(session, year, region_code),
    )


def ledger_of(session: Session, year: int, region_code: str | None) -> pl.DataFrame:
    """The year's entries of the persons a region counts: each person's whole year, in the
    region of the household of their latest entry (by date, then claim), as a warning and a
    round name it — a person who moved between townships counts once, not in the region
    they live in now with the household they left elsewhere."""
    conn = session.connection()
    if not region_code:
        return load_ledger(conn, year)
    ledger = load_ledger(conn, year, region_code, by_household=True)
    homes = region_households(conn, region_code)
    latest = ledger.group_by("person_id").agg(LATEST_HOUSEHOLD.alias("_home"))
    ours = latest.filter(pl.col("_home").is_in(homes))["person_id"]
    return ledger.filter(pl.col("person_id").is_in(ours.implode()))
