"""Masking names and resident IDs for public outputs (public notices, exports), scalar and Polars.

The public-notice convention: a name keeps its first and last character and masks each one in
between (``张三丰`` → ``张*丰``, ``欧阳建国`` → ``欧**国``); a two-character name keeps only
the first (``张三`` → ``张*``); a one-character name is masked entirely. A resident ID keeps its
first four and last four characters (``3404**********1234``); anything of eight characters or
fewer is masked entirely. Characters are counted as Unicode code points, the same in Python and
in Polars, so the scalar and the vectorised versions give identical results (tested).

A user whose role may not see resident IDs (an analyst) sees more masked still, through
:func:`masked_identity`: an ID's region, birth date and sequence digits are the ID, so a
birth date shown next to the ID's last four characters and the village gives the whole ID
back. For such a role the birth date is shown as its year only and the ID keeps only its first
four characters (province and city, which the region shown gives anyway), together, always.
The rule holds for every other date of a person shown to such a role (:func:`masked_day`): a
death date is its year only (the day of a death, with the village, names the person as well
as an ID does). No page, answer or workbook such a role opens shows a phone number, a bank
account or an address (fund supervision's facts show a phone's last four digits only, to
roles that may see IDs).
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import polars as pl

MASK = "*"
ID_KEEP = 4  # characters kept at each end of a resident ID
ROLE_ID_KEEP = 4  # characters a role without the ID permission sees: the first four only


def mask_name(name: str) -> str:
    """Keep the first and last character, mask the middle; two characters keep the first."""
    n = len(name)
    if n >= 3:
        return name[0] + MASK * (n - 2) + name[-1]
    if n == 2:
        return name[0] + MASK
    return MASK * n


def mask_resident_id(number: str) -> str:
    """Keep the first four and last four characters (``3404**********1234``)."""
    n = len(number)
    if n > 2 * ID_KEEP:
        return number[:ID_KEEP] + MASK * (n - 2 * ID_KEEP) + number[-ID_KEEP:]
    return MASK * n


def mask_birth_date(born: date) -> str:
    """The year only (``1972``): ISO 8601 at the precision of a year."""
    return f"{born.year:04d}"


def masked_day(day: date | None) -> str | None:
    """A person's date (a death, ...) for a role without the right to see IDs: its year
    only, as the birth date (``2017``); None stays None."""
    return None if day is None else mask_birth_date(day)


def mask_resident_id_tail(number: str) -> str:
    """Only the first four characters (``3418**************``): the tail masked too."""
    return number[:ROLE_ID_KEEP] + MASK * max(len(number) - ROLE_ID_KEEP, 0)


class MaskedIdentity(NamedTuple):
    name: str
    resident_id: str
    birth: str  # the year of birth


def masked_identity(name: str, resident_id: str, birth_date: date) -> MaskedIdentity:
    """What a role without the right to see resident IDs may see of a person's identity:
    name (public-notice masking), ID without its tail, year of birth — masked together, so
    that no combination of them gives the ID back."""
    return MaskedIdentity(
        mask_name(name), mask_resident_id_tail(resident_id), mask_birth_date(birth_date)
    )


def _stars(count: pl.Expr) -> pl.Expr:
    """``count`` stars, none when ``count`` is below one (``count`` signed: see :func:`_len`)."""
    return pl.lit("").str.pad_end(count.clip(lower_bound=0), MASK)


def _len(text: pl.Expr) -> pl.Expr:
    """The length in code points as a signed integer, so that subtracting the characters kept
    from a shorter value is negative (an unsigned length wraps around to about four billion
    and the padding exhausts the memory)."""
    return text.str.len_chars().cast(pl.Int64)


def _col(col: str | pl.Expr) -> pl.Expr:
    return pl.col(col) if isinstance(col, str) else col


def mask_name_expr(col: str | pl.Expr) -> pl.Expr:
    """:func:`mask_name` as a Polars expression (nulls stay null)."""
    name = _col(col)
    n = _len(name)
    return (
        pl.when(n >= 3)
        .then(pl.concat_str(name.str.head(1), _stars(n - 2), name.str.tail(1)))
        .when(n == 2)
        .then(pl.concat_str(name.str.head(1), pl.lit(MASK)))
        .otherwise(_stars(n))
    )


def mask_id_expr(col: str | pl.Expr) -> pl.Expr:
    """:func:`mask_resident_id` as a Polars expression (nulls stay null)."""
    number = _col(col)
    n = _len(number)
    return (
        pl.when(n > 2 * ID_KEEP)
        .then(
            pl.concat_str(
                number.str.head(ID_KEEP), _stars(n - 2 * ID_KEEP), number.str.tail(ID_KEEP)
            )
        )
        .otherwise(_stars(n))
    )


def mask_id_tail_expr(col: str | pl.Expr) -> pl.Expr:
    """:func:`mask_resident_id_tail` as a Polars expression (nulls stay null): also turns an
    ID already masked the public way (``3404**********1234``) into ``3404**************``."""
    number = _col(col)
    return pl.concat_str(number.str.head(ROLE_ID_KEEP), _stars(_len(number) - ROLE_ID_KEEP))
