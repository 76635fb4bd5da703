"""The year a page opens on when the user asks for none: a year the ledger holds.

A county settles in this year, so in use the ledger's newest year is this year; a county
loaded from past years (a demo, an archive, a bureau catching up) has none of this year, and
a page opened on this year would be empty while the ledger holds years of claims. Two
defaults, each falling back to the clock when the ledger is empty:

- :func:`working_year`, the year in progress (early warnings, the monitoring list): the
  ledger's newest year not after this year;
- :func:`closed_year`, the last finished year (opening review cases, drawing spot checks):
  the ledger's newest year before this year, else the working year.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from safetynet.clock import local_today
from safetynet.reports.overview import ledger_years


def _held(session: Session) -> list[int]:
    """The ledger's years up to this year (one read), newest last."""
    this = local_today().year
    return sorted(y for y in ledger_years(session) if y <= this)


def working_year(session: Session) -> int:
    """The ledger's newest year up to this year; this year when it holds none."""
    held = _held(session)
    return held[-1] if held else local_today().year


def closed_year(session: Session) -> int:
    """The ledger's newest year before this year; else the working year (a ledger of this
    year alone), or last year (an empty ledger)."""
    this = local_today().year
    held = _held(session)
    before = [y for y in held if y < this]
    if before:
        return before[-1]
    return this if held else this - 1
