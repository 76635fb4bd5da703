"""A user's region: the region's own code and every region under it (any depth).

``within(column, user_region)`` restricts any query on a region-coded column; it is a
sub-select of the region tree, so nothing is loaded into Python.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from safetynet.registry.regions import descendants_select
from safetynet.store.models import Region


def within(column: ColumnElement[str], region_code: str) -> ColumnElement[bool]:
    return column.in_(descendants_select(region_code))


def region_contains(session: Session, region_code: str, code: str | None) -> bool:
    """True when ``code`` is ``region_code`` or lies under it."""
    if code is None:
        return False
    if code == region_code:
        return True
    seen = 0
    current = session.get(Region, code)
    while current is not None and current.parent_code is not None and seen < 10:
        if current.parent_code == region_code:
            return True
        current = session.get(Region, current.parent_code)
        seen += 1
    return False
