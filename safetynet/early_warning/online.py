"""The early-warning check after every settlement: a settlement after step
(:mod:`safetynet.settlement.hooks`), so a warning a claim raises is recorded in the claim's
transaction and the window's slip shows it at once.

Set-based per batch: the households of the entries just written are evaluated together over
their year with the year's rules of each household's county (its own file, else the
national one: the households grouped by rule set, each set resolved once per village and
date) — in plain integers (:mod:`safetynet.early_warning.few`,
tested equal to the year's Polars evaluation), as a Polars plan's fixed cost would be most of
one check — with the households and their persons' year read in one statement per thousand
households — the year's running totals (:mod:`~safetynet.early_warning.totals`) when the year
is kept in them, else the ledger (:mod:`~safetynet.early_warning.few_read`; a few statements
on SQLite) — and one insert. Each new
warning names the settlement that raised it (the household's last entry of the batch) and is
detected on its claim date.

``SAFETYNET_EARLY_WARNING_ONLINE`` (default true) turns the step off; the year's batch
(``safetynet warnings evaluate``) then finds the same warnings later.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any

import polars as pl
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.config import early_warning_online
from safetynet.early_warning import rules as ew_rules
from safetynet.early_warning import serious, totals
from safetynet.early_warning.evaluate import WARNING_SCHEMA
from safetynet.early_warning.few import Bucket, buckets, evaluate_buckets
from safetynet.early_warning.few_read import Homes, few_rows
from safetynet.early_warning.rules import (
    RuleSet,
    SeriousDisease,
    in_force_on,
    rules_by_region,
    rules_for,
)
from safetynet.early_warning.service import record_rows
from safetynet.policy.rule_files import own_folder
from safetynet.settlement.hooks import Entry
from safetynet.store.models import Settlement

SETTING = "SAFETYNET_EARLY_WARNING_ONLINE"


def enabled() -> bool:
    """Whether the check runs after every settlement (the setting; default true)."""
    return early_warning_online()


def year_rules(year: int) -> RuleSet | None:
    """The national (default) rule set of a year's check, read once per process (per rule
    folders); None when none is in force. A household is checked with its county's own file
    when there is one (:func:`~safetynet.early_warning.rules.rules_for` of its village,
    remembered per region and date)."""
    return _year_rules(str(ew_rules.FILES), own_folder(ew_rules.CAPABILITY), year)


@lru_cache(maxsize=64)
def _year_rules(folder: str, own: str | None, year: int) -> RuleSet | None:
    try:
        return rules_for("", date(year, 12, 31))
    except LookupError:
        return None


def warm() -> None:
    """Read at a server's start-up what the check reads on first use (a settlement hook's
    warm-up, :data:`safetynet.settlement.hooks.WARM`): the rule sets of this year and the
    last (the national and every county's own), and the three-batches programme's disease
    lists their serious-disease rules name (the programme files parsed once: a first batch
    no slower than the others)."""
    this = local_today().year
    for year in (this - 1, this):
        year_rules(year)
        totals.year_shared(year)
        for rules in in_force_on(date(year, 12, 31)):
            for rule in rules.rules:
                if isinstance(rule, SeriousDisease) and rule.batch is not None:
                    serious.windows(rule.batch)


_CHUNK = 1_000  # households read per statement


Raised = dict[tuple[int, int], tuple[int, date]]  # (year, household): its last entry, date


def _raised(session: Session, entry_ids: Sequence[int]) -> Raised:
    """Each (year, household) of ``entry_ids`` and its last entry (id, claim date)."""
    S = Settlement
    raised: Raised = {}
    for sid, household, year, on in session.execute(
        select(S.id, S.household_id, S.year, S.claim_date)
        .where(S.id.in_(list(entry_ids)))
        .order_by(S.id)
    ):
        raised[(year, household)] = (sid, on)
    return raised


def _check(session: Session, raised: Raised) -> list[dict[str, Any]]:
    """The new warnings of the households in ``raised`` (recorded), as rows: each household
    evaluated with its county's rule set (its own file, else the national one), resolved
    once per village and year from memory — no statement per claim or household."""
    conn = session.connection()
    out: list[dict[str, Any]] = []
    for year in sorted({y for y, _ in raised}):
        views = totals.year_shared(year)[1]
        if not views:  # no rule set in force in the year: nothing to check
            continue
        dec31 = date(year, 12, 31)
        households = sorted(h for y, h in raised if y == year)
        for i in range(0, len(households), _CHUNK):
            ids = households[i : i + _CHUNK]
            homes, parts = household_year(conn, year, ids)
            moved = totals.movers(parts)
            for rules, mine in _by_rules(homes, dec31):
                mine_homes = {h: homes[h][:4] for h in mine}
                found = evaluate_buckets(rules, parts, mine_homes, views[rules.id])
                # a person's warning goes to the household of the person's latest claim: one
                # of another household (a back-dated claim after a move, or a household of
                # another county's rules) is that household's
                found = [row for row in found if row["household_id"] in mine_homes]
                for row in found:
                    row["region_code"] = homes[row["household_id"]][3]
                last = {h: raised[(year, h)] for h in mine}
                out += record_rows(session, year, rules, found, mine, last, moved)
    return out


def _by_rules(homes: Homes, on: date) -> list[tuple[RuleSet, list[int]]]:
    """The households grouped by the rule set of their village on the day (one look-up per
    distinct village, remembered per (region, date)); households no set covers left out."""
    by_region = rules_by_region({v[3] for v in homes.values()}, on)
    groups: dict[str, tuple[RuleSet, list[int]]] = {}
    for h, v in homes.items():
        rules = by_region[v[3] or ""]
        if rules is not None:
            groups.setdefault(rules.id, (rules, []))[1].append(h)
    return list(groups.values())


def household_year(conn: Connection, year: int, ids: Sequence[int]) -> tuple[Homes, list[Bucket]]:
    """The households ``ids`` and their persons' claims of the year summed per bucket: from
    the year's running totals (:mod:`~safetynet.early_warning.totals`) when the year is kept
    in them, else from the ledger (the same buckets, the year's shared ``listed`` bits)."""
    kept = totals.read(conn, year, ids)
    if kept is not None:
        return kept
    homes, ledger = few_rows(conn, year, ids)
    return homes, buckets(ledger, totals.year_shared(year)[0])


def check_entries(session: Session, entry_ids: Sequence[int]) -> pl.DataFrame:
    """Evaluate the households of ``entry_ids`` over their year and record the warnings not
    recorded before; returns them (with ``region_code``, the village)."""
    return pl.DataFrame(
        _check(session, _raised(session, entry_ids)),
        schema={**WARNING_SCHEMA, "region_code": pl.String},
    )


def after_settlement(session: Session, entry_ids: Sequence[int], entries: Sequence[Entry]) -> None:
    """Settlement after step: the check, unless the setting turns it off; the households and
    their last entries come from the batch's rows in memory (no re-read)."""
    if enabled():
        raised: Raised = {}
        for e in sorted(entries, key=lambda e: e.id):
            raised[(e.year, e.household_id)] = (e.id, e.claim_date)
        _check(session, raised)


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
