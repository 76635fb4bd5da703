"""The one rule for a line of text a user or a system sends (a claim number, an item or
institution code, a reason): it holds no control character (C0 and C1, DEL, a line break)
and no invisible formatting character — the bidirectional overrides, embeddings, isolates and
marks (``U+202E`` shows ``H‮-1`` as ``H1-``), zero-width spaces and joiners, the byte-order
mark. Such a character makes two numbers look alike on screen and on paper that are not, or
one text look like another; it is refused naming the character, never stored.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_HIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb]"
)


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
