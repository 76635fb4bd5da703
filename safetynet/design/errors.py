"""The one error of policy design: bad input, said in words that name what is wrong.

The message is an English message id with named values (``%(path)s``), so the web page can
show it in the user's language (:meth:`DesignError.translated`); ``str()`` is the English.
"""

from __future__ import annotations

from collections.abc import Callable


class DesignError(ValueError):
    """A design that cannot run: a parameter path that does not exist, a value outside what
    the policy schema allows, constraints no candidate meets (naming the binding one)."""

    def __init__(self, msgid: str, **values: object) -> None:
        self.msgid, self.values = msgid, values
        super().__init__(msgid % values if values else msgid)

    def translated(self, gettext: Callable[[str], str]) -> str:
        text = gettext(self.msgid)
        return text % self.values if self.values else text
