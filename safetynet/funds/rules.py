"""Loading fund-accounts files with the policy loader's strict YAML machinery.

Shipped files live in ``files/``; a name without a folder (``county-2018``) is looked up
there. A malformed file raises :class:`safetynet.policy.tree.PolicyError` whose problems
name file:line, the path in the file and what is wrong.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from safetynet.funds.schema import FundRules
from safetynet.policy.loader import load_sourced_yaml
from safetynet.policy.tree import PolicyError, Problem

FILES = Path(__file__).parent / "files"
DEFAULT_RULES = "county-2018"

__all__ = ["DEFAULT_RULES", "FILES", "PolicyError", "Problem", "default_rules", "load_rules"]


def load_rules(path: str | Path = DEFAULT_RULES) -> FundRules:
    """The funds file at ``path`` (or the shipped one of that name), ``extends`` resolved."""
    rules, _sources = load_sourced_yaml(path, FundRules, shipped_dir=FILES)
    return rules


@cache
def default_rules() -> FundRules:
    """The shipped default funds file, loaded once (what settlement posting uses)."""
    return load_rules(DEFAULT_RULES)


def shipped_files() -> dict[str, Path]:
    return {p.stem: p for p in sorted(FILES.glob("*.yaml"))}
