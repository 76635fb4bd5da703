"""Preview, submit and refund claims: the settlement service the window and APIs call.

- ``preview``: settle against the stored accumulators; nothing is written.
- ``submit_many``: settle a batch of submissions and append their ledger entries, claims
  and new accumulators in the caller's transaction, under the households' locks, with one
  statement per table; each submission succeeds or is refused alone. ``submit`` is a batch
  of one. A ``client_key`` makes it idempotent: a retry with the same key and the same
  claim returns the first settlement and pays nothing again; the same key with a different
  claim is refused.
- ``refund``: append a reversal (negated amounts) and rebuild the accumulators.

Other rooms take part through :mod:`~safetynet.settlement.hooks`: its gates may refuse a
claim before it is settled (preview and submit alike), its after steps run on the entries
just written, in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.codes import ClaimKind, InstitutionLevel
from safetynet.engine.compile import CompiledPolicy
from safetynet.engine.online import (
    Accumulators,
    NothingPaid,
    mechanism_of,
    nothing_paid,
    pays_later,
    settle_one,
)
from safetynet.engine.online import Settlement as EngineSettlement
from safetynet.plain_text import hidden_character
from safetynet.policy.in_force import policy_by_id
from safetynet.policy.labels import rule_name
from safetynet.settlement import accumulators as accs
from safetynet.settlement import hooks, ledger, snapshot
from safetynet.settlement.compiled import compiled, compiled_in_force
from safetynet.settlement.duplicate_bill import hashes_kept, request_hash, retried_as
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.facts import (
    PersonFacts,
    ResolvedClaim,
    checked_resident_id,
    find_person,
    resolve,
)
from safetynet.settlement.ledger import Settled
from safetynet.settlement.snapshot import AccKey, Snapshot, persons_by_resident_id
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.models import Claim, Person
from safetynet.store.models.ledger import AccumulatorScope, EntryKind, Settlement, SettlementLayer


@dataclass(frozen=True)
class LayerView:
    layer_id: str
    name_en: str
    name_zh: str
    paid_fen: int
    rule_id: str | None
    source: str | None  # the published document behind the rule
    facts: dict[str, int]
    parameter_sources: dict[str, str] = field(default_factory=dict)  # parameter -> document
    mechanism: str = "ratio"  # ratio | ceiling: which facts the rule has
    nothing_paid: NothingPaid | None = None  # why the layer paid nothing (when it did)
    rule_name_en: str | None = None  # the rule's name (None: no rule applied)
    rule_name_zh: str | None = None


@dataclass(frozen=True)
class SettlementView:
    """What the window shows and prints: every layer, the rule behind it, what the patient pays."""

    settlement_id: int | None  # None for a preview
    entry_kind: str
    policy_id: str
    resident_id: str
    person_name: str
    claim_no: str | None
    claim_date: date
    kind: str
    institution_code: str
    total_fen: int
    compliant_fen: int
    institution_borne_fen: int
    paid_fen: int
    out_of_pocket_fen: int
    layers: list[LayerView]
    accumulators: dict[str, dict[str, int]] = field(default_factory=dict)
    replayed: bool = False  # an idempotent retry answered from the ledger
    pay_later: bool = False  # "diagnose first, pay later": admitted without deposit
    policy_title_en: str = ""
    policy_title_zh: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (a copy: changing it changes nothing here)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["claim_date"] = self.claim_date.isoformat()
        out["layers"] = [
            {
                **vars(layer),
                "facts": dict(layer.facts),
                "parameter_sources": dict(layer.parameter_sources),
                "nothing_paid": asdict(layer.nothing_paid) if layer.nothing_paid else None,
            }
            for layer in self.layers
        ]
        out["accumulators"] = {pool: dict(values) for pool, values in self.accumulators.items()}
        return out


_SOURCES: dict[tuple[int, str, str], tuple[object, dict[str, str]]] = {}


def _param_sources(cp: CompiledPolicy, layer_id: str, rule_id: str | None) -> dict[str, str]:
    """Documents behind the rule's individually sourced parameters (deductible, ratio, ...);
    found once per loaded policy and rule (a copy: the caller may change it)."""
    if rule_id is None:
        return {}
    key = (id(cp.policy), layer_id, rule_id)
    hit = _SOURCES.get(key)
    if hit is None or hit[0] is not cp.policy:  # the policy kept: its id is never reused
        prefix = f"layers.{layer_id}.rules.{rule_id}."
        sources = cp.policy.sources
        found = {
            path.removeprefix(prefix): sources[src].document
            for path, src in cp.policy.value_sources.items()
            if path.startswith(prefix) and src in sources
        }
        hit = _SOURCES[key] = (cp.policy, found)
    return dict(hit[1])


def _why_nothing(
    cp: CompiledPolicy,
    layer_id: str,
    rule_id: str | None,
    paid: int,
    facts: dict[str, int],
    level: InstitutionLevel,
) -> NothingPaid | None:
    return nothing_paid(cp, layer_id, rule_id, facts, level) if paid == 0 else None


def _rule_names(
    cp: CompiledPolicy, layer_id: str, rule_id: str | None
) -> tuple[str | None, str | None]:
    if rule_id is None:
        return None, None
    return rule_name(cp, layer_id, rule_id, "en"), rule_name(cp, layer_id, rule_id, "zh_Hans")


def _layer_views(
    cp: CompiledPolicy, result: EngineSettlement, level: InstitutionLevel
) -> list[LayerView]:
    views = []
    for layer, res in zip(cp.policy.layers, result.layers, strict=True):
        src = cp.policy.sources.get(res.source) if res.source else None
        views.append(
            LayerView(
                res.layer_id,
                layer.name_en,
                layer.name_zh,
                res.paid_fen,
                res.rule_id,
                src.document if src else None,
                res.facts,
                _param_sources(cp, res.layer_id, res.rule_id),
                mechanism_of(cp, res.layer_id),
                _why_nothing(cp, res.layer_id, res.rule_id, res.paid_fen, res.facts, level),
                *_rule_names(cp, res.layer_id, res.rule_id),
            )
        )
    return views


def _view(
    rc: ResolvedClaim,
    sub: ClaimSubmission,
    result: EngineSettlement,
    settlement_id: int | None,
    claim_no: str | None,
) -> SettlementView:
    return SettlementView(
        settlement_id=settlement_id,
        entry_kind=EntryKind.SETTLEMENT.value,
        policy_id=rc.policy.policy.id,
        resident_id=rc.person.resident_id,
        person_name=rc.person.name,
        claim_no=claim_no,
        claim_date=sub.date,
        kind=sub.kind.value,
        institution_code=rc.institution.code,
        total_fen=rc.facts.total_fen,
        compliant_fen=rc.facts.compliant_fen,
        institution_borne_fen=result.institution_borne_fen,
        paid_fen=result.paid_fen,
        out_of_pocket_fen=result.out_of_pocket_fen,
        layers=_layer_views(rc.policy, result, rc.facts.level),
        accumulators=result.accumulators.as_dict(rc.policy),
        pay_later=pays_later(rc.policy, rc.facts),
        policy_title_en=rc.policy.policy.title_en,
        policy_title_zh=rc.policy.policy.title_zh,
    )


def _state(rc: ResolvedClaim) -> tuple[AccKey, AccKey]:
    pid, year = rc.policy.policy.id, rc.year
    return (
        (AccumulatorScope.PERSON, rc.person.id, year, pid),
        (AccumulatorScope.HOUSEHOLD, rc.person.household_id, year, pid),
    )


def _accumulators(
    snap: Snapshot, state: dict[AccKey, np.ndarray], rc: ResolvedClaim
) -> Accumulators:
    """The state a claim is settled on: the batch's own changes, else the stored rows."""
    n = rc.policy.n_slots

    def slots(key: AccKey) -> np.ndarray:
        if key in state:
            return state[key]
        row = snap.accumulators.get(key)
        return np.asarray(row[1], np.int64) if row else np.zeros(n, np.int64)

    person, household = _state(rc)
    return Accumulators(slots(person), slots(household))


def preview(session: Session, sub: ClaimSubmission) -> SettlementView:
    """Settle without writing anything."""
    person = find_person(session, sub.resident_id)
    snap = snapshot.read(session, [(sub, person, None)])
    institution = snap.institutions.get(sub.institution_code)
    refusal = hooks.refusals(session, [hooks.GateClaim(sub, person, institution=institution)])[0]
    if refusal is not None:
        raise refusal
    rc = resolve(snap, sub, person)
    result = settle_one(rc.policy, rc.facts, _accumulators(snap, {}, rc))
    return _view(rc, sub, result, None, sub.claim_no)


CLAIM_NO_LETTERS = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud, typed back


def readable_claim_no(on: date) -> str:
    """A claim number for a claim the window settles: ``W-20171218-7K3M-9QXA`` (the date and
    eight random letters, 32⁸ per day: no two alike in practice), drawn as one number of 40
    random bits (one read of the system's randomness, not eight)."""
    n = secrets.randbits(40)
    code = "".join(CLAIM_NO_LETTERS[n >> shift & 31] for shift in range(35, -1, -5))
    return f"W-{on:%Y%m%d}-{code[:4]}-{code[4:]}"


@dataclass(frozen=True)
class Order:
    """One submission of a batch: the claim, who submits it, its idempotency key, and the
    person when the caller has already found it (access checks)."""

    sub: ClaimSubmission
    user: str
    client_key: str | None = None
    person: PersonFacts | None = None


Outcome = SettlementView | SettlementError


def _key_reused() -> SettlementError:
    return SettlementError(
        "client_key_reused",
        "this client key was used for a different claim",
        field="client_key",
        status=409,
    )


def _persons(session: Session, orders: Sequence[Order], out: list[Outcome | None]) -> list[Any]:
    """Each order's person (None where ``out`` got the refusal), found with one query."""
    numbers: list[str | None] = []
    for i, o in enumerate(orders):
        try:
            numbers.append(None if o.person else checked_resident_id(o.sub.resident_id))
        except SettlementError as exc:
            numbers.append(None)
            out[i] = exc
    # the households locked with the persons, unless some come found (one lock statement
    # per batch keeps the id order every writer locks in)
    alone = not any(o.person for o in orders)
    found = persons_by_resident_id(session, [n for n in numbers if n], lock=alone)
    persons: list[Any] = []
    for i, (o, number) in enumerate(zip(orders, numbers, strict=True)):
        person = o.person or (found.get(number) if number else None)
        if person is None and out[i] is None:
            out[i] = SettlementError(
                "person_unknown",
                f"no insured person has resident ID {number}",
                field="resident_id",
                status=404,
            )
        persons.append(person)
    return persons


def _resolved(snap: Snapshot, o: Order, person: PersonFacts) -> ResolvedClaim | SettlementError:
    try:
        return resolve(snap, o.sub, person)
    except SettlementError as exc:
        return exc


def _settles(snap: Snapshot, o: Order, rc: ResolvedClaim | SettlementError) -> bool:
    """Whether the checks after the gates that read only the ledger let ``o`` be written:
    not a replay, not under a client key or a claim number taken, not refused by its facts
    (the gates tell the batch's other claims' refusals from its order)."""
    key, number = o.client_key, o.sub.claim_no
    return not (
        isinstance(rc, SettlementError)
        or (key and key in snap.earlier)
        or (number and number in snap.claim_nos)
    )


def submit_many(session: Session, orders: Sequence[Order]) -> list[Outcome]:
    """Settle and record a batch of submissions in the caller's transaction, with one
    statement per table; the caller commits. Each order's outcome, in the batch's order: its
    settlement, or the refusal of that order alone (nothing of it is written).

    The households are locked first (in id order), then everything the claims are settled on
    is read at once (:mod:`~safetynet.settlement.snapshot`); the gates see each claim with
    whether the checks that read only the ledger let it be written; the claims are settled in the
    batch's order, each on the accumulators the earlier ones of the batch left, and their
    rows are written with one multi-row statement per table (:mod:`ledger`). A ``client_key``
    seen before — in the ledger or earlier in the batch — answers the first settlement (a
    different claim under it is refused); a claim number seen before is refused."""
    with hashes_kept():
        return _submit_many(session, orders)


def _submit_many(session: Session, orders: Sequence[Order]) -> list[Outcome]:
    out: list[Outcome | None] = [None] * len(orders)
    persons = _persons(session, orders, out)
    live = [i for i, p in enumerate(persons) if p is not None]
    snapshot.lock_households(session, (persons[i].household_id for i in live))
    entries: list[Any] = []
    for part in _segments(orders, persons, live):
        entries += _submit_segment(session, orders, persons, part, out)
    hooks.written(session, entries)  # once for the batch: one fund journal entry, one warning pass
    return [o for o in out if o is not None]


def _segments(orders: Sequence[Order], persons: list[Any], live: list[int]) -> list[list[int]]:
    """The batch cut, in its order, into runs in which no person, client key or claim number
    comes twice. Each run is gated, settled and written before the next is read, so a claim
    sees the earlier claims of its person as settled in the ledger — exactly as if they had
    been submitted one by one (the gates decide in turn: a claim refused by a later gate is
    no earlier bill of a duplicate, no history of screening). A batch of distinct persons,
    the common case, is one run."""
    runs: list[list[int]] = []
    seen: set[object] = set()
    for i in live:
        o = orders[i]
        marks = {("p", persons[i].id)}
        if o.client_key:
            marks.add(("k", o.client_key))
        if o.sub.claim_no:
            marks.add(("n", o.sub.claim_no))
        if not runs or marks & seen:
            runs.append([])
            seen = set()
        runs[-1].append(i)
        seen |= marks
    return runs


def _submit_segment(
    session: Session,
    orders: Sequence[Order],
    persons: list[Any],
    live: list[int],
    out: list[Outcome | None],
) -> list[Any]:
    """Gate, settle and write one run of the batch (:func:`_segments`) into ``out``; the
    entries written, for the after steps (:func:`hooks.written`, run once per batch)."""
    snap = snapshot.read(session, [(orders[i].sub, persons[i], orders[i].client_key) for i in live])
    resolved = {i: _resolved(snap, orders[i], persons[i]) for i in live}
    gated = hooks.refusals(session, [
        hooks.GateClaim(orders[i].sub, persons[i], orders[i].client_key,
                        _settles(snap, orders[i], resolved[i]),
                        snap.institutions.get(orders[i].sub.institution_code))
        for i in live
    ])  # fmt: skip
    for i, refusal in zip(live, gated, strict=True):
        out[i] = refusal
    live = [i for i, refusal in zip(live, gated, strict=True) if refusal is None]
    state: dict[AccKey, np.ndarray] = {}
    touched: dict[AccKey, int] = {}
    keys: dict[str, tuple[int, str]] = {}  # key -> (order settled under it, request hash)
    nos: set[str] = set(snap.claim_nos)
    batch: list[tuple[int, Settled]] = []
    replays: list[tuple[int, int, bool]] = []  # order, settlement id or order, in the ledger?
    for i in live:
        o = orders[i]
        h = request_hash(o.sub)
        try:
            if o.client_key and o.client_key in snap.earlier:
                entry_id, earlier_hash = snap.earlier[o.client_key]
                if earlier_hash != h and earlier_hash not in retried_as(o.sub):
                    raise _key_reused()
                replays.append((i, entry_id, True))
                continue
            if o.client_key and o.client_key in keys:
                first, earlier_hash = keys[o.client_key]
                if earlier_hash != h and earlier_hash not in retried_as(o.sub):
                    raise _key_reused()
                replays.append((i, first, False))
                continue
            if o.sub.claim_no and o.sub.claim_no in nos:
                raise SettlementError(
                    "claim_exists",
                    f"claim {o.sub.claim_no} was already submitted",
                    field="claim_no",
                    status=409,
                )
            rc = resolved[i]
            if isinstance(rc, SettlementError):
                raise rc
            result = settle_one(rc.policy, rc.facts, _accumulators(snap, state, rc))
        except SettlementError as exc:
            out[i] = exc
            continue
        person_key, household_key = _state(rc)
        state[person_key] = result.accumulators.person
        state[household_key] = result.accumulators.household
        for k in (person_key, household_key):
            touched[k] = touched.get(k, 0) + 1
        if o.client_key:
            keys[o.client_key] = (i, h)
        claim_no = o.sub.claim_no or readable_claim_no(o.sub.date)
        nos.add(claim_no)
        batch.append((i, Settled(o.sub, rc, result, claim_no, o.user, o.client_key, h)))
    conn = session.connection()
    changes = [(*k, snap.accumulators.get(k), state[k], n) for k, n in touched.items()]
    if conn.dialect.name == "postgresql" and batch:  # the accumulators in the same statement
        ids = ledger.write(conn, [s for _, s in batch], accs.chain_parts(conn, changes))
    else:
        ids = ledger.write(conn, [s for _, s in batch])
        accs.write_rows(session, changes)
    pairs = list(zip(batch, ids, strict=True))
    entry_of = {}
    for (i, s), (_, entry_id) in pairs:
        entry_of[i] = entry_id
        out[i] = _view(s.rc, s.sub, s.result, entry_id, s.claim_no)
    for i, ref, in_ledger in replays:
        out[i] = replace(settlement_view(session, ref if in_ledger else entry_of[ref]),
                         replayed=True)  # fmt: skip
    return [ledger.hook_entry(s, c, e) for (_, s), (c, e) in pairs]


def submit(
    session: Session,
    sub: ClaimSubmission,
    *,
    user: str,
    client_key: str | None = None,
    person: PersonFacts | None = None,
) -> SettlementView:
    """Settle and record one claim (a batch of one); the caller commits. Idempotent on
    ``client_key``; a refusal raises ``SettlementError``. ``person``: when the caller
    already found the person (access checks), saves reading it again."""
    outcome = submit_many(session, [Order(sub, user, client_key, person)])[0]
    if isinstance(outcome, SettlementError):
        raise outcome
    return outcome


def replace_replayed(view: SettlementView) -> SettlementView:
    return replace(view, replayed=True)


def entry_policy(session: Session, entry: Settlement) -> CompiledPolicy:
    """The policy a ledger entry was settled under (its ``policy_id``): not the policy of the
    person's region today, which a move may have changed; that one only when the entry's is
    no longer a candidate of this deployment."""
    policy = policy_by_id(entry.policy_id)
    if policy is not None:
        return compiled(policy)
    person = session.get(Person, entry.person_id)
    assert person is not None
    return compiled_in_force(person.region_code, entry.claim_date)


def settlement_view(session: Session, settlement_id: int) -> SettlementView:
    """A recorded ledger entry as the window shows it."""
    entry = session.get(Settlement, settlement_id)
    if entry is None:
        raise SettlementError("settlement_unknown", f"no settlement {settlement_id}", status=404)
    claim = session.get(Claim, entry.claim_id)
    person = session.get(Person, entry.person_id)
    assert claim is not None and person is not None
    cp = entry_policy(session, entry)
    layers_by_id = {layer.id: layer for layer in cp.policy.layers}
    rows = session.scalars(
        select(SettlementLayer)
        .where(SettlementLayer.settlement_id == entry.id)
        .order_by(SettlementLayer.position)
    ).all()
    views = []
    for r in rows:
        layer = layers_by_id.get(r.layer_id)
        src = cp.policy.sources.get(r.source) if r.source else None
        views.append(
            LayerView(
                r.layer_id,
                layer.name_en if layer else r.layer_id,
                layer.name_zh if layer else r.layer_id,
                r.paid_fen,
                r.rule_id,
                src.document if src else None,
                dict(r.facts or {}),
                _param_sources(cp, r.layer_id, r.rule_id),
                mechanism_of(cp, r.layer_id) if layer else "ratio",
                _why_nothing(
                    cp, r.layer_id, r.rule_id, r.paid_fen, dict(r.facts or {}), entry.level
                )
                if layer
                else None,
                *_rule_names(cp, r.layer_id, r.rule_id),
            )
        )
    acc = accs.load(session, cp, person.id, person.household_id, entry.year)
    return SettlementView(
        settlement_id=entry.id,
        entry_kind=entry.entry_kind.value,
        policy_id=entry.policy_id,
        resident_id=person.resident_id,
        person_name=person.name,
        claim_no=claim.claim_no,
        claim_date=entry.claim_date,
        kind=ClaimKind(entry.kind).value,
        institution_code=claim.institution_code,
        total_fen=entry.total_fen,
        compliant_fen=entry.compliant_fen,
        institution_borne_fen=entry.deducted_fen,
        paid_fen=entry.paid_fen,
        out_of_pocket_fen=entry.out_of_pocket_fen,
        layers=views,
        accumulators=acc.as_dict(cp),
        pay_later=entry.entry_kind == EntryKind.SETTLEMENT and pays_later(cp, accs.facts_of(entry)),
        policy_title_en=cp.policy.title_en,
        policy_title_zh=cp.policy.title_zh,
    )


def check_refund_reason(reason: str) -> str:
    """A refund's reason without the spaces around it; a blank one is refused
    (``reason_missing``), as is one holding a control or invisible character (``invalid``),
    from every interface alike."""
    reason = reason.strip()
    if not reason:
        raise SettlementError("reason_missing", "a refund needs a reason", field="reason")
    hidden = hidden_character(reason)  # the one rule for a line of text (plain_text)
    if hidden is not None:
        raise SettlementError(
            "invalid",
            f"reason: holds a control or invisible character ({hidden}): retype it",
            field="reason",
        )
    return reason


def refund(session: Session, settlement_id: int, *, user: str, reason: str) -> SettlementView:
    """Reverse a settlement (a new, negated entry) and rebuild the accumulators; the reason
    as :func:`check_refund_reason` takes it."""
    reason = check_refund_reason(reason)
    entry = session.get(Settlement, settlement_id)
    if entry is None or entry.entry_kind != EntryKind.SETTLEMENT:
        raise SettlementError(
            "settlement_unknown", f"no settlement {settlement_id} to refund", status=404
        )
    accs.lock_household(session, entry.household_id)
    if session.scalar(select(Settlement.id).where(Settlement.reverses_id == entry.id)):
        raise SettlementError(
            "already_refunded", f"settlement {settlement_id} was already refunded", status=409
        )
    reversal = Settlement(
        entry_kind=EntryKind.REVERSAL,
        claim_id=entry.claim_id,
        person_id=entry.person_id,
        household_id=entry.household_id,
        year=entry.year,
        policy_id=entry.policy_id,
        reverses_id=entry.id,
        kind=entry.kind,
        level=entry.level,
        in_county=entry.in_county,
        referral=entry.referral,
        status_mask=entry.status_mask,
        disease_mask=entry.disease_mask,
        age=entry.age,
        claim_date=entry.claim_date,
        total_fen=-entry.total_fen,
        compliant_fen=-entry.compliant_fen,
        essential_fen=-entry.essential_fen,
        deducted_fen=-entry.deducted_fen,
        paid_fen=-entry.paid_fen,
        out_of_pocket_fen=-entry.out_of_pocket_fen,
        created_by=user,
        reason=reason,
    )
    session.add(reversal)
    session.flush()
    layers = session.scalars(
        select(SettlementLayer).where(SettlementLayer.settlement_id == entry.id)
    ).all()
    session.add_all(
        SettlementLayer(
            settlement_id=reversal.id,
            position=r.position,
            layer_id=r.layer_id,
            rule_id=r.rule_id,
            source=r.source,
            paid_fen=-r.paid_fen,
            facts={},
        )
        for r in layers
    )
    # the accumulators of the policy the entry was settled under
    accs.rebuild(session, entry_policy(session, entry), entry.household_id, entry.year)
    session.flush()
    claim = session.get(Claim, entry.claim_id)
    assert claim is not None
    hooks.written(session, [hooks.Entry(
        reversal.id, True, entry.claim_id, entry.person_id, entry.household_id, entry.year,
        entry.claim_date, ClaimKind(entry.kind).value, claim.institution_code, None,
        tuple((r.layer_id, -r.paid_fen) for r in sorted(layers, key=lambda r: r.position)),
        claim.claim_no,
    )])  # fmt: skip
    return settlement_view(session, reversal.id)
