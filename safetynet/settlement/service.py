"""Preview, submit and refund claims: the settlement service the window and APIs call.

- ``preview``: settle against the stored accumulators; nothing is written.
- ``submit``: the same, then append the ledger entry, the claim and the new accumulators
  in one transaction, under the household lock. A ``client_key`` makes it idempotent: a
  retry with the same key and the same claim returns the first settlement and pays nothing
  again; the same key with a different claim is refused.
- ``refund``: append a reversal (negated amounts) and rebuild the accumulators.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from safetynet.codes import ClaimKind, InstitutionLevel
from safetynet.engine.facts import status_mask
from safetynet.engine.online import NothingPaid, mechanism_of, nothing_paid, pays_later, settle_one
from safetynet.engine.online import Settlement as EngineSettlement
from safetynet.policy.compile import CompiledPolicy
from safetynet.policy.labels import rule_name
from safetynet.settlement import accumulators as accs
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.facts import PersonFacts, ResolvedClaim, find_person, resolve
from safetynet.settlement.policies import policy_in_force
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.models import Claim, ClaimItem, Person
from safetynet.store.models.ledger import EntryKind, Settlement, SettlementLayer


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


# statements of the write path, built once and run on the session's connection
_EARLIER = select(Settlement.id, Settlement.request_hash).where(
    Settlement.client_key == bindparam("key")
)
_CLAIM_NO = select(Claim.id).where(Claim.claim_no == bindparam("no"))
_INSERT_CLAIM = insert(Claim.__table__).returning(Claim.__table__.c.id)
_INSERT_ITEM = insert(ClaimItem.__table__)
_INSERT_ENTRY = insert(Settlement.__table__).returning(Settlement.__table__.c.id)
_INSERT_LAYER = insert(SettlementLayer.__table__)


def _param_sources(cp: CompiledPolicy, layer_id: str, rule_id: str | None) -> dict[str, str]:
    """Documents behind the rule's individually sourced parameters (deductible, ratio, ...)."""
    if rule_id is None:
        return {}
    prefix = f"layers.{layer_id}.rules.{rule_id}."
    sources = cp.policy.sources
    return {
        path.removeprefix(prefix): sources[src].document
        for path, src in cp.policy.value_sources.items()
        if path.startswith(prefix) and src in sources
    }


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


def _settle(session: Session, rc: ResolvedClaim) -> tuple[EngineSettlement, accs.Found]:
    acc, found = accs.load_rows(session, rc.policy, rc.person.id, rc.person.household_id, rc.year)
    return settle_one(rc.policy, rc.facts, acc), found


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


def preview(session: Session, sub: ClaimSubmission) -> SettlementView:
    """Settle without writing anything."""
    rc = resolve(session, sub)
    return _view(rc, sub, _settle(session, rc)[0], None, sub.claim_no)


CLAIM_NO_LETTERS = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud, typed back


def readable_claim_no(on: date) -> str:
    """A claim number for a claim the window settles: ``W-20171218-7K3M-9QXA`` (the date and
    eight random letters, 32⁸ per day: no two alike in practice)."""
    code = "".join(secrets.choice(CLAIM_NO_LETTERS) for _ in range(8))
    return f"W-{on:%Y%m%d}-{code[:4]}-{code[4:]}"


def request_hash(sub: ClaimSubmission) -> str:
    return hashlib.sha256(sub.model_dump_json().encode()).hexdigest()


def submit(
    session: Session,
    sub: ClaimSubmission,
    *,
    user: str,
    client_key: str | None = None,
    person: PersonFacts | None = None,
) -> SettlementView:
    """Settle and record; the caller commits. Idempotent on ``client_key``.

    Plain Core statements (no ORM unit of work): lock the household, check the key, read
    the facts and the accumulators, insert the claim, its lines, the entry and its layers,
    write the accumulators — a dozen round trips. ``person``: when the caller already found
    the person (access checks), saves reading it again.
    """
    if person is None:
        person = find_person(session, sub.resident_id)
    accs.lock_household(session, person.household_id)
    req_hash = request_hash(sub)
    conn = session.connection()
    if client_key:
        earlier = conn.execute(_EARLIER, {"key": client_key}).first()
        if earlier is not None:
            if earlier.request_hash != req_hash:
                raise SettlementError(
                    "client_key_reused",
                    "this client key was used for a different claim",
                    field="client_key",
                    status=409,
                )
            return replace_replayed(settlement_view(session, earlier.id))
    if sub.claim_no and conn.execute(_CLAIM_NO, {"no": sub.claim_no}).first():
        raise SettlementError(
            "claim_exists",
            f"claim {sub.claim_no} was already submitted",
            field="claim_no",
            status=409,
        )
    rc = resolve(session, sub, person)
    result, found = _settle(session, rc)
    claim_no = sub.claim_no or readable_claim_no(sub.date)
    claim = {
        "claim_no": claim_no,
        "person_id": rc.person.id,
        "institution_code": rc.institution.code,
        "kind": sub.kind,
        "start_date": sub.date,
        "end_date": sub.discharge_date or sub.date,
        "diagnosis_code": sub.diagnosis,
        "referral": sub.referral,
        "total_fen": rc.facts.total_fen,
    }
    claim_id = conn.execute(_INSERT_CLAIM, claim).scalar_one()
    conn.execute(
        _INSERT_ITEM,
        [
            {
                "claim_id": claim_id,
                "item_code": line.code,
                "quantity": line.quantity,
                "amount_fen": int(amount),
                "deducted_fen": int(deducted),
            }
            for line, amount, deducted in zip(
                sub.items, rc.lines["amount_fen"], rc.lines["deducted_fen"], strict=True
            )
        ],
    )
    entry = _entry(rc, claim_id, sub.date, result, user, client_key, req_hash)
    entry_id = conn.execute(_INSERT_ENTRY, entry).scalar_one()
    _add_layers(session, entry_id, result, sign=1)
    accs.store(
        session,
        rc.policy,
        rc.person.id,
        rc.person.household_id,
        rc.year,
        result.accumulators,
        found,
    )
    return _view(rc, sub, result, entry_id, claim_no)


def replace_replayed(view: SettlementView) -> SettlementView:
    from dataclasses import replace

    return replace(view, replayed=True)


def _entry(
    rc: ResolvedClaim,
    claim_id: int,
    claim_date: date,
    result: EngineSettlement,
    user: str,
    client_key: str | None,
    req_hash: str | None,
) -> dict[str, Any]:
    f = rc.facts
    return {
        "entry_kind": EntryKind.SETTLEMENT,
        "client_key": client_key,
        "request_hash": req_hash,
        "claim_id": claim_id,
        "person_id": rc.person.id,
        "household_id": rc.person.household_id,
        "year": rc.year,
        "policy_id": rc.policy.policy.id,
        "kind": f.kind,
        "level": f.level,
        "in_county": f.in_county,
        "referral": f.referral,
        "status_mask": status_mask(f.statuses),
        "disease_mask": f.disease_mask,
        "age": f.age,
        "claim_date": claim_date,
        "total_fen": f.total_fen,
        "compliant_fen": f.compliant_fen,
        "essential_fen": f.essential_fen,
        "deducted_fen": f.deducted_fen,
        "paid_fen": result.paid_fen,
        "out_of_pocket_fen": result.out_of_pocket_fen,
        "created_by": user,
    }


def _add_layers(session: Session, entry_id: int, result: EngineSettlement, *, sign: int) -> None:
    session.connection().execute(
        _INSERT_LAYER,
        [
            {
                "settlement_id": entry_id,
                "position": i,
                "layer_id": layer.layer_id,
                "rule_id": layer.rule_id,
                "source": layer.source,
                "paid_fen": sign * layer.paid_fen,
                "facts": layer.facts,
            }
            for i, layer in enumerate(result.layers)
        ],
    )


def settlement_view(session: Session, settlement_id: int) -> SettlementView:
    """A recorded ledger entry as the window shows it."""
    entry = session.get(Settlement, settlement_id)
    if entry is None:
        raise SettlementError("settlement_unknown", f"no settlement {settlement_id}", status=404)
    claim = session.get(Claim, entry.claim_id)
    person = session.get(Person, entry.person_id)
    assert claim is not None and person is not None
    cp = policy_in_force(person.region_code, entry.claim_date)
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


def refund(session: Session, settlement_id: int, *, user: str, reason: str) -> SettlementView:
    """Reverse a settlement (a new, negated entry) and rebuild the accumulators."""
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
    person = session.get(Person, entry.person_id)
    assert person is not None
    cp = policy_in_force(person.region_code, entry.claim_date)
    accs.rebuild(session, cp, entry.household_id, entry.year)
    session.flush()
    return settlement_view(session, reversal.id)
