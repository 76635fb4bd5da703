"""Online settlement: one claim against a person's (and household's) stored accumulators.

Returns each layer's payment with an explanation naming the rule, the parameters and
their published source, and the new accumulators; the inputs are never mutated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from safetynet.codes import InstitutionLevel, code
from safetynet.engine import layout as L
from safetynet.engine.compile import CompiledPolicy
from safetynet.engine.facts import ClaimFacts
from safetynet.engine.kernel import matches, settle_claim


@dataclass(frozen=True)
class Accumulators:
    """Running annual state of one person and their household, per pool (int64 slots)."""

    person: np.ndarray
    household: np.ndarray

    @classmethod
    def empty(cls, cp: CompiledPolicy) -> Accumulators:
        return cls(np.zeros(cp.n_slots, np.int64), np.zeros(cp.n_slots, np.int64))

    def as_dict(self, cp: CompiledPolicy) -> dict[str, dict[str, int]]:
        """Readable form: ``{"critical/annual": {"base": ..., "paid": ...}, ...}``."""
        out: dict[str, dict[str, int]] = {}
        for i, pool in enumerate(cp.pools):
            src = self.household if cp.pool_household[i] else self.person
            s = src[i * L.SLOTS_PER_POOL : (i + 1) * L.SLOTS_PER_POOL]
            names = (
                ("base", "paid", "-")
                if _is_ratio_pool(cp, pool)
                else ("cost", "out_of_pocket", "highest_level")
            )
            out[pool] = {n: int(v) for n, v in zip(names, s, strict=True) if n != "-"}
        return out


def _is_ratio_pool(cp: CompiledPolicy, pool: str) -> bool:
    layer_id = pool.split("/", 1)[0]
    li = cp.layer_ids.index(layer_id)
    return bool(cp.layers[li, L.L_MECHANISM] == L.MECH_RATIO)


@dataclass(frozen=True)
class LayerResult:
    layer_id: str
    paid_fen: int
    rule_id: str | None
    source: str | None
    facts: dict[str, int]  # the explanation's numbers (see layout.E_*)


@dataclass(frozen=True)
class Settlement:
    layers: tuple[LayerResult, ...]
    out_of_pocket_fen: int
    institution_borne_fen: int
    accumulators: Accumulators

    @property
    def paid_fen(self) -> int:
        return sum(layer.paid_fen for layer in self.layers)


_EXPLAIN_NAMES = (
    "base",
    "deductible",
    "eligible",
    "ratio_bp",
    "gross",
    "capped",
    "running_before",
    "paid_before",
    "allowed",
    "bonus_bp",
)


def settle_one(cp: CompiledPolicy, claim: ClaimFacts, acc: Accumulators) -> Settlement:
    row = claim.row()
    pstate = acc.person.copy().reshape(1, -1)
    hstate = acc.household.copy().reshape(1, -1)
    n = cp.n_layers
    pay = np.zeros(n, np.int64)
    rule = np.zeros(n, np.int64)
    ex = np.zeros((n, L.N_EXPLAIN_COLS), np.int64)
    oop = settle_claim(
        row,
        *cp.kernel_arrays,
        pstate,
        hstate,
        pay,
        rule,
        True,
        ex,
    )
    results = []
    for li in range(n):
        r = int(rule[li])
        ref = cp.rules[r] if r >= 0 else None
        results.append(
            LayerResult(
                layer_id=cp.layer_ids[li],
                paid_fen=int(pay[li]),
                rule_id=ref.rule_id if ref else None,
                source=ref.source if ref else None,
                facts=dict(zip(_EXPLAIN_NAMES, (int(v) for v in ex[li]), strict=True))
                if ref
                else {},
            )
        )
    return Settlement(
        layers=tuple(results),
        out_of_pocket_fen=int(oop),
        institution_borne_fen=claim.deducted_fen,
        accumulators=Accumulators(pstate[0], hstate[0]),
    )


def pays_later(cp: CompiledPolicy, claim: ClaimFacts) -> bool:
    """Whether the claim falls under the policy's "diagnose first, pay later": the patient
    was admitted without deposit and owes only the out-of-pocket at discharge. The same
    condition matching as the cascade's rules."""
    if cp.pay_later_cond is None:
        return False
    return bool(matches(cp.pay_later_cond, claim.row()))


@dataclass(frozen=True)
class NothingPaid:
    """Why a layer paid nothing on a claim: a reason and the amounts (fen) that show it.

    Reasons: ``no_rule`` (no rule of the layer covers the claim), ``nothing_left`` (the
    layers before left nothing for it), ``below_deductible`` (``deductible``),
    ``below_threshold`` (the year's accumulated ``accumulated`` has not passed the
    ``threshold`` where the rule starts paying), ``annual_cap_reached`` (``cap``),
    ``within_ceiling`` (the year's out-of-pocket ``out_of_pocket`` is within the ``ceiling``),
    ``ratio_zero`` (the rule pays no share of this claim).
    """

    reason: str
    amounts: dict[str, int]


def mechanism_of(cp: CompiledPolicy, layer_id: str) -> str:
    """``ratio`` or ``ceiling``: how the layer computes what it pays."""
    li = cp.layer_ids.index(layer_id)
    return "ratio" if cp.layers[li, L.L_MECHANISM] == L.MECH_RATIO else "ceiling"


def rule_index(cp: CompiledPolicy, layer_id: str, rule_id: str) -> int:
    """Row of the rule in the compiled tables."""
    for r, ref in enumerate(cp.rules):
        if ref.layer_id == layer_id and ref.rule_id == rule_id:
            return r
    raise KeyError(f"{layer_id}/{rule_id}")


def _threshold(cp: CompiledPolicy, r: int, level: int) -> int:
    """Where the rule's first paying tier starts (0 when its first tier pays)."""
    for t in range(int(cp.params[r, L.P_N_TIERS])):
        if cp.tier_bp[r, t, level] > 0:
            return int(cp.tier_from[r, t])
    return 0


def nothing_paid(
    cp: CompiledPolicy,
    layer_id: str,
    rule_id: str | None,
    facts: dict[str, int],
    level: InstitutionLevel,
) -> NothingPaid | None:
    """Why the layer paid nothing, read from the engine's explanation of the claim (the
    ``facts`` of :func:`settle_one`'s layer result); None when the facts do not say (a
    reversal keeps none)."""
    if rule_id is None:
        return NothingPaid("no_rule", {})
    if not facts:
        return None
    if facts.get("base", 0) <= 0:
        return NothingPaid("nothing_left", {})
    try:
        r = rule_index(cp, layer_id, rule_id)
    except KeyError:  # the policy file changed since: no reason rather than a wrong one
        return None
    if mechanism_of(cp, layer_id) == "ceiling":
        oop = facts["running_before"] + facts["eligible"]
        return NothingPaid("within_ceiling", {"out_of_pocket": oop, "ceiling": facts["allowed"]})
    if facts["eligible"] <= 0 and facts["deductible"] > 0:
        return NothingPaid("below_deductible", {"deductible": facts["deductible"]})
    threshold = _threshold(cp, r, code(level))
    accumulated = facts["running_before"] + facts["eligible"]
    if threshold > 0 and accumulated <= threshold:
        return NothingPaid("below_threshold", {"accumulated": accumulated, "threshold": threshold})
    if facts["capped"] & L.CAPPED_ANNUAL:
        return NothingPaid("annual_cap_reached", {"cap": int(cp.params[r, L.P_ANNUAL_CAP])})
    return NothingPaid("ratio_zero", {})
