"""What interfaces call for supervision: a region's year screened and scored."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import polars as pl
from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session, aliased

from safetynet.money import to_fen
from safetynet.settlement.facts import PersonFacts
from safetynet.settlement.service import request_hash
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.lists import one_of, per_dialect
from safetynet.store.models import Claim, ClaimItem, Institution, Person, Settlement
from safetynet.store.models.ledger import EntryKind
from safetynet.supervision.frames import ScreenInput
from safetynet.supervision.guards import may_hit
from safetynet.supervision.load import frames_from_rows, in_year, load_catchment, load_year
from safetynet.supervision.rules import DEFAULT_RULES, load_rules
from safetynet.supervision.schema import RuleSet
from safetynet.supervision.scores import scorecard
from safetynet.supervision.screen import HIT_SCHEMA, screen


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
# The claim number a submission is screened under: "~" sorts after every letter and digit,
# so where the rules order claims of one day by number the submission comes last and is the
# one flagged (a stay admitted on the day of a settled one overlaps it, not the reverse).
NEW_CLAIM = "~new {}"

CLAIM_SCHEMA = {"id": pl.Int64, "claim_no": pl.String, "kind": pl.String, "level": pl.String,
                "institution_code": pl.String, "start_date": pl.Date, "end_date": pl.Date,
                "diagnosis_code": pl.String, "total_fen": pl.Int64, "doctor_code": pl.String,
                "person_id": pl.Int64}  # fmt: skip
LINE_SCHEMA = {"claim_id": pl.Int64, "item_code": pl.String, "quantity": pl.Int64,
               "amount_fen": pl.Int64, "service_date": pl.Date}  # fmt: skip


def _value(v: Any) -> Any:
    return getattr(v, "value", v)


# The window's statements, built once per dialect (SQLAlchemy's statement cache then skips
# compiling them; building them per claim cost more than running them), with their lists as
# one array parameter on PostgreSQL (one text: prepared once on the server).
_reversal = aliased(Settlement)


@dataclass(frozen=True)
class _Statements:
    history: Any
    items: Any
    coded: Any  # the items of some codes only
    levels: Any
    sexes: Any


def _build(pg: bool) -> _Statements:
    history = (
        select(Claim.id, Claim.claim_no, Claim.kind, Institution.level, Claim.institution_code,
               Claim.start_date, Claim.end_date, Claim.diagnosis_code, Claim.total_fen,
               Claim.doctor_code, Claim.person_id, Settlement.request_hash)
        .join(Institution, Institution.code == Claim.institution_code)
        .outerjoin(Settlement, (Settlement.claim_id == Claim.id)
                   & (Settlement.entry_kind == EntryKind.SETTLEMENT))
        .where(one_of(Claim.person_id, "persons", pg), Claim.start_date >= bindparam("since"))
        .where(~exists().where(_reversal.claim_id == Claim.id,
                               _reversal.entry_kind == EntryKind.REVERSAL))
    )  # fmt: skip
    items = select(
        ClaimItem.claim_id,
        ClaimItem.item_code,
        ClaimItem.quantity,
        ClaimItem.amount_fen,
        ClaimItem.service_date,
    ).where(one_of(ClaimItem.claim_id, "ids", pg))
    coded = items.where(one_of(ClaimItem.item_code, "codes", pg))
    levels = select(Institution.code, Institution.level).where(
        one_of(Institution.code, "codes", pg)
    )
    sexes = select(Person.id, Person.sex).where(one_of(Person.id, "ids", pg))
    return _Statements(history, items, coded, levels, sexes)


_statements = per_dialect(_build)


def _history(
    session: Session, subs: Sequence[ClaimSubmission], persons: Sequence[PersonFacts]
) -> list[tuple[Any, ...]]:
    """The persons' claims of the look-back period (one query for the batch). Left out: a
    claim settled from the very same submission (an idempotent retry is not its own
    duplicate) and a refunded claim (no longer paid)."""
    since = min(s.date for s in subs) - timedelta(days=WINDOW_LOOKBACK_DAYS)
    hashes = {request_hash(s) for s in subs}
    q = _statements(session.connection())
    rows = session.execute(
        q.history, {"persons": sorted({p.id for p in persons}), "since": since}
    ).all()
    own = {s.claim_no for s in subs if s.claim_no}
    return [
        (r[0], r[1], str(_value(r[2])), str(_value(r[3])), *r[4:11])
        for r in rows
        if r[11] not in hashes and r[1] not in own
    ]


def _items(
    session: Session, claim_ids: Sequence[int], codes: Sequence[str] | None = None
) -> list[tuple[Any, ...]]:
    """The item lines of ``claim_ids`` (of ``codes`` only, when given): one query."""
    if not claim_ids or codes == []:
        return []
    q = _statements(session.connection())
    if codes is None:
        return [tuple(r) for r in session.execute(q.items, {"ids": list(claim_ids)})]
    params = {"ids": list(claim_ids), "codes": sorted(set(codes))}
    return [tuple(r) for r in session.execute(q.coded, params)]


def batch_hit_rows(
    session: Session,
    claims: Sequence[tuple[ClaimSubmission, PersonFacts]],
    ruleset: RuleSet,
) -> list[list[dict[str, Any]]]:
    """The screening hits of each claim of a batch submitted at the window or through the
    API (rows of :data:`HIT_SCHEMA`), screened together with the persons' claims of the last
    ``WINDOW_LOOKBACK_DAYS`` from the database (and with each other): four queries per
    batch, then only the rules that could hit a claim (:mod:`~safetynet.supervision.guards`)
    over only the persons they could hit — nothing at all for a batch no rule could hit.

    A hit of severity ``block`` refuses its claim (:func:`blocking`); ``warn`` and
    ``deduct`` hits go with the settlement. Each hit's ``claim_no`` is the submission's own
    number (None when it has none yet).
    """
    if not claims:
        return []
    subs = [s for s, _ in claims]
    persons = [p for _, p in claims]
    codes = sorted({s.institution_code for s in subs})
    q = _statements(session.connection())
    levels = dict(session.execute(q.levels, {"codes": codes}).all())
    sexes = dict(session.execute(q.sexes, {"ids": sorted({p.id for p in persons})}).all())
    known = [i for i, s in enumerate(subs) if s.institution_code in levels]
    history = _history(session, subs, persons)
    ids = [c[0] for c in history]
    # the guards read the history's lines of the codes the new claims bill (a drug bought
    # again); the rules, when one must run, every line of the persons it names
    billed = [item.code for i in known for item in subs[i].items]
    items = _items(session, ids, billed)
    new = [
        (-1 - i, NEW_CLAIM.format(i), subs[i].kind.value,
         str(_value(levels[subs[i].institution_code])), subs[i].institution_code, subs[i].date,
         subs[i].discharge_date or subs[i].date, subs[i].diagnosis,
         sum(to_fen(item.amount) for item in subs[i].items), None, persons[i].id)
        for i in known
    ]  # fmt: skip
    lines = items + [
        (-1 - i, item.code, item.quantity, to_fen(item.amount), None)
        for i in known
        for item in subs[i].items
    ]
    births = {p.id: p.birth_date for p in persons}
    people = [(p.id, str(_value(sexes.get(p.id))), p.deceased_on, p.region_code) for p in persons]

    def every_line(persons: set[int]) -> list[tuple[Any, ...]]:
        mine = [c[0] for c in history if c[10] in persons]
        return _items(session, mine) + [x for x in lines if x[0] < 0]

    found = hits_of_rows(ruleset, history + new, lines, births, people,
                         [NEW_CLAIM.format(i) for i in known], every_line)  # fmt: skip
    out: list[list[dict[str, Any]]] = []
    for i, sub in enumerate(subs):
        out.append([{**h, "claim_no": sub.claim_no} for h in found.get(NEW_CLAIM.format(i), [])])
    return out


def hits_of_rows(
    ruleset: RuleSet,
    claims: Sequence[tuple[Any, ...]],
    lines: Sequence[tuple[Any, ...]],
    births: dict[int, Any],
    people: Sequence[tuple[int, str | None, Any, str | None]],
    new: Sequence[str],
    every_line: Callable[[set[int]], Sequence[tuple[Any, ...]]] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The hits of the claims numbered ``new`` among the rows (as :func:`frames_from_rows`
    takes them), by claim number in :func:`screen`'s order: what screening every rule over
    all the rows finds for them, running only the rules the guards name over only the
    persons they name. ``lines`` may hold only what the guards read — the new claims' lines
    and the others' lines of the codes the new claims bill — when ``every_line(persons)``
    gives every line of those persons' claims for the rules that must run."""
    named, chosen = may_hit(ruleset, claims, lines, {p[0]: p[2] is not None for p in people}, new)
    if not chosen:
        return {}
    if every_line is not None:
        lines = every_line(named)
    mine = [c for c in claims if c[10] in named]
    ids = {c[0] for c in mine}
    data = frames_from_rows(
        mine, [x for x in lines if x[0] in ids], births, [p for p in people if p[0] in named]
    )
    wanted = set(new)
    out: dict[str, list[dict[str, Any]]] = {}
    for h in screen(ruleset, data, [r.id for r in chosen], check=False).iter_rows(named=True):
        if h["claim_no"] in wanted:
            out.setdefault(h["claim_no"], []).append(h)
    return out


def batch_hits(
    session: Session,
    claims: Sequence[tuple[ClaimSubmission, PersonFacts]],
    ruleset: RuleSet,
) -> list[pl.DataFrame]:
    """:func:`batch_hit_rows` as one frame of :data:`HIT_SCHEMA` per claim."""
    return [
        pl.DataFrame(rows, schema=HIT_SCHEMA, orient="row")
        if rows
        else pl.DataFrame(schema=HIT_SCHEMA)
        for rows in batch_hit_rows(session, claims, ruleset)
    ]


def submission_hits(
    session: Session, submission: ClaimSubmission, rules: str = DEFAULT_RULES
) -> pl.DataFrame:
    """The screening hits of one claim submitted at the window or through the API (a batch
    of one, :func:`batch_hits`); no hits for an unknown person."""
    person = session.scalar(select(Person).where(Person.resident_id == submission.resident_id))
    if person is None:
        return pl.DataFrame(schema=HIT_SCHEMA)
    return batch_hits(session, [(submission, person)], load_rules(rules))[0]


def blocking(hits: pl.DataFrame) -> pl.DataFrame:
    """The hits that refuse the claim (severity ``block``)."""
    return hits.filter(pl.col("severity") == "block")
