"""The start-up check of the deployment's own rule files (``SAFETYNET_RULES_DIR``).

Every ``*.yaml`` of each capability's subfolder is read with that capability's own loader, so
a malformed file stops the server when it starts, each problem named ``file:line: path: what
is wrong``, instead of failing the first settlement that reads it. A subfolder or file that
no capability reads (a misspelt ``early-warning/``, a ``.yml``) is refused too: a county's
file that is silently not read would leave the national rules in force unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from safetynet.config import rules_dir
from safetynet.policy.rule_files import CAPABILITIES, SETTING
from safetynet.policy.tree import PolicyError, Problem


def _loaders() -> dict[str, Callable[[Path], Any]]:
    from safetynet.early_warning.rules import load_rules as early_warning
    from safetynet.funds.rules import load_rules as funds
    from safetynet.programmes.rules import load_rules as programmes
    from safetynet.review.params import load_params as review
    from safetynet.supervision.rules import load_rules as supervision

    loaders: dict[str, Callable[[Path], Any]] = {
        "early_warning": early_warning, "programmes": programmes,
        "supervision": supervision, "funds": funds, "review": review,
    }  # fmt: skip
    assert set(loaders) == set(CAPABILITIES)
    return loaders


def check_rules_dir() -> None:
    """Read every rule file of the deployment's folder now; a PolicyError names every
    problem of every file (nothing when the setting is unset)."""
    base = rules_dir()
    if base is None:
        return
    folder = Path(base)
    if not folder.is_dir():
        raise PolicyError([Problem(str(folder), None, SETTING, "no such folder")])
    loaders = _loaders()
    problems: list[Problem] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.name not in loaders or not entry.is_dir():
            known = ", ".join(f"{c}/" for c in CAPABILITIES)
            problems.append(Problem(str(entry), None, SETTING,
                                    f"not a capability's folder (one of {known})"))  # fmt: skip
            continue
        for path in sorted(entry.iterdir()):
            if path.name.startswith("."):
                continue
            if path.suffix != ".yaml" or not path.is_file():
                problems.append(Problem(str(path), None, SETTING, "not a *.yaml rule file"))
                continue
            try:
                loaders[entry.name](path)
            except PolicyError as exc:
                problems.extend(exc.problems)
    if problems:
        raise PolicyError(problems)
