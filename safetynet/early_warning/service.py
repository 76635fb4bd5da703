"""What interfaces call: evaluate a year and record its warnings, check one household after a
settlement, list the monitoring workload with overdue steps flagged, run a re-assistance round.

The year and the check after a settlement use the same rules and the same evaluation
(:mod:`safetynet.early_warning.evaluate`); a warning is recorded once per (year, rule,
household, person), and once per ladder of tiers (a higher tier raises the recorded one):
evaluating again only adds the new hits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Connection, String, insert, select, type_coerce
from sqlalchemy.orm import Session

from safetynet.codes import WarningState
from safetynet.early_warning.evaluate import evaluate
from safetynet.early_warning.load import load_households, load_ledger, region_households
from safetynet.early_warning.reassist import compute_round
from safetynet.early_warning.rules import RuleSet, rules_by_region, rules_for
from safetynet.early_warning.tiers import raise_tiers, sort_hits, tiered
from safetynet.early_warning.workflow import progress
from safetynet.security.scope import within
from safetynet.store.bulk import bulk_insert
from safetynet.store.models import EarlyWarning, WarningEvent
from safetynet.store.unnest import UnnestInsert

FACT_COLUMNS = ("out_of_pocket_fen", "income_fen", "ratio_bp", "diagnosis")


@dataclass(frozen=True)
class YearEvaluation:
    rules: RuleSet  # the region's rule set (the national one for the whole county)
    warnings: pl.DataFrame  # evaluate()'s rows plus region_code (village) and township_code
    households: pl.DataFrame
    # the warnings by the rule set that found them: each household's county's own file,
    # else the national one (one group when every household reads the same set)
    groups: tuple[tuple[RuleSet, pl.DataFrame], ...] = ()


def _rules(conn: Connection, region_code: str | None, year: int) -> RuleSet:
    return rules_for(region_code or "", date(year, 12, 31))


def by_rules(homes: pl.DataFrame, on: date) -> list[tuple[RuleSet, pl.DataFrame]]:
    """The households (a frame with ``region_code``, the village) grouped by the rule set in
    force for their village on the day: their county's own file, else the national one.
    One look-up per distinct village; households no set covers are left out."""
    villages = homes["region_code"].unique().to_list()
    found = rules_by_region(villages, on)
    ids = {code: (r.id if r is not None else None) for code, r in found.items()}
    sets = {r.id: r for r in found.values() if r is not None}
    tagged = homes.with_columns(
        pl.col("region_code").fill_null("").replace_strict(ids, default=None,
                                                           return_dtype=pl.String)
        .alias("_rules")
    )  # fmt: skip
    return [
        (sets[rid], part.drop("_rules"))
        for (rid,), part in tagged.group_by("_rules", maintain_order=True)
        if rid is not None
    ]


def evaluate_year(
    conn: Connection, year: int, region_code: str | None = None, rules: RuleSet | None = None
) -> YearEvaluation:
    """Every warning of the year of the households in the region's tree (``None``:
    everywhere): the county's warnings of those households, also when a person moved in or
    out of the region during the year (their entries settled elsewhere count in their
    person rules; a warning named to a household elsewhere is that region's). Each household
    is evaluated with its county's rule set (its own file, else the national one;
    ``rules``: one set for all)."""
    ledger = load_ledger(conn, year, region_code, by_household=True)
    homes = load_households(conn, year, region_code)
    places = homes.select("household_id", "region_code", "township_code")
    how = "left" if region_code is None else "inner"
    if rules is not None:
        found = evaluate(rules, ledger, homes.drop("township_code"))
        found = found.join(places, on="household_id", how=how)
        return YearEvaluation(rules, found, homes, ((rules, found),))
    mine = _rules(conn, region_code, year)
    sets = by_rules(homes, date(year, 12, 31))
    if len(sets) <= 1:  # one rule set for every household: as it always was
        one = sets[0][0] if sets else mine
        found = evaluate(one, ledger, homes.drop("township_code"))
        found = found.join(places, on="household_id", how=how)
        return YearEvaluation(one, found, homes, ((one, found),))
    groups = []
    known = homes["household_id"]
    for rs, part in sets:
        ids = part["household_id"]
        # the persons with an entry in the group's households, their whole year
        persons = ledger.filter(pl.col("household_id").is_in(ids.implode()))["person_id"]
        hits = evaluate(rs, ledger.filter(pl.col("person_id").is_in(persons.unique().implode())),
                        part.drop("township_code"))  # fmt: skip
        keep = pl.col("household_id").is_in(ids.implode())
        if rs.region is None:  # a warning of a household outside the region: the national's
            keep = keep | ~pl.col("household_id").is_in(known.implode())
        groups.append((rs, hits.filter(keep).join(places, on="household_id", how=how)))
    found = pl.concat([g for _, g in groups], how="vertical_relaxed").sort(
        "household_id", "person_id", "level_rank", "rule_id", nulls_last=False
    )
    return YearEvaluation(mine, found, homes, tuple(groups))


def record_year(session: Session, year: int, result: YearEvaluation, detected_on: date) -> int:
    """:func:`record` of a year's evaluation, each group of warnings with the rule set that
    found it (its id stored, its ladders and workflow days); the warnings recorded."""
    groups = result.groups or ((result.rules, result.warnings),)
    return sum(record(session, year, rs, found, detected_on).height for rs, found in groups)


def _existing(
    session: Session, year: int, households: Sequence[int] | None, persons: Sequence[int] = ()
) -> pl.DataFrame:
    """The recorded warnings of the year (of ``households`` when given, and of ``persons``
    under any household)."""
    W = EarlyWarning
    query = select(W.rule_id, W.household_id, W.person_id).where(W.year == year)
    if households is not None:
        mine = W.household_id.in_(sorted(set(households)))
        if persons:
            mine = mine | W.person_id.in_(sorted(set(persons)))
        query = query.where(mine)
    rows = session.execute(query).all()
    return pl.DataFrame(
        rows, schema={"rule_id": pl.String, "household_id": pl.Int64, "person_id": pl.Int64},
        orient="row",
    )  # fmt: skip


def record(
    session: Session,
    year: int,
    rules: RuleSet,
    warnings: pl.DataFrame,
    detected_on: date,
    households: Sequence[int] | None = None,
) -> pl.DataFrame:
    """Store the hits not yet recorded (as open warnings, due for a visit); returns them. A
    hit of a higher tier than the one recorded for its household raises that warning instead
    (:mod:`safetynet.early_warning.tiers`), and is returned too.

    ``households``: the warnings are those households' only (the check after settlements),
    so only their recorded warnings are read. A ``detected_on`` or ``settlement_id`` column
    of ``warnings`` (the check after settlements) overrides ``detected_on`` row by row."""
    keys = ["rule_id", "household_id", "person_id"]
    persons = warnings["person_id"].drop_nulls().unique().to_list()
    existing = _existing(session, year, households, persons)
    new = warnings.join(existing, on=keys, how="anti", nulls_equal=True)
    # a person's warning once a year, even recorded with the household before a move
    new = new.join(existing.select("rule_id", "person_id"), on=["rule_id", "person_id"],
                   how="anti")  # fmt: skip
    if new.is_empty():
        return new
    # one warning per ladder: a higher tier raises the recorded one (tiers.py)
    ladder = pl.col("rule_id").is_in(list(tiered(rules)))
    insert, raised = sort_hits(session, year, rules, new.filter(ladder).to_dicts())
    for _, h in raised:
        h.setdefault("detected_on", detected_on)
    days = timedelta(days=rules.workflow.verify_within_days)
    raise_tiers(session, raised, FACT_COLUMNS, verify_within=days)
    part = new.filter(ladder)
    new = pl.concat([
        new.filter(~ladder), pl.DataFrame(insert, schema=part.schema),
        pl.DataFrame([h for _, h in raised], schema=part.schema),
    ])  # fmt: skip
    kept = new.height - len(raised)
    if kept == 0:
        return new
    on = pl.col("detected_on") if "detected_on" in new.columns else pl.lit(detected_on)
    raised_by = (
        pl.col("settlement_id") if "settlement_id" in new.columns else pl.lit(None, pl.Int64)
    )
    rows = new.select(
        pl.lit(year).alias("year"),
        pl.lit(rules.id).alias("rule_set"),
        "rule_id",
        "level",
        "household_id",
        "person_id",
        "region_code",
        "measure",
        "threshold",
        "unit",
        pl.struct(*FACT_COLUMNS).struct.json_encode().alias("facts"),
        on.alias("detected_on"),
        (on + days).alias("verify_due_on"),
        pl.lit(WarningState.OPEN.value).alias("state"),
        raised_by.alias("settlement_id"),
    )
    table = EarlyWarning.__table__
    bulk_insert(session.connection(), table, rows.head(kept))  # type: ignore[arg-type]
    return new


def record_rows(
    session: Session,
    year: int,
    rules: RuleSet,
    warnings: list[dict[str, Any]],
    households: Sequence[int],
    raised_by: dict[int, tuple[int, date]],
    movers: Collection[int] = (),
) -> list[dict[str, Any]]:
    """:func:`record` for the check after settlements, on rows: the hits of ``households``
    not yet recorded, each detected on and raised by its household's entry in ``raised_by``
    (settlement id, claim date); one insert (and an update per warning raised to a higher
    tier). ``movers``: persons whose entries of the year lie in several households; a warning
    of theirs recorded with another household is not recorded again. Returns the new rows and
    the raised ones."""
    if not warnings:
        return []
    conn = session.connection()
    pg = conn.dialect.name == "postgresql"
    W = EarlyWarning
    if pg:  # one statement inserts those not recorded yet and names them
        new = warnings
    else:
        known = {
            tuple(r)
            for r in session.execute(
                select(W.rule_id, W.household_id, W.person_id).where(
                    W.year == year, W.household_id.in_(list(households))
                )
            )
        }
        new = [w for w in warnings if _hit(w) not in known]
    if movers:  # a person's warning once a year, even recorded with the household before
        moved = {tuple(r) for r in session.execute(
            select(W.rule_id, W.person_id).where(W.year == year, W.person_id.in_(sorted(movers)))
        )}  # fmt: skip
        new = [w for w in new if (w["rule_id"], w["person_id"]) not in moved]
    # one warning per ladder: a higher tier raises the recorded one (tiers.py)
    new, raised = sort_hits(session, year, rules, new)
    days = timedelta(days=rules.workflow.verify_within_days)
    for _, w in raised:
        w["settlement_id"], w["detected_on"] = raised_by[w["household_id"]]
    raise_tiers(session, raised, FACT_COLUMNS, verify_within=days)
    if not new:
        return [w for _, w in raised]
    rows = []
    for w in new:
        settlement_id, on = raised_by[w["household_id"]]
        rows.append({
            "year": year, "rule_set": rules.id, "rule_id": w["rule_id"], "level": w["level"],
            "household_id": w["household_id"], "person_id": w["person_id"],
            "region_code": w["region_code"], "measure": w["measure"],
            "threshold": w["threshold"], "unit": w["unit"],
            "facts": {c: w[c] for c in FACT_COLUMNS}, "detected_on": on,
            "verify_due_on": on + days, "state": WarningState.OPEN.value,
            "settlement_id": settlement_id,
        })  # fmt: skip
    if pg:
        inserted = _NEW_WARNINGS.insert_new(conn, rows)
        return [w for w in new if (year, *_hit(w)) in inserted] + [w for _, w in raised]
    session.execute(insert(EarlyWarning), rows)
    return new + [w for _, w in raised]


def _hit(w: dict[str, Any]) -> tuple[Any, ...]:
    return w["rule_id"], w["household_id"], w["person_id"]


# PostgreSQL: the check's warnings not recorded before, inserted in one statement (the
# households' locks keep two batches of a household from racing between its read and insert)
_NEW_WARNINGS = UnnestInsert(
    EarlyWarning.__table__,  # type: ignore[arg-type]
    ("year", "rule_set", "rule_id", "level", "household_id", "person_id", "region_code",
     "measure", "threshold", "unit", "facts", "detected_on", "verify_due_on", "state",
     "settlement_id"),
    unique=("year", "rule_id", "household_id", "person_id"),
)  # fmt: skip


def monitoring_list(
    session: Session, year: int, today: date, region_code: str | None = None
) -> pl.DataFrame:
    """Every recorded warning of the year (in the region's tree) with its ``next_step``,
    ``due_on`` and ``overdue`` (the step's deadline passed), by village and household."""
    W = EarlyWarning
    scope = within(W.region_code, region_code) if region_code else W.year == year
    rows = session.execute(
        select(W.id, W.rule_id, W.level, W.household_id, W.person_id, W.region_code,
               W.measure, W.threshold, W.unit, W.detected_on, W.verify_due_on,
               type_coerce(W.state, String))
        .where(W.year == year, scope)
        .order_by(W.region_code, W.household_id, W.id)
    ).all()  # fmt: skip
    schema = {
        "id": pl.Int64, "rule_id": pl.String, "level": pl.String, "household_id": pl.Int64,
        "person_id": pl.Int64, "region_code": pl.String, "measure": pl.Int64,
        "threshold": pl.Int64, "unit": pl.String, "detected_on": pl.Date,
        "verify_due_on": pl.Date, "state": pl.String,
    }  # fmt: skip
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    E = WarningEvent
    events = pl.DataFrame(
        [tuple(r) for r in session.execute(
            select(E.warning_id, E.step, E.done_on)
            .join(W, W.id == E.warning_id)
            .where(W.year == year, scope)
        ).all()],
        schema={"warning_id": pl.Int64, "step": pl.String, "done_on": pl.Date},
        orient="row",
    )  # fmt: skip
    return workflow_progress(frame, events, year, today)


def workflow_progress(
    frame: pl.DataFrame, events: pl.DataFrame, year: int, today: date
) -> pl.DataFrame:
    """:func:`~safetynet.early_warning.workflow.progress` of warnings (with ``region_code``,
    the household's village), each with the workflow of its village's rule set of the year
    (its county's own file, else the national one): grouped by rule set, one look-up per
    distinct village; the rows keep their order."""
    on = date(year, 12, 31)
    ordered = frame.with_row_index("_order")
    sets = by_rules(ordered, on)
    if len(sets) == 1 and sets[0][1].height == ordered.height:
        return progress(frame, events, sets[0][0].workflow, today)
    done = [progress(part, events, rs.workflow, today) for rs, part in sets]
    if not done or sum(p.height for p in done) < ordered.height:  # a village no set covers
        fallback = rules_for("", on).workflow
        seen = pl.concat([p.select("_order") for p in done]) if done else None
        rest = ordered if seen is None else ordered.join(seen, on="_order", how="anti")
        done.append(progress(rest, events, fallback, today))
    return pl.concat(done, how="vertical_relaxed").sort("_order").drop("_order")


def reassistance_round(
    conn: Connection, year: int, region_code: str | None = None, budget_fen: int | None = None
) -> pl.DataFrame:
    """Each household's amount of the year's round (pro rata when the budget is short)."""
    rules = _rules(conn, region_code, year)
    if rules.re_assistance is None:
        raise LookupError(f"the rules {rules.id} have no re-assistance")
    if region_code is None:
        return compute_round(rules.re_assistance, load_ledger(conn, year), budget_fen)
    ledger = load_ledger(conn, year, region_code, by_household=True)
    homes = region_households(conn, region_code)
    return compute_round(rules.re_assistance, ledger, budget_fen, homes)
