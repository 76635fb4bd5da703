"""What interfaces call for supervision: a region's year screened and scored."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import polars as pl
from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.orm import Session, aliased

from safetynet.money import to_fen
from safetynet.settlement.duplicate_bill import request_hash
from safetynet.settlement.facts import PersonFacts
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store import json_rows
from safetynet.store.lists import one_of, per_dialect
from safetynet.store.models import Claim, ClaimItem, Institution, Person, Settlement
from safetynet.store.models.ledger import EntryKind
from safetynet.supervision.catalog import Entries
from safetynet.supervision.frames import ScreenInput
from safetynet.supervision.guards import may_hit
from safetynet.supervision.load import (
    admissions_after,
    frames_from_rows,
    in_year,
    load_catchment,
    load_year,
)
from safetynet.supervision.rules import county_rules, load_rules
from safetynet.supervision.schema import RuleSet
from safetynet.supervision.scores import scorecard
from safetynet.supervision.screen import HIT_SCHEMA, screen


@dataclass(frozen=True)
class YearScores:
    rules: RuleSet
    claims: int
    hits: pl.DataFrame
    card: pl.DataFrame


def year_scores(session: Session, region: str, year: int, rules: str | None = None) -> YearScores:
    """Screen the region's claims of ``year`` and score its institutions and doctors, by
    ``rules`` (default: the county's, :func:`~safetynet.supervision.rules.county_rules`)."""
    ruleset = load_rules(rules or county_rules())
    conn = session.connection()
    data = load_year(conn, region, year, ruleset)
    enrolled = load_catchment(conn, region, year)
    hits = in_year(screen(ruleset, data, check=False), year)
    own = ScreenInput(data.claims.filter(pl.col("date").dt.year() == year), data.lines,
                      data.persons)  # fmt: skip
    # a December stay readmitted in January is readmitted
    after = admissions_after(data, conn, region, year, int(ruleset.scoring.readmission_days.value))
    card = scorecard(own, hits, enrolled, scoring=ruleset.scoring, after=after,
                     planned=ruleset.planned_cycles())  # fmt: skip
    return YearScores(ruleset, own.claims.height, hits, card)


WINDOW_LOOKBACK_DAYS = 62  # split admissions (15 days), a month of drug purchases, overlaps


def window_lookback(ruleset: RuleSet) -> int:
    """The days before a claim's date the window reads its person's claims from: at least
    ``WINDOW_LOOKBACK_DAYS``, more when the rules look further back. A claim is read when it
    starts or ends on or after that day (a long stay counts from its discharge)."""
    return max(WINDOW_LOOKBACK_DAYS, ruleset.lookback_days())


# The claim number a submission is screened under: "~" sorts after every letter and digit,
# so where the rules order claims of one day by number the submission comes last and is the
# one flagged (a stay admitted on the day of a settled one overlaps it, not the reverse);
# zero-padded, so the batch's claims sort in the batch's order.
NEW_CLAIM = "~new {:06d}"

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
    # PostgreSQL: the history and the lines of some codes of its claims, in one statement
    history_lines: Any = None


def _build(pg: bool) -> _Statements:
    history = (
        select(Claim.id, Claim.claim_no, Claim.kind, Institution.level, Claim.institution_code,
               Claim.start_date, Claim.end_date, Claim.diagnosis_code, Claim.total_fen,
               Claim.doctor_code, Claim.person_id, Settlement.request_hash,
               Settlement.client_key)
        .join(Institution, Institution.code == Claim.institution_code)
        .outerjoin(Settlement, (Settlement.claim_id == Claim.id)
                   & (Settlement.entry_kind == EntryKind.SETTLEMENT))
        .where(one_of(Claim.person_id, "persons", pg),
               or_(Claim.start_date >= bindparam("since"), Claim.end_date >= bindparam("since")))
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
    both = None
    if pg:
        past = history.cte("past")
        lines = select(*items.selected_columns).where(
            ClaimItem.claim_id.in_(select(past.c.id)), one_of(ClaimItem.item_code, "codes", pg)
        )
        both = json_rows.json_select(select(past), lines)
    return _Statements(history, items, coded, levels, sexes, both)


_statements = per_dialect(_build)


def _history(
    session: Session,
    subs: Sequence[ClaimSubmission],
    persons: Sequence[PersonFacts],
    lookback: int = WINDOW_LOOKBACK_DAYS,
) -> list[tuple[Any, ...]]:
    """The persons' claims of the look-back period of the batch's earliest claim (one query
    for the batch; each claim keeps the rows of its own look-back, :func:`_context`), with
    the request hash and the client key of their settlement last. Left out: a refunded claim
    (no longer paid)."""
    since = min(s.date for s in subs) - timedelta(days=lookback)
    q = _statements(session.connection())
    # on the connection (Core): these are plain rows, the ORM's execution adds only cost
    rows = (
        session.connection()
        .execute(q.history, {"persons": sorted({p.id for p in persons}), "since": since})
        .all()
    )
    return [(r[0], r[1], str(_value(r[2])), str(_value(r[3])), *r[4:13]) for r in rows]


def _items(
    session: Session, claim_ids: Sequence[int], codes: Sequence[str] | None = None
) -> list[tuple[Any, ...]]:
    """The item lines of ``claim_ids`` (of ``codes`` only, when given): one query."""
    if not claim_ids or codes == []:
        return []
    q = _statements(session.connection())
    if codes is None:
        return [tuple(r) for r in session.connection().execute(q.items, {"ids": list(claim_ids)})]
    params = {"ids": list(claim_ids), "codes": sorted(set(codes))}
    return [tuple(r) for r in session.connection().execute(q.coded, params)]


def _history_lines(
    session: Session,
    subs: Sequence[ClaimSubmission],
    persons: Sequence[PersonFacts],
    lookback: int,
    codes: Sequence[str],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """:func:`_history` and the lines of ``codes`` of its claims (:func:`_items`): on
    PostgreSQL in one statement (:mod:`safetynet.store.json_rows`), else two."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        history = _history(session, subs, persons, lookback)
        return history, _items(session, [c[0] for c in history], codes)
    since = min(s.date for s in subs) - timedelta(days=lookback)
    params = {"persons": sorted({p.id for p in persons}), "since": since,
              "codes": sorted(set(codes))}  # fmt: skip
    past, lines = json_rows.fetch(conn, _statements(conn).history_lines, params)
    return json_rows.rows_with_days(past, (5, 6)), json_rows.rows_with_days(lines, (4,))


Written = Callable[[int, bool], bool]  # (claim's place in the batch, blocked?) -> written?


def _not_blocked(i: int, blocked: bool) -> bool:
    return not blocked


def batch_hit_rows(
    session: Session,
    claims: Sequence[tuple[ClaimSubmission, PersonFacts]],
    ruleset: RuleSet,
    written: Written = _not_blocked,
    levels: dict[str, Any] | None = None,
    keys: Sequence[str | None] | None = None,
) -> list[list[dict[str, Any]]]:
    """The screening hits of each claim of a batch submitted at the window or through the
    API (rows of :data:`HIT_SCHEMA`): what the claim finds settled alone after the batch's
    claims before it, in the batch's order.

    Each claim is screened against the ledger — its person's claims that start or end
    from :func:`window_lookback` days before its own date on, without the claim's own
    settlement: the one under its client key (``keys``, the batch's idempotency keys, as
    stored: a retry is not its own duplicate, whether or not it now carries a reason), or
    under its own claim number; nor a refunded one. A bill settled under another key is
    another claim, however alike (a third identical bill confirmed genuine sees the second)
    — plus the claims of the batch before it that are
    written. ``written(i, blocked)`` is asked once per claim, in the batch's order, after the
    claim is screened: whether claim ``i`` is written given whether a ``block`` hit refuses
    it (default: unless it is), so a claim that other checks refuse, or that screening
    blocks, is in no later claim's history (the refusals cascade in order).

    Two to four queries per batch (``levels``, the institutions' levels by code, and the
    persons' ``sex`` when the caller has read them, save two), then only the rules that
    could hit a claim (:mod:`~safetynet.supervision.guards`) over only the persons they
    could hit; the claims whose history is settled are screened together (one screening per round: a
    person's second claim of the batch waits for the first's outcome). Each hit's
    ``claim_no`` is the submission's own number (None when it has none yet); facts name a
    claim of the batch by its own number, else by the name it was screened under
    (:data:`NEW_CLAIM`).
    """
    if not claims:
        return []
    subs = [s for s, _ in claims]
    persons = [p for _, p in claims]
    codes = sorted({s.institution_code for s in subs})
    q = _statements(session.connection())
    if levels is None:
        levels = dict(session.connection().execute(q.levels, {"codes": codes}).all())
    if all(hasattr(p, "sex") for p in persons):
        sexes = {p.id: p.sex for p in persons}
    else:
        ids = sorted({p.id for p in persons})
        sexes = dict(session.connection().execute(q.sexes, {"ids": ids}).all())
    known = {i for i, s in enumerate(subs) if s.institution_code in levels}
    lookback = window_lookback(ruleset)
    # the guards read the history's lines of the codes the new claims bill (a drug bought
    # again); the rules, when one must run, every line of the persons they name
    billed = [item.code for i in sorted(known) for item in subs[i].items]
    history, billed_lines = _history_lines(session, subs, persons, lookback, billed)
    # the county's catalog entries of the billed codes (every line's facts: on its day)
    catalog = Entries(session.connection()).need(billed)
    lines = billed_lines + [
        (-1 - i, item.code, item.quantity, to_fen(item.amount), None)
        for i in sorted(known)
        for item in subs[i].items
    ]
    births = {p.id: p.birth_date for p in persons}
    people = [(p.id, str(_value(sexes.get(p.id))), p.deceased_on, p.region_code) for p in persons]
    hashes = [request_hash(s) for s in subs]
    # a claim's own settlement (a retry is not its own duplicate): the one under its client
    # key, not one of the same fingerprint (two identical confirmed bills are two claims)
    own = list(keys) if keys is not None else [None] * len(subs)
    past: dict[int, list[tuple[Any, ...]]] = {}  # person -> ledger rows, hash and key last
    for row in history:
        past.setdefault(row[10], []).append(row)

    def row(i: int, name: str) -> tuple[Any, ...]:
        s = subs[i]
        return (-1 - i, name, s.kind.value, str(_value(levels[s.institution_code])),
                s.institution_code, s.date, s.discharge_date or s.date, s.diagnosis,
                sum(to_fen(item.amount) for item in s.items), None, persons[i].id,
                hashes[i], own[i])  # fmt: skip

    def context(i: int) -> list[tuple[Any, ...]]:
        """Claim ``i``'s rows: its look-back of the ledger and the batch's written claims."""
        since = subs[i].date - timedelta(days=lookback)
        own_no = subs[i].claim_no
        rows = past.get(persons[i].id, []) + done.get(persons[i].id, [])
        return [r[:11] for r in rows
                if (r[5] >= since or (r[6] is not None and r[6] >= since))
                and (own[i] is None or r[12] != own[i]) and (own_no is None or r[1] != own_no)
                ] + [row(i, NEW_CLAIM.format(i))[:11]]  # fmt: skip

    def every_line(named: set[int]) -> list[tuple[Any, ...]]:
        mine = [c[0] for c in history if c[10] in named]
        return _items(session, mine) + [x for x in lines if x[0] < 0]

    done: dict[int, list[tuple[Any, ...]]] = {}  # person -> the batch's written claims
    found: dict[int, list[dict[str, Any]]] = {}
    at = 0
    while at < len(subs):
        # a round: from the first claim not decided, each person's first claim (the claims
        # of the batch before it are decided, so its history is settled)
        seen: set[int] = set()
        round_: list[int] = []
        for i in range(at, len(subs)):
            if persons[i].id not in seen:
                seen.add(persons[i].id)
                if i not in found:
                    round_.append(i)
        screened = [i for i in round_ if i in known]
        for i in round_:
            found[i] = []
        if screened:
            rows = [r for i in screened for r in context(i)]
            names = [NEW_CLAIM.format(i) for i in screened]
            hits = hits_of_rows(ruleset, rows, lines, births, people, names, every_line, catalog)
            for i, name in zip(screened, names, strict=True):
                found[i] = hits.get(name, [])
        while at < len(subs) and at in found:
            blocked = any(h["severity"] == "block" for h in found[at])
            if written(at, blocked) and at in known:
                name = subs[at].claim_no or NEW_CLAIM.format(at)
                done.setdefault(persons[at].id, []).append(row(at, name))
            at += 1
    return [[{**h, "claim_no": s.claim_no} for h in found[i]] for i, s in enumerate(subs)]


def hits_of_rows(
    ruleset: RuleSet,
    claims: Sequence[tuple[Any, ...]],
    lines: Sequence[tuple[Any, ...]],
    births: dict[int, Any],
    people: Sequence[tuple[int, str | None, Any, str | None]],
    new: Sequence[str],
    every_line: Callable[[set[int]], Sequence[tuple[Any, ...]]] | None = None,
    catalog: Entries | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The hits of the claims numbered ``new`` among the rows (as :func:`frames_from_rows`
    takes them), by claim number in :func:`screen`'s order: what screening every rule over
    all the rows finds for them, running only the rules the guards name over only the
    persons they name. ``lines`` may hold only what the guards read — the new claims' lines
    and the others' lines of the codes the new claims bill — when ``every_line(persons)``
    gives every line of those persons' claims for the rules that must run. ``catalog``: the
    county's catalog entries (None: the shipped catalog's)."""
    catalog = Entries() if catalog is None else catalog
    deceased = {p[0]: p[2] is not None for p in people}
    regions = {p[0]: p[3] for p in people}
    named, chosen = may_hit(ruleset, claims, lines, deceased, new, catalog, regions)
    if not chosen:
        return {}
    if every_line is not None:
        lines = every_line(named)
        catalog.need(x[1] for x in lines)
    mine = [c for c in claims if c[10] in named]
    ids = {c[0] for c in mine}
    data = frames_from_rows(
        mine,
        [x for x in lines if x[0] in ids],
        births,
        [p for p in people if p[0] in named],
        catalog,
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
    session: Session, submission: ClaimSubmission, rules: str | None = None
) -> pl.DataFrame:
    """The screening hits of one claim submitted at the window or through the API (a batch
    of one, :func:`batch_hits`) by ``rules`` (default: the county's); no hits for an unknown
    person."""
    person = session.scalar(select(Person).where(Person.resident_id == submission.resident_id))
    if person is None:
        return pl.DataFrame(schema=HIT_SCHEMA)
    return batch_hits(session, [(submission, person)], load_rules(rules or county_rules()))[0]


def blocking(hits: pl.DataFrame) -> pl.DataFrame:
    """The hits that refuse the claim (severity ``block``)."""
    return hits.filter(pl.col("severity") == "block")
