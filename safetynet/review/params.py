"""Loading review-parameter files with the policy loader's strict YAML machinery.

Shipped files live in ``files/``, a deployment's own in ``<SAFETYNET_RULES_DIR>/review/``
(candidates beside the shipped ones; one with a shipped stem replaces it); a bare name
(``langxi-2021``) is looked up there, the deployment's first. A
malformed file raises :class:`safetynet.policy.tree.PolicyError` naming file:line. The
shipped files of a region are successive versions: :func:`params_on` gives the one in force
on a day (the latest begun by then), so a value changed mid-year is its new file's from the
day it changes and the old file's before.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from safetynet.policy.loader import load_sourced_yaml
from safetynet.policy.rule_files import find, listed, own_folder, rule_files
from safetynet.review.schema import ReviewParams

FILES = Path(__file__).parent / "files"
CAPABILITY = "review"  # the subfolder of SAFETYNET_RULES_DIR
DEFAULT_PARAMS = "langxi-2021"


def load_params(path: str | Path = DEFAULT_PARAMS) -> ReviewParams:
    """The parameter file at ``path`` (or the one of that name: the deployment's own in
    ``<SAFETYNET_RULES_DIR>/review/`` first, else the shipped one)."""
    path = find(path, FILES, CAPABILITY)
    params, _sources = load_sourced_yaml(path, ReviewParams, shipped_dir=FILES)
    return params


def default_params() -> ReviewParams:
    """The default (the deployment's own file of its name, else the shipped one), read once
    per deployment folder."""
    return _default(own_folder(CAPABILITY))


@lru_cache(maxsize=8)
def _default(own: str | None) -> ReviewParams:
    return load_params(DEFAULT_PARAMS)


def shipped_files() -> dict[str, Path]:
    """The parameter files by stem: the shipped ones and the deployment's own
    (``SAFETYNET_RULES_DIR``; one with a shipped stem replaces it)."""
    return rule_files(FILES, CAPABILITY)


def _shipped() -> tuple[ReviewParams, ...]:
    return _loaded(str(FILES), own_folder(CAPABILITY))


@lru_cache(maxsize=8)
def _loaded(folder: str, own: str | None) -> tuple[ReviewParams, ...]:
    return tuple(load_params(p) for p in listed(folder, own).values())


def params_on(day: dt.date, region: str | None = None,
              files: tuple[ReviewParams, ...] | None = None) -> ReviewParams:  # fmt: skip
    """The review parameters in force on ``day``: of the files (default: the shipped ones)
    of ``region`` (none: any; a file's region holds it), the one begun last by ``day`` and
    not ended before it. None in force (before the first file's ``valid_from``, or after the
    last one's ``valid_to``): refused ``params_not_in_force``."""
    from safetynet.regions import in_region
    from safetynet.review.errors import ReviewError

    pool = [f for f in (files if files is not None else _shipped())
            if region is None or in_region(region, f.region)]  # fmt: skip
    live = [f for f in pool if f.covers(day)]
    if not live:
        starts = ", ".join(sorted(f.valid_from.isoformat() for f in pool)) or "none"
        raise ReviewError("params_not_in_force",
                          f"no review parameters in force on {day.isoformat()} "
                          f"(files from {starts})")  # fmt: skip
    return max(live, key=lambda f: (f.valid_from, len(f.region)))


def params_today(today: dt.date) -> ReviewParams:
    """The parameters a page offers for what is done today (a spot check drawn, a sanction
    opened: both read the file in force today); the shipped default when none is."""
    from safetynet.review.errors import ReviewError

    try:
        return params_on(today)
    except ReviewError:
        return default_params()
