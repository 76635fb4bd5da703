"""Loading fund-accounts files with the policy loader's strict YAML machinery.

Shipped files live in ``files/``, a deployment's own in ``<SAFETYNET_RULES_DIR>/funds/``; a
name without a folder (``county-2018``) is looked up there, the deployment's first
(:mod:`safetynet.policy.rule_files`): a deployment file named as the shipped default replaces
it. A malformed file raises :class:`safetynet.policy.tree.PolicyError` whose problems
name file:line, the path in the file and what is wrong.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from safetynet.funds.schema import FundRules
from safetynet.policy.loader import load_sourced_yaml
from safetynet.policy.rule_files import find, own_folder, rule_files
from safetynet.policy.tree import PolicyError, Problem

FILES = Path(__file__).parent / "files"
CAPABILITY = "funds"  # the subfolder of SAFETYNET_RULES_DIR
DEFAULT_RULES = "county-2018"

__all__ = ["DEFAULT_RULES", "FILES", "PolicyError", "Problem", "default_rules", "load_rules"]


def load_rules(path: str | Path = DEFAULT_RULES) -> FundRules:
    """The funds file at ``path`` (or the one of that name: the deployment's own in
    ``<SAFETYNET_RULES_DIR>/funds/`` first, else the shipped one), ``extends`` resolved."""
    path = find(path, FILES, CAPABILITY)
    rules, _sources = load_sourced_yaml(path, FundRules, shipped_dir=FILES)
    return rules


def default_rules() -> FundRules:
    """The default funds file (what settlement posting uses): the deployment's own
    ``<SAFETYNET_RULES_DIR>/funds/county-2018.yaml`` when it has one, else the shipped one;
    loaded once per process per deployment folder."""
    return _default(own_folder(CAPABILITY))


@lru_cache(maxsize=8)
def _default(own: str | None) -> FundRules:
    return load_rules(DEFAULT_RULES)


def shipped_files() -> dict[str, Path]:
    """The funds files by stem: the shipped ones and the deployment's own."""
    return rule_files(FILES, CAPABILITY)
