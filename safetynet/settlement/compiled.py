"""The compiled form of the policies in force, for the engine.

Which policy is in force is the policy room's (:mod:`safetynet.policy.in_force`); here each
chosen policy is compiled into the kernel's arrays once and kept, and a choice that fails
becomes a ``SettlementError`` (``no_policy`` on the claim's date, or a deployment at fault).
"""

from __future__ import annotations

from datetime import date

from safetynet.engine.compile import CompiledPolicy, compile_policy
from safetynet.policy.diseases import group_prefixes
from safetynet.policy.in_force import (
    PolicyChoiceError,
    candidate_policies,
    choose,
    policy_in_force,
)
from safetynet.policy.schema import Policy
from safetynet.settlement.errors import SettlementError

# keyed by the loaded object's id; the object is kept with its compiled form, so an id is
# never reused while its entry lives (a change of settings loads new objects)
_COMPILED: dict[int, tuple[Policy, CompiledPolicy]] = {}
_PREFIXES: dict[str, dict[str, tuple[str, ...]]] = {}


def compiled(policy: Policy) -> CompiledPolicy:
    """The policy compiled for the engine (once per loaded policy)."""
    hit = _COMPILED.get(id(policy))
    if hit is None or hit[0] is not policy:
        hit = _COMPILED[id(policy)] = (policy, compile_policy(policy))
    return hit[1]


def compiled_in_force(
    region_code: str, on: date, candidates: tuple[Policy, ...] | None = None
) -> CompiledPolicy:
    """The compiled policy for a region on a date; ``SettlementError`` when none or
    ambiguous. ``candidates``: the deployment's candidate policies when the caller has them
    (a batch finds them once: finding them reads the settings and the policy files' paths)."""
    try:
        if candidates is not None:
            return compiled(choose(candidates, region_code, on))
        return compiled(policy_in_force(region_code, on))
    except PolicyChoiceError as exc:
        if exc.code == "no_policy":
            raise SettlementError(exc.code, exc.message, field="date") from None
        raise SettlementError(exc.code, exc.message, status=500) from None


def prefixes_of(cp: CompiledPolicy) -> dict[str, tuple[str, ...]]:
    """The policy's disease groups as ICD-10 prefixes (cached per policy id)."""
    if cp.policy.id not in _PREFIXES:
        _PREFIXES[cp.policy.id] = group_prefixes(cp.policy)
    return _PREFIXES[cp.policy.id]


def warm_up() -> int:
    """Compile every candidate policy and settle one claim under each, so the engine's
    kernel is compiled before the first patient is at the window, and warm the settlement's
    gates and after steps (:func:`safetynet.settlement.hooks.warm`); a server calls this at
    start-up. Returns the number of policies."""
    from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus
    from safetynet.engine.facts import ClaimFacts
    from safetynet.engine.online import Accumulators, pays_later, settle_one
    from safetynet.settlement import hooks

    cands = candidate_policies()
    claim = ClaimFacts(
        kind=ClaimKind.INPATIENT,
        level=InstitutionLevel.COUNTY,
        in_county=True,
        referral=False,
        statuses=frozenset({PovertyStatus.REGISTERED_POOR}),
        disease_mask=0,
        age=60,
        total_fen=1_000_000,
        compliant_fen=900_000,
    )
    for policy in cands:
        cp = compiled(policy)
        prefixes_of(cp)
        settle_one(cp, claim, Accumulators.empty(cp))
        pays_later(cp, claim)  # its own compiled condition test
    hooks.warm()
    return len(cands)
