"""Loading review-parameter files with the policy loader's strict YAML machinery.

Shipped files live in ``files/``; a bare name (``langxi-2021``) is looked up there. A
malformed file raises :class:`safetynet.policy.tree.PolicyError` naming file:line.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from safetynet.policy.loader import load_sourced_yaml
from safetynet.review.schema import ReviewParams

FILES = Path(__file__).parent / "files"
DEFAULT_PARAMS = "langxi-2021"


def load_params(path: str | Path = DEFAULT_PARAMS) -> ReviewParams:
    """The parameter file at ``path`` (or the shipped one of that name)."""
    params, _sources = load_sourced_yaml(path, ReviewParams, shipped_dir=FILES)
    return params


@cache
def default_params() -> ReviewParams:
    """The shipped default, read once."""
    return load_params(DEFAULT_PARAMS)


def shipped_files() -> dict[str, Path]:
    return {p.stem: p for p in sorted(FILES.glob("*.yaml"))}
