"""Finding persons for a role that sees names masked (the analyst): by what the mask shows.

Such a role sees ``张*丰`` for 张三丰 (:func:`safetynet.registry.masking.mask_name`). A search
by name prefix would give the masked characters back one by one (``张三`` finds 张三丰, ``张四``
does not), and a whole-name search would confirm a guess. So a masked role's name query is
read as the mask reads it: it matches the persons whose masked name is the query's masked
name (``张三丰``, ``张X丰`` and ``张*丰`` alike: the first and last character and the length);
a one-character query, the surname, matches the names of two characters or more it begins
(what their masked names show; a one-character name is masked whole and not found by
name). The answer then depends on nothing the masked list does not already show, nor does
its order (by the registry's row, not by the hidden name).
A resident-ID query finds nobody (see :func:`safetynet.web.routes.persons.find_for`);
household numbers are searched as for anybody.
"""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from safetynet.registry.lookup import HOUSEHOLD_LIKE, find_persons
from safetynet.security.scope import within
from safetynet.store.models import Person


def find_persons_masked(
    session: Session, query: str, region_code: str, limit: int = 50
) -> list[Person]:
    """The persons of the region a masked role's ``query`` finds (see the module)."""
    q = query.strip()
    if not q:
        return []
    if HOUSEHOLD_LIKE.match(q):
        return find_persons(session, q, region_code, limit)
    name = Person.name
    cond = name.startswith(q[0], autoescape=True)
    if len(q) == 1:  # a one-character name is masked whole: its character is not shown
        cond = and_(cond, func.length(name) >= 2)
    if len(q) >= 2:
        cond = and_(cond, func.length(name) == len(q))
    if len(q) >= 3:
        cond = and_(cond, name.endswith(q[-1], autoescape=True))
    found = select(Person).where(within(Person.region_code, region_code), cond)
    return list(session.scalars(found.order_by(Person.id).limit(limit)))
