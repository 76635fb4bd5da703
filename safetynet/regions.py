"""Region helpers: a region's path of names, every region under a region, and a region
code's significant prefix.

The first two are one recursive query (SQLite and PostgreSQL). :func:`descendants_select` is
the query itself, to restrict other queries to a user's region without loading the codes
(``.where(Person.region_code.in_(descendants_select(code)))``).

Region codes come in two spellings: short (county ``341821``, township ``341821100``, village
``341821100201``) and the statistical office's padded 12 digits (county ``341821000000``,
township ``341821100000``). A code's *significant prefix* is the code without the zero groups
that pad it (12 → 9 digits when it ends in ``000``, then 9 → 6, then 6 → 4 and 4 → 2 when
they end in ``00``); a region holds the codes that start with it (:func:`in_region`), so a
rule or a figure recorded at either spelling of a county reaches its villages.
:func:`significant` is the rule on text, :func:`significant_sql` the same rule as a SQL
expression (early warning's reference incomes, programmes' county disease lists).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, case, func, literal, select
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


# (length, trailing zeros, length kept), applied in order
_STEPS = ((12, 3, 9), (9, 3, 6), (6, 2, 4), (4, 2, 2))


def significant(code: str) -> str:
    """The code without its padding zero groups (``341821000000`` → ``341821``)."""
    for length, zeros, kept in _STEPS:
        if len(code) == length and code.endswith("0" * zeros):
            code = code[:kept]
    return code


def significant_sql(code: Any) -> Any:
    """:func:`significant` of a SQL string column (SQLite and PostgreSQL)."""
    n, sub = func.length(code), func.substr
    whens = [
        (and_(n == length, sub(code, kept + 1, length - kept) == "0" * (length - kept)),
         sub(code, 1, kept))
        # the longest run of padding first: each case strips every zero group it can
        for length, kept in ((12, 2), (12, 4), (12, 6), (12, 9), (9, 2), (9, 4), (9, 6),
                             (6, 2), (6, 4), (4, 2))
    ]  # fmt: skip
    return case(*whens, else_=code)


def in_region(code: str | None, region: str) -> bool:
    """Whether ``code`` lies in ``region`` (either spelled short or padded): its significant
    prefix starts with the region's (``341821100201`` and ``341821100000`` are in
    ``341821000000`` and in ``341821``)."""
    return code is not None and significant(code).startswith(significant(region))
