"""Loading supervision-rule files with the policy loader's strict YAML machinery.

Shipped rule files live in ``files/``; a name without a folder (``anhui-langxi-2021``) is
looked up there. A malformed file raises :class:`safetynet.policy.tree.PolicyError` whose
problems name file:line, the path in the file and what is wrong.
"""

from __future__ import annotations

from pathlib import Path

from safetynet.policy.loader import load_sourced_yaml
from safetynet.policy.tree import PolicyError, Problem
from safetynet.supervision.schema import RuleSet

RULES_DIR = Path(__file__).parent / "files"
DEFAULT_RULES = "anhui-langxi-2021"

__all__ = ["DEFAULT_RULES", "PolicyError", "Problem", "load_rules", "shipped_rule_files"]


def load_rules(path: str | Path = DEFAULT_RULES) -> RuleSet:
    """The rule file at ``path`` (or the shipped one of that name), ``extends`` resolved."""
    rules, _sources = load_sourced_yaml(path, RuleSet, shipped_dir=RULES_DIR)
    return rules


def shipped_rule_files() -> dict[str, Path]:
    """The shipped rule files, by file stem."""
    return {p.stem: p for p in sorted(RULES_DIR.glob("*.yaml"))}
