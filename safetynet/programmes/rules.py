"""The programme files (``files/*.yaml``), read strictly through the policy loader: every
problem reported as ``file:line: path: what is wrong``.

Which file is in force is one rule, as settlement's for policies
(:mod:`safetynet.policy.in_force`): the file whose ``region`` holds the person's (or the
contract's) region and whose period holds the day, the most specific region first — a
county's own file, else the national one (:func:`rules_for`). Every reader of a person's
programme asks it with the person's region: the worklist, the contract import, the
screening at any level (:func:`programmes_of`), the serious-disease rule of early warning.
A deployment's own files (``<SAFETYNET_RULES_DIR>/programmes/``) are candidates beside the
shipped ones (:mod:`safetynet.policy.rule_files`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from safetynet.policy.loader import PolicyError, Problem, locate, parse_tree
from safetynet.policy.rule_files import listed, own_folder, rule_files
from safetynet.programmes.schema import ProgrammeRules
from safetynet.regions import significant

FILES = Path(__file__).parent / "files"
CAPABILITY = "programmes"  # the subfolder of SAFETYNET_RULES_DIR


def load_rules(path: str | Path) -> ProgrammeRules:
    """A programme file, strictly: every problem reported with its file and line."""
    path = Path(path)
    tree = parse_tree(path.read_text(encoding="utf-8"), path.name)
    try:
        return ProgrammeRules.model_validate(tree)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            file, line, where = locate(tree, err["loc"], path.name)
            problems.append(Problem(file, line, where, err["msg"]))
        raise PolicyError(problems) from exc


def shipped_rules() -> dict[str, Path]:
    """The programme files of this deployment, by stem: those shipped with SafetyNet and its
    own in ``<SAFETYNET_RULES_DIR>/programmes/`` (one with a shipped stem replaces it)."""
    return rule_files(FILES, CAPABILITY)


@lru_cache(maxsize=8)
def _loaded(folder: str, own: str | None) -> tuple[ProgrammeRules, ...]:
    return tuple(load_rules(p) for p in listed(folder, own).values())


def all_rules() -> tuple[ProgrammeRules, ...]:
    """Every programme file of this deployment (shipped and its own), read once per process
    per deployment folder."""
    return _loaded(str(FILES), own_folder(CAPABILITY))


@lru_cache(maxsize=4096)
def _rules_for(folder: str, own: str | None, region_code: str, on: dt.date) -> ProgrammeRules:
    found = [s for s in _loaded(folder, own) if s.applies(region_code, on)]
    if not found:
        raise LookupError(f"no programme rules for region {region_code!r} on {on}")
    return max(found, key=lambda s: (len(significant(s.region or "")), s.valid_from))


def rules_for(region_code: str, on: dt.date) -> ProgrammeRules:
    """The programme in force for a region on a date (a region's own file first), of the
    shipped files and the deployment's own (``SAFETYNET_RULES_DIR``)."""
    return _rules_for(str(FILES), own_folder(CAPABILITY), region_code, on)


def programmes_of(
    region_codes: Iterable[str], on: dt.date
) -> list[tuple[ProgrammeRules, list[str]]]:
    """Each programme file in force on ``on`` for some of ``region_codes`` (a region's
    villages, say), with those of the codes it is in force for (:func:`rules_for` of each);
    codes no file covers are left out."""
    found: dict[str, tuple[ProgrammeRules, list[str]]] = {}
    for code in region_codes:
        try:
            rules = rules_for(code, on)
        except LookupError:
            continue
        found.setdefault(rules.id, (rules, []))[1].append(code)
    return list(found.values())


def rules_by_id(rules_id: str | None) -> ProgrammeRules | None:
    """The programme file of that id (a patient's row names the file that screened
    it), or None."""
    return next((r for r in all_rules() if r.id == rules_id), None)
