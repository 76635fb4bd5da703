"""Helpers for engine tests: build claim facts tersely and settle claim streams."""

from __future__ import annotations

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus
from safetynet.engine.compile import CompiledPolicy, compile_policy
from safetynet.engine.facts import ClaimFacts
from safetynet.engine.online import Accumulators, Settlement, settle_one
from safetynet.money import to_fen
from safetynet.policy.loader import load_policy


def policy(name: str) -> CompiledPolicy:
    return compile_policy(load_policy(name))


def claim(
    kind: str = "inpatient",
    level: str = "county",
    *,
    total: str | int,
    compliant: str | int,
    statuses: tuple[str, ...] = (),
    in_county: bool = True,
    referral: bool = False,
    age: int = 50,
    diseases: int = 0,
    essential: str | int = 0,
    deducted: str | int = 0,
) -> ClaimFacts:
    return ClaimFacts(
        kind=ClaimKind(kind),
        level=InstitutionLevel(level),
        in_county=in_county,
        referral=referral,
        statuses=frozenset(PovertyStatus(s) for s in statuses)
        or frozenset({PovertyStatus.ORDINARY}),
        disease_mask=diseases,
        age=age,
        total_fen=to_fen(total),
        compliant_fen=to_fen(compliant),
        essential_fen=to_fen(essential),
        deducted_fen=to_fen(deducted),
    )


def settle_stream(cp: CompiledPolicy, claims: list[ClaimFacts]) -> list[Settlement]:
    acc = Accumulators.empty(cp)
    out = []
    for c in claims:
        s = settle_one(cp, c, acc)
        acc = s.accumulators
        out.append(s)
    return out


def paid(s: Settlement) -> dict[str, int]:
    return {layer.layer_id: layer.paid_fen for layer in s.layers}
