"""A user's region: the region's own code and every region under it (any depth).

``within(column, user_region)`` restricts any query on a region-coded column; it is a
sub-select of the region tree, so nothing is loaded into Python. ``region_contains`` answers
for one code (every settlement at the window asks it) from one query of the code's
ancestors, remembered for a minute: regions are re-parented by an import, rarely, and an
answer at most a minute old is the price of not reading the tree on every request.
"""

from __future__ import annotations

import time

from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.orm import Session

from safetynet.regions import descendants_select
from safetynet.store.models import Region


def within(column: ColumnElement[str], region_code: str) -> ColumnElement[bool]:
    return column.in_(descendants_select(region_code))


ANCESTORS_TTL = 60.0  # seconds an answer of the region tree is remembered
_ancestors: dict[str, tuple[tuple[str, ...], float]] = {}  # code -> (ancestors, expiry)
_R = Region.__table__
_TREE = (
    select(_R.c.code, _R.c.parent_code)
    .where(_R.c.code == bindparam("code"))
    .cte("tree", recursive=True)
)
_TREE = _TREE.union_all(
    select(_R.c.code, _R.c.parent_code).join(_TREE, _R.c.code == _TREE.c.parent_code)
)
_ANCESTORS = select(_TREE.c.code)  # the code itself and every region above it


def ancestors(session: Session, code: str) -> tuple[str, ...]:
    """``code`` and the codes of every region above it (empty when the code is unknown)."""
    hit = _ancestors.get(code)
    now = time.monotonic()
    if hit is not None and hit[1] > now:
        return hit[0]
    found = tuple(session.connection().execute(_ANCESTORS, {"code": code}).scalars())
    _ancestors[code] = (found, now + ANCESTORS_TTL)
    return found


def region_contains(session: Session, region_code: str, code: str | None) -> bool:
    """True when ``code`` is ``region_code`` or lies under it."""
    if code is None:
        return False
    if code == region_code:
        return True
    return region_code in ancestors(session, code)
