"""One recorded warning per ladder: the tiers of one warning (rules naming the same ``ladder``,
:mod:`safetynet.early_warning.rules`) are recorded once per household (or person) and year.

The evaluation gives a household only its most severe tier of the year; recording keeps it so
over the year's checks: a hit of a higher tier than the one recorded raises the recorded
warning to it (its rule, level, figures and, at the window, the settlement that raised it;
its detection date, deadlines and workflow stay — unless the warning was closed or
dismissed: the higher tier is a new risk, so the warning opens again, detected on the hit's
day and due for a visit), and a hit at or below the recorded tier adds nothing. A household
whose spending passes half of its income in March and its income in July has one warning,
severe, as the year's batch run in December finds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from safetynet.codes import WarningState
from safetynet.early_warning.rules import LEVEL_RANK, RuleSet
from safetynet.store.models import EarlyWarning

Tiers = dict[str, tuple[str, int]]  # rule id -> (its ladder, its level's rank)
Raised = list[tuple[int, dict[str, Any]]]  # (recorded warning id, the higher hit)


def tiered(rules: RuleSet) -> Tiers:
    """The rules of ladders of two tiers or more, with their ladder and rank."""
    ladders = rules.ladders()
    many = {ladder for ladder in ladders.values() if list(ladders.values()).count(ladder) > 1}
    return {r.id: (r.tier_of, LEVEL_RANK[r.level]) for r in rules.rules if r.tier_of in many}


def sort_hits(
    session: Session, year: int, rules: RuleSet, hits: Sequence[dict[str, Any]]
) -> tuple[list[dict[str, Any]], Raised]:
    """``hits`` not recorded under their own rule, sorted: those to insert (no tier of their
    ladder recorded for the household or person, or a rule of no ladder) and those that raise
    a recorded lower tier; a hit at or below the recorded tier is left out."""
    tiers = tiered(rules)
    mine = [h for h in hits if h["rule_id"] in tiers]
    if not mine:
        return list(hits), []
    W = EarlyWarning
    recorded = session.execute(
        select(W.id, W.rule_id, W.household_id, W.person_id).where(
            W.year == year,
            W.household_id.in_(sorted({h["household_id"] for h in mine})),
            W.rule_id.in_(sorted(tiers)),
        )
    )
    at: dict[tuple[Any, ...], tuple[int, int]] = {}  # (ladder, household, person) -> rank, id
    for wid, rule_id, household, person in recorded:
        ladder, rank = tiers[rule_id]
        key = (ladder, household, person)
        if key not in at or at[key][0] < rank:
            at[key] = (rank, wid)
    insert: list[dict[str, Any]] = []
    raised: Raised = []
    for h in hits:
        tier = tiers.get(h["rule_id"])
        found = None if tier is None else at.get((tier[0], h["household_id"], h["person_id"]))
        if found is None:
            insert.append(h)
        elif found[0] < tier[1]:  # type: ignore[index]
            raised.append((found[1], h))
    return insert, raised


ENDED = (WarningState.CLOSED.value, WarningState.DISMISSED.value)


def raise_tiers(
    session: Session, raised: Raised, facts: Iterable[str], *, verify_within: timedelta
) -> None:
    """Raise each recorded warning to its higher hit (and to the hit's ``settlement_id``, the
    settlement that raised it, when it has one: the year's batch keeps the recorded one). A
    warning closed or dismissed meanwhile opens again on the hit's ``detected_on``, due for a
    visit ``verify_within`` later."""
    columns = list(facts)
    W = EarlyWarning
    for wid, h in raised:
        on: date = h["detected_on"]
        session.execute(
            update(W).where(W.id == wid, W.state.in_(ENDED))
            .values(state=WarningState.OPEN.value, detected_on=on, verify_due_on=on + verify_within)
        )  # fmt: skip
    for wid, h in raised:
        values: dict[str, Any] = {
            "rule_id": h["rule_id"], "level": h["level"], "measure": h["measure"],
            "threshold": h["threshold"], "unit": h["unit"],
            "facts": {c: h[c] for c in columns},
        }  # fmt: skip
        if h.get("settlement_id") is not None:
            values["settlement_id"] = h["settlement_id"]
        session.execute(update(EarlyWarning).where(EarlyWarning.id == wid).values(values))
