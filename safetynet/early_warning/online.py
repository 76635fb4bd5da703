"""The early-warning check after every settlement: a settlement after step
(:mod:`safetynet.settlement.hooks`), so a warning a claim raises is recorded in the claim's
transaction and the window's slip shows it at once.

Set-based per batch: the households of the entries just written are evaluated together over
their year — the same :func:`~safetynet.early_warning.evaluate.evaluate` as the year's batch,
on those households' rows only, so online and batch agree by construction — with a handful
of queries for the whole batch, whatever its size. Each new warning names the settlement
that raised it (the household's last entry of the batch) and is detected on its claim date.

``SAFETYNET_EARLY_WARNING_ONLINE`` (default true) turns the step off; the year's batch
(``safetynet warnings evaluate``) then finds the same warnings later.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.config import get_settings
from safetynet.early_warning.evaluate import WARNING_SCHEMA, evaluate
from safetynet.early_warning.load import load_households, load_ledger
from safetynet.early_warning.rules import RuleSet, rules_for
from safetynet.early_warning.service import record
from safetynet.store.models import Settlement

SETTING = "SAFETYNET_EARLY_WARNING_ONLINE"


def enabled() -> bool:
    """Whether the check runs after every settlement (the setting; default true)."""
    return get_settings().early_warning_online


@cache
def year_rules(year: int) -> RuleSet | None:
    """The rule set of a year's check (as the year's batch for the whole county uses), read
    once per process; None when no rule set is in force (nothing to check)."""
    try:
        return rules_for("", date(year, 12, 31))
    except LookupError:
        return None


def check_entries(session: Session, entry_ids: Sequence[int]) -> pl.DataFrame:
    """Evaluate the households of ``entry_ids`` over their year and record the warnings not
    recorded before; returns them (with ``region_code``, the village)."""
    S = Settlement
    entries = pl.DataFrame(
        [tuple(r) for r in session.execute(
            select(S.id, S.household_id, S.year, S.claim_date).where(S.id.in_(entry_ids))
        ).all()],
        schema={"settlement_id": pl.Int64, "household_id": pl.Int64, "year": pl.Int64,
                "detected_on": pl.Date},
        orient="row",
    )  # fmt: skip
    conn = session.connection()
    out = []
    for (year,), part in entries.group_by("year"):
        rules = year_rules(int(year))  # type: ignore[arg-type]
        if rules is None:
            continue
        households = part["household_id"].unique().to_list()
        homes = load_households(conn, int(year), household_id=households)  # type: ignore[arg-type]
        ledger = load_ledger(conn, int(year), household_id=households)  # type: ignore[arg-type]
        raised = part.sort("settlement_id").group_by("household_id").last().drop("year")
        found = (
            evaluate(rules, ledger, homes.drop("region_code", "township_code"))
            .join(homes.select("household_id", "region_code"), on="household_id", how="left")
            .join(raised, on="household_id", how="left")
        )
        new = record(session, int(year), rules, found, date(int(year), 12, 31),  # type: ignore[arg-type]
                     households=households)  # fmt: skip
        out.append(new.drop("settlement_id", "detected_on", strict=False))
    return (
        pl.concat(out) if out else pl.DataFrame(schema={**WARNING_SCHEMA, "region_code": pl.String})
    )


def after_settlement(session: Session, entry_ids: Sequence[int]) -> None:
    """Settlement after step: the check, unless the setting turns it off."""
    if enabled():
        check_entries(session, entry_ids)


def raised_by(session: Session, settlement_id: int) -> list[dict[str, object]]:
    """The warnings a settlement's check raised (the slip shows them): id, rule, level,
    measure, threshold and unit."""
    from safetynet.store.models import EarlyWarning as W

    rows = session.execute(
        select(W.id, W.rule_id, W.level, W.measure, W.threshold, W.unit, W.person_id)
        .where(W.settlement_id == settlement_id)
        .order_by(W.id)
    ).all()
    keys = ("id", "rule_id", "level", "measure", "threshold", "unit", "person_id")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def check_after_settlement(session: Session, settlement_id: int) -> pl.DataFrame:
    """The warnings a settlement raised for the first time (recorded at once): evaluate the
    household of the settled person over the year, as the batch would."""
    if session.get(Settlement, settlement_id) is None:
        raise LookupError(f"no settlement {settlement_id}")
    return check_entries(session, [settlement_id])
