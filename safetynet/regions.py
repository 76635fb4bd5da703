"""Region hierarchy helpers: a region's path of names, and every region under a region.

Both are one recursive query (SQLite and PostgreSQL). :func:`descendants_select` is the query
itself, to restrict other queries to a user's region without loading the codes
(``.where(Person.region_code.in_(descendants_select(code)))``).
"""

from __future__ import annotations

from sqlalchemy import Select, literal, select
from sqlalchemy.orm import Session

from safetynet.store.models import Region

MAX_DEPTH = 10  # province → city → county → township → village, with room to spare


def region_path(session: Session, code: str) -> list[str]:
    """Names from the top of the hierarchy down to the region (``["郎溪县", "建平镇", "东风村"]``).

    Empty when the code is unknown.
    """
    up = (
        select(Region.name, Region.parent_code, literal(0).label("depth"))
        .where(Region.code == code)
        .cte("up", recursive=True)
    )
    up = up.union_all(
        select(Region.name, Region.parent_code, (up.c.depth + 1).label("depth")).where(
            Region.code == up.c.parent_code, up.c.depth < MAX_DEPTH
        )
    )
    return list(session.scalars(select(up.c.name).order_by(up.c.depth.desc())))


def descendants_select(code: str) -> Select[tuple[str]]:
    """A query of the region's code and every code under it (any depth)."""
    down = select(Region.code).where(Region.code == code).cte("down", recursive=True)
    down = down.union(select(Region.code).where(Region.parent_code == down.c.code))
    return select(down.c.code)


def descendants(session: Session, code: str) -> list[str]:
    """The region's code and every region code under it, sorted; empty when unknown."""
    return sorted(session.scalars(descendants_select(code)))
