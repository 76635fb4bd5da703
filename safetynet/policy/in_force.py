"""Which policy is in force for a region on a date.

Candidates are the shipped policy files plus those in the deployment's policy folder
(``Settings.policy_dir``); a policy applies where its ``region`` code is a prefix of the
person's region code and its validity covers the date. The most specific region wins; two
equally specific candidates (say the two readings of Ningxia's backstop) are ambiguous until
``Settings.policies`` names the one a deployment uses. Compiling the chosen policy for the
engine is settlement's (:mod:`safetynet.settlement.compiled`).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from safetynet.config import policy_choice
from safetynet.policy.loader import load_policy, shipped_policies
from safetynet.policy.schema import Policy

__all__ = [
    "PolicyChoiceError",
    "candidate_policies",
    "candidates",
    "choose",
    "policy_by_id",
    "policy_in_force",
]


class PolicyChoiceError(Exception):
    """No policy, or not one policy, can be chosen.

    ``code`` is stable: ``no_policy`` (none applies on the date: the claim's fault),
    ``policy_ambiguous`` or ``policy_unknown`` (the deployment's settings are at fault).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@lru_cache(maxsize=1)
def candidates(policy_dir: str | None, chosen: str | None) -> tuple[Policy, ...]:
    """The candidate policies, loaded: the shipped files and those in ``policy_dir`` (a file
    there replaces a shipped one of the same name), restricted to the comma-separated ids in
    ``chosen`` when given."""
    paths: dict[str, Path] = dict(shipped_policies())
    if policy_dir:
        paths.update({p.stem: p for p in sorted(Path(policy_dir).glob("*.yaml"))})
    names = [n.strip() for n in chosen.split(",")] if chosen else list(paths)
    unknown = [n for n in names if n not in paths]
    if unknown:
        raise PolicyChoiceError(
            "policy_unknown",
            f"SAFETYNET_POLICIES names unknown policies: {', '.join(unknown)}",
        )
    return tuple(load_policy(paths[n]) for n in names)


def candidate_policies() -> tuple[Policy, ...]:
    """The candidates of this deployment (its ``Settings``)."""
    return candidates(*policy_choice())


def choose(cands: tuple[Policy, ...], region_code: str, on: date) -> Policy:
    """The one candidate in force for a region on a date; ``PolicyChoiceError`` when none or
    several equally specific ones apply."""
    fits = [
        p for p in cands if region_code.startswith(p.region) and p.valid_from <= on <= p.valid_to
    ]
    if not fits:
        raise PolicyChoiceError(
            "no_policy", f"no policy is in force for region {region_code} on {on.isoformat()}"
        )
    best = max(len(p.region) for p in fits)
    fits = [p for p in fits if len(p.region) == best]
    if len(fits) > 1:
        ids = ", ".join(p.id for p in fits)
        raise PolicyChoiceError(
            "policy_ambiguous",
            f"several policies apply to region {region_code} on {on.isoformat()} ({ids}); "
            "name the one in force in SAFETYNET_POLICIES",
        )
    return fits[0]


def policy_in_force(region_code: str, on: date) -> Policy:
    """This deployment's policy in force for a region on a date."""
    return choose(candidate_policies(), region_code, on)


def policy_by_id(policy_id: str) -> Policy | None:
    """A candidate policy by its id (for showing stored entries); None when unknown."""
    return next((p for p in candidate_policies() if p.id == policy_id), None)
