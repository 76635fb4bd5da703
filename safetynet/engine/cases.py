"""Settle a policy's worked examples (``safetynet.policy.cases``) and say where they differ.

Each case is one person's year: its claims are settled in order through ``settle_one``
with the running accumulators, exactly as the window does. A mismatch names the case,
the claim (1-based), the figure and both amounts in yuan, so a policy officer can read it
beside the arithmetic in the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from safetynet.codes import PovertyStatus
from safetynet.engine.compile import CompiledPolicy
from safetynet.engine.facts import ClaimFacts
from safetynet.engine.online import Accumulators, Settlement, settle_one
from safetynet.money import fmt_yuan
from safetynet.policy.cases import Case, CaseClaim, Expected


@dataclass(frozen=True)
class Mismatch:
    case: str
    claim: int  # 1-based
    figure: str
    expected: str
    actual: str

    def __str__(self) -> str:
        return (
            f"{self.case} / claim {self.claim}: {self.figure} expected {self.expected}, "
            f"settled {self.actual}"
        )


def case_facts(cp: CompiledPolicy, case: Case, claim: CaseClaim) -> ClaimFacts:
    """The engine facts of one claim of a case (person facts unless the claim overrides)."""
    unknown = [d for d in claim.diseases if d not in cp.disease_groups]
    if unknown:
        raise ValueError(
            f"{case.name}: disease group(s) {', '.join(unknown)} not in the policy "
            f"(it has {', '.join(cp.disease_groups) or 'none'})"
        )
    mask = 0
    for d in claim.diseases:
        mask |= 1 << cp.disease_groups.index(d)
    statuses = claim.statuses if claim.statuses is not None else case.person.statuses
    return ClaimFacts(
        kind=claim.kind,
        level=claim.level,
        in_county=claim.in_county,
        referral=claim.referral,
        statuses=frozenset(statuses) or frozenset({PovertyStatus.ORDINARY}),
        disease_mask=mask,
        age=claim.age if claim.age is not None else case.person.age,
        total_fen=claim.total,
        compliant_fen=claim.compliant,
        essential_fen=claim.essential,
        deducted_fen=claim.deducted,
    )


def _compare(
    cp: CompiledPolicy, case: Case, n: int, expect: Expected, s: Settlement
) -> list[Mismatch]:
    out: list[Mismatch] = []

    def differs(figure: str, want: int | str | None, got: int | str | None, money: bool) -> None:
        if want != got:
            show = (lambda v: fmt_yuan(v) if isinstance(v, int) else str(v)) if money else str
            out.append(Mismatch(case.name, n, figure, show(want), show(got)))

    by_layer = {layer.layer_id: layer for layer in s.layers}
    for layer_id in [*expect.paid, *expect.rules, *expect.facts]:
        if layer_id not in by_layer:
            out.append(Mismatch(case.name, n, f"layer {layer_id}", "a layer", "not in policy"))
    for layer_id, fen in expect.paid.items():
        if layer_id in by_layer:
            differs(f"paid by {layer_id}", fen, by_layer[layer_id].paid_fen, True)
    for layer_id, rule in expect.rules.items():
        if layer_id in by_layer:
            differs(f"rule of {layer_id}", rule, by_layer[layer_id].rule_id, False)
    for layer_id, facts in expect.facts.items():
        if layer_id in by_layer:
            for name, value in facts.items():
                got = by_layer[layer_id].facts.get(name)
                differs(f"{layer_id} {name}", value, got, False)
    if expect.out_of_pocket is not None:
        differs("out of pocket", expect.out_of_pocket, s.out_of_pocket_fen, True)
    if expect.institution_borne is not None:
        differs("borne by the institution", expect.institution_borne, s.institution_borne_fen, True)
    if expect.accumulators:
        acc = s.accumulators.as_dict(cp)
        for pool, values in expect.accumulators.items():
            for name, fen in values.items():
                differs(f"{pool} {name}", fen, acc.get(pool, {}).get(name), True)
    return out


def check_case(cp: CompiledPolicy, case: Case) -> list[Mismatch]:
    """Settle a case's claims in order; every figure that differs from what it expects."""
    acc = Accumulators.empty(cp)
    mismatches: list[Mismatch] = []
    for n, claim in enumerate(case.claims, start=1):
        s = settle_one(cp, case_facts(cp, case, claim), acc)
        acc = s.accumulators
        mismatches += _compare(cp, case, n, claim.expect, s)
        total = s.paid_fen + s.institution_borne_fen + s.out_of_pocket_fen
        if total != claim.total:
            mismatches.append(
                Mismatch(
                    case.name,
                    n,
                    "paid + borne + out of pocket",
                    fmt_yuan(claim.total),
                    fmt_yuan(total),
                )
            )
    return mismatches
