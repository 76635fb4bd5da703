"""Bounds of the numbers and dates the newer rooms' forms and queries take (review, early
warning, supervision, funds): a scheme year within 2000–2100, an "on" date from the scheme's
earliest date to a year ahead (reviews date steps ahead of time; nothing is further out), a
form amount in yuan up to ten million, a form's row version within 32 bits, and a note,
reason or finding at most its column's length (not cut to it silently), and every search's or
filter's free text of a query (a name, an ID, a region, a month) at most
:data:`QUERY_LENGTH` characters (:func:`text_query`), and so every free-text field of a form
(:func:`text_form`: a code, a date, an amount, a token, a login's username and password; a
note or a design's lines at their own lengths). A value outside is a 422 naming the
field (a 400 OperationOutcome under /fhir), before anything is read or written."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Form, Query
from pydantic import BeforeValidator, StringConstraints

from safetynet.clock import local_today
from safetynet.codes import FIRST_YEAR, LAST_YEAR
from safetynet.money import MoneyError, to_fen
from safetynet.numerals import ascii_digits, numeric_text
from safetynet.plain_text import LINES_PATTERN, ONE_LINE_PATTERN
from safetynet.settlement.submission import EARLIEST_DATE, MAX_ITEM_YUAN
from safetynet.web.errors import WebError
from safetynet.web.ids import MAX_ID

AHEAD = timedelta(days=366)  # the latest "on" date: a year from today
MAX_FEN = int(MAX_ITEM_YUAN * 100)
# the columns' lengths of free text a form stores (review, warnings, sanctions, rounds); a
# note of NOTE_LENGTH (a reviewer's reason, a step's note, a finding) is a text of lines
# (``text_form(..., lines=True)``), every other field one line
NOTE_LENGTH, SHORT_NOTE_LENGTH, RULE_LENGTH = 500, 200, 64
# a search's or filter's text in a query: a name, a resident ID, a region code, a month, a
# user name, an object's id; and a page's address to return to (``next``)
QUERY_LENGTH, NEXT_LENGTH = 100, 2000
# a form's many-line text (a design's parameters and targets)
LINES_LENGTH = 2000


def text_query(default: Any = "", *, length: int = QUERY_LENGTH, **extra: Any) -> Any:
    """A free-text query parameter, at most ``length`` characters (else 422 naming it):
    ``q: str = text_query()``, ``region: str | None = text_query(None)``, required:
    ``text_query(...)``."""
    return Query(default, max_length=length, **extra)


def text_form(
    default: Any = "",
    *,
    length: int = QUERY_LENGTH,
    lines: bool = False,
    plain: bool = True,
    **extra: Any,
) -> Any:
    """A form's free-text field, at most ``length`` characters (else 422 naming it), the
    rule of :func:`text_query` for forms: ``code: str = text_form(...)``; a note at its
    column's length: ``text_form("", length=NOTE_LENGTH)``. It is one line of visible text
    (:mod:`safetynet.plain_text`: no control or invisible character, else 422 naming the
    field and the character); ``lines``: a text area's lines (line breaks kept); ``plain``
    False: no text rule (the login's ``next``, never stored nor shown: an address off the
    site or with a control character is replaced, not refused, so the login goes on)."""
    if not plain:
        return Form(default, max_length=length, **extra)
    pattern = LINES_PATTERN if lines else ONE_LINE_PATTERN
    return Form(default, max_length=length, pattern=pattern, **extra)


# a form's repeated text field (a claim's item rows): each value at most QUERY_LENGTH
TextItems = list[
    Annotated[str, StringConstraints(max_length=QUERY_LENGTH, pattern=ONE_LINE_PATTERN)]
]


def _numeric(value: object) -> object:
    return numeric_text(value) if isinstance(value, str) else value


# every whole-number form or query field reads its text by the one rule for numbers
# (safetynet.numerals): ２０１８ is 2018; put ``Numeric`` first in a field's Annotated
Numeric = BeforeValidator(_numeric)
YearQuery = Annotated[
    int | None, Numeric, Query(ge=FIRST_YEAR, le=LAST_YEAR, description="scheme year")
]
YearForm = Annotated[int, Numeric, Form(ge=FIRST_YEAR, le=LAST_YEAR, description="scheme year")]
VersionForm = Annotated[int, Numeric, Form(ge=0, le=MAX_ID, description="row version")]
Whole = Annotated[int, Numeric]  # a whole-number field with a Form(...) or Query(...) default
WholeOrNone = Annotated[int | None, Numeric]


def day_limits(today: date | None = None) -> dict[str, str]:
    """The first and last day :func:`day_within` takes, for a date field's ``min`` and
    ``max`` (the browser's picker offers only these; the server still checks)."""
    today = today or local_today()
    return {"min": EARLIEST_DATE.isoformat(), "max": (today + AHEAD).isoformat()}


def day_within(text: str, field: str, *, today: date | None = None) -> date:
    """``text`` (YYYY-MM-DD) as a date from 2000-01-01 to a year from today; blank: today."""
    today = today or local_today()
    text = numeric_text(text)  # ２０１８－０３－０１ is 2018-03-01
    if not text:
        return today
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise WebError(422, "date_invalid", "write the date as YYYY-MM-DD", field=field) from None
    if not EARLIEST_DATE <= day <= today + AHEAD:
        raise WebError(422, "day_out_of_range", f"{field}: {day} is out of range", field=field)
    return day


def fen_within(text: str, field: str) -> int:
    """An amount in yuan (at most two decimals, not negative, at most ten million) in fen."""
    try:
        fen = to_fen(text)
    except MoneyError:
        fen = -1
    if not 0 <= fen <= MAX_FEN:
        raise WebError(422, "amount_invalid", f"{field}: not an amount", field=field)
    return fen


def small_number(text: str, field: str, low: int, high: int) -> int | None:
    """A whole number within ``low``–``high`` (full-width digits read as ASCII, the one rule
    of :mod:`safetynet.numerals`); blank: None."""
    text = numeric_text(text)
    if not text:
        return None
    if not (ascii_digits(text) and low <= int(text) <= high):
        raise WebError(422, "invalid", f"{field}: not a number from {low} to {high}", field=field)
    return int(text)
