"""The monitoring workflow of a warning: township visit → hand-over → measures → monthly
follow-up → closed after N months below the lines; each step an event, each change audited.

Steps and the states they move a warning between:

=================== ============================== ==========================
step                from                           to
=================== ============================== ==========================
``visit_confirmed`` open                           verified
``visit_dismissed`` open                           dismissed
``hand_over``       verified                       handed_over
``measure``         handed_over, measures          measures
``follow_up_below`` measures                       measures
``follow_up_above`` measures                       measures
``close``           measures (N months below)      closed
=================== ============================== ==========================

A warning's next step is due: the visit by ``verify_due_on``; the hand-over within the same
number of days after the visit; the first measure within those days after the hand-over; a
follow-up every ``follow_up_every_days`` after the last measure or follow-up.
:func:`progress` computes the next step, its due date and whether it is overdue for every
warning at once.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import WarningState
from safetynet.early_warning.rules import Workflow
from safetynet.security.audit import record as audit
from safetynet.store.models import EarlyWarning, WarningEvent

W = WarningState
MEASURE_KINDS = ("re_assistance", "medical_assistance", "three_batches", "status_change")
MOVES: dict[str, tuple[tuple[WarningState, ...], WarningState]] = {
    "visit_confirmed": ((W.OPEN,), W.VERIFIED),
    "visit_dismissed": ((W.OPEN,), W.DISMISSED),
    "hand_over": ((W.VERIFIED,), W.HANDED_OVER),
    "measure": ((W.HANDED_OVER, W.MEASURES), W.MEASURES),
    "follow_up_below": ((W.MEASURES,), W.MEASURES),
    "follow_up_above": ((W.MEASURES,), W.MEASURES),
    "close": ((W.MEASURES,), W.CLOSED),
}
NEXT_STEP = {
    W.OPEN.value: "visit",
    W.VERIFIED.value: "hand_over",
    W.HANDED_OVER.value: "measure",
    W.MEASURES.value: "follow_up",
}


class WorkflowError(ValueError):
    """A step that cannot be recorded; ``code`` names why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def months_below(events: list[tuple[str, date]], on: date) -> int:
    """Consecutive calendar months, ending with ``on``'s month or the one before, whose
    follow-ups all found the household below the lines (a month with none breaks the run)."""
    by_month: dict[tuple[int, int], bool] = {}
    for step, day in events:
        if step.startswith("follow_up_"):
            key = (day.year, day.month)
            by_month[key] = by_month.get(key, True) and step == "follow_up_below"
    year, month = on.year, on.month
    if (year, month) not in by_month:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    run = 0
    while by_month.get((year, month)):
        run += 1
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return run


def record_step(
    session: Session,
    warning_id: int,
    step: str,
    on: date,
    *,
    user: str,
    workflow: Workflow,
    note: str | None = None,
    measure: str | None = None,
    amount_fen: int | None = None,
) -> EarlyWarning:
    """Record one step (and its audit entry) in the session's transaction."""
    if step not in MOVES:
        raise WorkflowError("step.unknown", f"unknown step {step!r}")
    warning = session.get(EarlyWarning, warning_id, with_for_update=True)
    if warning is None:
        raise WorkflowError("warning.unknown", f"no warning {warning_id}")
    allowed, to = MOVES[step]
    if warning.state not in allowed:
        raise WorkflowError(
            "step.out_of_order", f"{step} cannot follow state {warning.state.value}"
        )
    if on < warning.detected_on:
        raise WorkflowError("step.before_detection", "a step cannot come before the warning")
    if step == "measure" and measure not in MEASURE_KINDS:
        raise WorkflowError("measure.unknown", f"a measure is one of {', '.join(MEASURE_KINDS)}")
    if step == "close":
        done = session.execute(
            select(WarningEvent.step, WarningEvent.done_on).where(
                WarningEvent.warning_id == warning_id
            )
        ).all()
        run = months_below([(s, d) for s, d in done], on)
        if run < workflow.close_after_months:
            raise WorkflowError(
                "close.too_early",
                f"{run} month(s) below the lines; {workflow.close_after_months} needed",
            )
    label = f"measure:{measure}" if step == "measure" else step
    session.add(
        WarningEvent(warning_id=warning_id, step=label, done_on=on, amount_fen=amount_fen,
                     note=note, recorded_by=user)
    )  # fmt: skip
    warning.state = to
    audit(session, username=user, action=f"warning.{step}", target="early_warning",
          target_id=str(warning_id), detail={"on": on.isoformat(), "measure": measure})  # fmt: skip
    session.flush()
    return warning


def progress(
    warnings: pl.DataFrame, events: pl.DataFrame, workflow: Workflow, today: date
) -> pl.DataFrame:
    """Each warning's ``next_step``, ``due_on`` and ``overdue`` (vectorised).

    ``warnings`` has ``id``, ``state``, ``verify_due_on``; ``events`` has ``warning_id``,
    ``step`` and ``done_on``.
    """
    days = timedelta(days=workflow.verify_within_days)
    every = timedelta(days=workflow.follow_up_every_days)
    last = events.group_by("warning_id").agg(
        pl.col("done_on").filter(pl.col("step").str.starts_with("visit_")).max().alias("visited"),
        pl.col("done_on").filter(pl.col("step") == "hand_over").max().alias("handed"),
        pl.col("done_on")
        .filter(
            pl.col("step").str.starts_with("measure") | pl.col("step").str.starts_with("follow")
        )
        .max()
        .alias("followed"),
    )
    state = pl.col("state")
    out = warnings.join(last, left_on="id", right_on="warning_id", how="left").with_columns(
        state.replace_strict(NEXT_STEP, default=None).alias("next_step"),
        pl.when(state == W.OPEN.value)
        .then(pl.col("verify_due_on"))
        .when(state == W.VERIFIED.value)
        .then(pl.col("visited") + days)
        .when(state == W.HANDED_OVER.value)
        .then(pl.col("handed") + days)
        .when(state == W.MEASURES.value)
        .then(pl.col("followed") + every)
        .alias("due_on"),
    )
    return out.with_columns(
        (pl.col("due_on").is_not_null() & (pl.col("due_on") < today)).alias("overdue")
    ).drop("visited", "handed", "followed")
