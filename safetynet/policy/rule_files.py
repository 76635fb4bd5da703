"""The deployment's own rule files (``SAFETYNET_RULES_DIR``), beside the shipped ones.

A county deploying SafetyNet from a package supplies its own dated rule files without editing
the package: the setting names a folder with one subfolder per capability, named as the
capability's package (``early_warning/``, ``programmes/``, ``supervision/``, ``funds/``,
``review/``), whose ``*.yaml`` files are candidates beside the shipped ones (``files/`` of the
package), chosen by the same rules. A file with a shipped file's name (stem) replaces it, as
``SAFETYNET_POLICY_DIR`` does for settlement policies. Each folder is listed once per process
and (folder) key: a loader caches what it read under the folder it read it from
(:func:`own_folder`), so the hot path never lists a folder.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from safetynet.config import rules_dir
from safetynet.policy.tree import PolicyError, Problem

SETTING = "SAFETYNET_RULES_DIR"
CAPABILITIES = ("early_warning", "programmes", "supervision", "funds", "review")


def own_folder(capability: str) -> str | None:
    """The deployment's folder of a capability's rule files (``<SAFETYNET_RULES_DIR>/<name>``),
    None when the setting is unset. Only the setting is read: no file system call."""
    base = rules_dir()
    return _joined(base, capability) if base else None


@lru_cache(maxsize=64)
def _joined(base: str, capability: str) -> str:
    return str(Path(base) / capability)


@lru_cache(maxsize=64)
def listed(shipped: str, own: str | None) -> dict[str, Path]:
    files = {p.stem: p for p in sorted(Path(shipped).glob("*.yaml"))}
    if own is not None:
        folder = Path(own)
        if folder.exists() and not folder.is_dir():
            raise PolicyError([Problem(str(folder), None, SETTING, "not a folder")])
        files.update({p.stem: p for p in sorted(folder.glob("*.yaml"))})
    return files


def rule_files(shipped: Path, capability: str) -> dict[str, Path]:
    """A capability's rule files by stem: the shipped ones (``shipped``) and the deployment's
    own (:func:`own_folder`), a deployment file replacing a shipped one of the same stem.
    Listed once per (shipped, own) folder pair; the dict returned is a copy."""
    return dict(listed(str(shipped), own_folder(capability)))


def find(name: str | Path, shipped: Path, capability: str) -> Path | str:
    """The file a rule-file name stands for: a bare name (``county-2018``, with or without
    ``.yaml``) is looked up among :func:`rule_files` (the deployment's first); anything else
    (a path, a name not found) is given back for the loader to read or refuse."""
    path = Path(name)
    if len(path.parts) == 1 and not path.is_file():
        files = rule_files(shipped, capability)
        stem = path.name[: -len(".yaml")] if path.name.endswith(".yaml") else path.name
        if stem in files:
            return files[stem]
    return name
