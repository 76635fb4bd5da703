"""Loading supervision-rule files with the policy loader's strict YAML machinery.

Shipped rule files live in ``files/``, a deployment's own in
``<SAFETYNET_RULES_DIR>/supervision/``; a name without a folder (``anhui-langxi-2021``) is
looked up there, the deployment's first (:mod:`safetynet.policy.rule_files`). A malformed
file raises :class:`safetynet.policy.tree.PolicyError` whose problems name file:line, the
path in the file and what is wrong. A file that ``extends``
another is also given that file, loaded on its own (:meth:`RuleSet.chain`): it screens the
claims of its region outside the extending file's.
"""

from __future__ import annotations

from pathlib import Path

from safetynet.config import screening_rules
from safetynet.policy.loader import load_sourced_yaml, parse_tree, read_policy_text
from safetynet.policy.loader import resolve_extends as _resolve_extends
from safetynet.policy.rule_files import find, rule_files
from safetynet.policy.tree import PolicyError, Problem
from safetynet.supervision.schema import RuleSet

RULES_DIR = Path(__file__).parent / "files"
CAPABILITY = "supervision"  # the subfolder of SAFETYNET_RULES_DIR
DEFAULT_RULES = "anhui-langxi-2021"
OFF = "off"  # the setting's value (in any case) that turns the window's screening off

__all__ = [
    "DEFAULT_RULES", "OFF", "PolicyError", "Problem", "configured_rules", "county_rules",
    "load_rules", "shipped_rule_files",
]  # fmt: skip


def configured_rules() -> str | None:
    """The one reading of the setting ``SAFETYNET_SCREENING_RULES``: the rule set it names (a
    shipped file's name or a path), :data:`DEFAULT_RULES` when it is unset or blank, None
    when it is ``off`` (in any case): the window screens nothing."""
    name = screening_rules() or DEFAULT_RULES
    return None if name.lower() == OFF else name


def county_rules() -> str:
    """The county's rule set — the one the window screens with (:func:`configured_rules`).
    With screening off at the window the scorecard and the review's risk still score with
    :data:`DEFAULT_RULES`."""
    return configured_rules() or DEFAULT_RULES


def load_rules(path: str | Path = DEFAULT_RULES) -> RuleSet:
    """The rule file at ``path`` (or the one of that name: the deployment's own in
    ``<SAFETYNET_RULES_DIR>/supervision/`` first, else the shipped one), ``extends``
    resolved."""
    path = find(path, RULES_DIR, CAPABILITY)
    rules, _sources = load_sourced_yaml(path, RuleSet, shipped_dir=RULES_DIR)
    parent, own = _extends(Path(path))
    return rules.with_parent(load_rules(parent) if parent is not None else None, own)


def _extends(path: Path) -> tuple[Path | None, frozenset[str]]:
    """The file ``path`` extends (None: none) and the ids of the rules it writes itself
    (adds, overrides, removes); the file has loaded already, so it is sound."""
    if not path.is_file():
        path = next(p for p in (RULES_DIR / path.name, RULES_DIR / f"{path.name}.yaml")
                    if p.is_file())  # fmt: skip
    tree = parse_tree(read_policy_text(path), str(path))
    own = frozenset(str(r["id"]) for r in tree.get("rules") or [] if isinstance(r, dict))
    name = tree.get("extends")
    if name is None:
        return None, own
    return _resolve_extends(str(name), path.resolve(), RULES_DIR), own


def shipped_rule_files() -> dict[str, Path]:
    """The rule files by file stem: the shipped ones and the deployment's own
    (``SAFETYNET_RULES_DIR``; one with a shipped stem replaces it)."""
    return rule_files(RULES_DIR, CAPABILITY)
