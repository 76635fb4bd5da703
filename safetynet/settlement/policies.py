"""Which policy is in force for a region on a date.

Candidates are the shipped policy files plus those in ``SAFETYNET_POLICY_DIR``; a policy
applies where its ``region`` code is a prefix of the person's region code and its validity
covers the date. The most specific region wins; two equally specific candidates (say the
two readings of Ningxia's backstop) are ambiguous until ``SAFETYNET_POLICIES`` names the one
a deployment uses.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from safetynet.config import get_settings
from safetynet.engine.compile import CompiledPolicy, compile_policy
from safetynet.policy.diseases import group_prefixes
from safetynet.policy.loader import load_policy, shipped_policies
from safetynet.settlement.errors import SettlementError


@lru_cache(maxsize=1)
def _candidates(extra_dir: str | None, chosen: str | None) -> tuple[CompiledPolicy, ...]:
    paths: dict[str, Path] = dict(shipped_policies())
    if extra_dir:
        paths.update({p.stem: p for p in sorted(Path(extra_dir).glob("*.yaml"))})
    names = [n.strip() for n in chosen.split(",")] if chosen else list(paths)
    unknown = [n for n in names if n not in paths]
    if unknown:
        raise SettlementError(
            "policy_unknown",
            f"SAFETYNET_POLICIES names unknown policies: {', '.join(unknown)}",
            status=500,
        )
    return tuple(compile_policy(load_policy(paths[n])) for n in names)


def _choice() -> tuple[str | None, str | None]:
    """The deployment's policy folder and the ids it names in force (``Settings``)."""
    settings = get_settings()
    return settings.policy_dir, settings.policies


_PREFIXES: dict[str, dict[str, tuple[str, ...]]] = {}


def prefixes_of(cp: CompiledPolicy) -> dict[str, tuple[str, ...]]:
    """The policy's disease groups as ICD-10 prefixes (cached per policy id)."""
    if cp.policy.id not in _PREFIXES:
        _PREFIXES[cp.policy.id] = group_prefixes(cp.policy)
    return _PREFIXES[cp.policy.id]


def policy_in_force(region_code: str, on: date) -> CompiledPolicy:
    """The compiled policy for a region on a date; ``SettlementError`` when none or ambiguous."""
    cands = _candidates(*_choice())
    fits = [
        cp
        for cp in cands
        if region_code.startswith(cp.policy.region)
        and cp.policy.valid_from <= on <= cp.policy.valid_to
    ]
    if not fits:
        raise SettlementError(
            "no_policy",
            f"no policy is in force for region {region_code} on {on.isoformat()}",
            field="date",
        )
    best = max(len(cp.policy.region) for cp in fits)
    fits = [cp for cp in fits if len(cp.policy.region) == best]
    if len(fits) > 1:
        ids = ", ".join(cp.policy.id for cp in fits)
        raise SettlementError(
            "policy_ambiguous",
            f"several policies apply to region "
            f"{region_code} on {on.isoformat()} ({ids}); name the one in "
            "force in SAFETYNET_POLICIES",
            status=500,
        )
    return fits[0]


def policy_by_id(policy_id: str) -> CompiledPolicy | None:
    """A candidate policy by its id (for showing stored accumulators); None when unknown."""
    cands = _candidates(*_choice())
    return next((cp for cp in cands if cp.policy.id == policy_id), None)


def warm_up() -> int:
    """Compile every candidate policy and settle one claim under each, so the engine's
    kernel is compiled before the first patient is at the window (a server calls this at
    start-up). Returns the number of policies."""
    from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus
    from safetynet.engine.facts import ClaimFacts
    from safetynet.engine.online import Accumulators, settle_one

    cands = _candidates(*_choice())
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
    for cp in cands:
        prefixes_of(cp)
        settle_one(cp, claim, Accumulators.empty(cp))
    return len(cands)
