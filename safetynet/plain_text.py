"""The one rule for a line of text a user or a system sends (a claim number, an item or
institution code, a reason): it holds no control character (C0 and C1, DEL, a line break)
and no invisible formatting character — the bidirectional overrides, embeddings, isolates and
marks (``U+202E`` shows ``H‮-1`` as ``H1-``), zero-width spaces and joiners, the byte-order
mark. Such a character makes two numbers look alike on screen and on paper that are not, or
one text look like another; it is refused naming the character, never stored.

A note of several lines (the 500-character notes: a reviewer's reason for a line, a case
step's or a warning step's note, an inspection's finding; a design's text areas) follows the
same rule except for the line break (:data:`Note`, and the forms' ``LINES_PATTERN``); every
other field (codes, numbers, names, the short reasons of a refund, a cancellation or a
suspension) is :data:`OneLine`. The import files' cells are one line each (``HIDDEN_CLASS``,
column-wise).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

# the characters refused, as (first, last) code points
HIDDEN_RANGES = (
    (0x00, 0x1F), (0x7F, 0x9F), (0x61C, 0x61C), (0x180E, 0x180E), (0x200B, 0x200F),
    (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB),
)  # fmt: skip
# the same as a character class written with ``\uXXXX`` escapes, which Python's ``re`` and
# Polars' (Rust) regex both read: the import files' cells are checked with it column-wise
HIDDEN_CLASS = "[" + "".join(f"\\u{a:04X}-\\u{b:04X}" for a, b in HIDDEN_RANGES) + "]"
_HIDDEN = re.compile(HIDDEN_CLASS)


def _class_without(kept: str) -> str:
    """The characters of :data:`HIDDEN_RANGES` but ``kept``, as the inside of a class."""
    points = [c for a, b in HIDDEN_RANGES for c in range(a, b + 1) if chr(c) not in kept]
    return "".join(f"\\u{c:04X}" for c in points)


# a form's whole field as one line, or as lines (a text area: LF and CR kept), for a
# ``pattern=`` (the web's forms, :func:`safetynet.web.bounds.text_form`)
ONE_LINE_PATTERN = "^[^" + HIDDEN_CLASS[1:-1] + "]*$"
LINES_PATTERN = "^[^" + _class_without("\n\r") + "]*$"


def hidden_character(text: str) -> str | None:
    """The first control or invisible character of ``text`` as ``U+202E``, or None."""
    found = _HIDDEN.search(text)
    return f"U+{ord(found.group(0)):04X}" if found else None


def _one_line(text: str) -> str:
    where = hidden_character(text)
    if where is not None:
        raise ValueError(f"holds a control or invisible character ({where}): retype it")
    return text


OneLine = Annotated[str, AfterValidator(_one_line)]  # a field of one line of visible text


def multi_line(text: str) -> str:
    """``text`` with its line breaks as ``\n``; refused (``ValueError``) when it holds any
    other control or invisible character."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    where = hidden_character(text.replace("\n", ""))
    if where is not None:
        raise ValueError(f"holds a control or invisible character ({where}): retype it")
    return text


Note = Annotated[str, AfterValidator(multi_line)]  # a field of visible text in lines
