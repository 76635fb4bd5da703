"""The start-up check of the deployment's own rule files (``SAFETYNET_RULES_DIR``).

Every ``*.yaml`` of each capability's subfolder is read with that capability's own loader, so
a malformed file stops the server when it starts, each problem named ``file:line: path: what
is wrong``, instead of failing the first settlement that reads it. A subfolder or file that
no capability reads (a misspelt ``early-warning/``, a ``.yml``) is refused too: a county's
file that is silently not read would leave the national rules in force unnoticed. So is a
file whose ``id`` another file has (shipped under another name, or in the folder): a file
replaces a shipped one by its name, as in ``SAFETYNET_POLICY_DIR``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from safetynet.config import rules_dir
from safetynet.policy.rule_files import CAPABILITIES, SETTING
from safetynet.policy.tree import PolicyError, Problem


def _loaders() -> dict[str, tuple[Path, Callable[[Path], Any]]]:
    """Each capability's shipped folder and loader."""
    from safetynet.early_warning import rules as early_warning
    from safetynet.funds import rules as funds
    from safetynet.programmes import rules as programmes
    from safetynet.review import params as review
    from safetynet.supervision import rules as supervision

    loaders: dict[str, tuple[Path, Callable[[Path], Any]]] = {
        "early_warning": (early_warning.FILES, early_warning.load_rules),
        "programmes": (programmes.FILES, programmes.load_rules),
        "supervision": (supervision.RULES_DIR, supervision.load_rules),
        "funds": (funds.FILES, funds.load_rules),
        "review": (review.FILES, review.load_params),
    }
    assert set(loaders) == set(CAPABILITIES)
    return loaders


def _same_ids(shipped: Path, own: list[tuple[Path, Any]],
              load: Callable[[Path], Any]) -> list[Problem]:  # fmt: skip
    """A file of the folder whose ``id`` is another file's (shipped, of another name, or of
    the folder): two candidates one id cannot tell apart (a file replaces a shipped one by
    its name, not its id)."""
    own_stems = {path.stem for path, _ in own}
    seen: dict[str, Path] = {}
    for path in sorted(shipped.glob("*.yaml")):
        if path.stem not in own_stems:
            seen[str(load(path).id)] = path
    problems = []
    for path, rules in own:
        other = seen.get(str(rules.id))
        if other is not None:
            problems.append(Problem(str(path), None, "id",
                                    f"{rules.id!r} is already the id of {other}"))  # fmt: skip
        else:
            seen[str(rules.id)] = path
    return problems


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
        shipped, load = loaders[entry.name]
        sound: list[tuple[Path, Any]] = []
        for path in sorted(entry.iterdir()):
            if path.name.startswith("."):
                continue
            if path.suffix != ".yaml" or not path.is_file():
                problems.append(Problem(str(path), None, SETTING, "not a *.yaml rule file"))
                continue
            try:
                sound.append((path, load(path)))
            except PolicyError as exc:
                problems.extend(exc.problems)
        problems += _same_ids(shipped, sound, load)
    if problems:
        raise PolicyError(problems)
