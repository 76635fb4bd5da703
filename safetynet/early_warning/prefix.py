"""A region code's significant prefix: the code less its trailing groups of zeros.

Region codes come in two spellings: short (county ``341821``, township ``341821100``, village
``341821100201``) and the statistical office's padded 12 digits (county ``341821000000``,
township ``341821100000``). A region's households are those whose village code starts with
its *significant prefix*: the code without the zero groups that pad it (12 → 9 digits when
it ends in ``000``, then 9 → 6, then 6 → 4 and 4 → 2 when they end in ``00``), so a reference
income recorded at either spelling of a county reaches its villages. :func:`significant` is
the rule on text, :func:`significant_sql` the same rule as a SQL expression.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func

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
