"""The one rule for reading a JSON document a user or a system sends: a request body (the
REST API and FHIR, :mod:`safetynet.web.json_body`) and each line of a claim file
(:mod:`safetynet.claims.fileformat`).

A document parses; it is not nested deeper than the parser can follow, holds no whole number
longer than Python reads (4,300 digits) and names each key of an object once: ``{"total":
"20000", "total": "1"}`` is refused (two readers would read two different claims), never read
as its last value. :class:`JsonTextError` says what is wrong as a message id of the
translation catalog with its parameters (``str()`` is the English sentence).
"""

from __future__ import annotations

import json
from typing import Any

from safetynet.i18n import N_


class JsonTextError(ValueError):
    """A document that is not one JSON document: ``code`` (``json_invalid``,
    ``duplicate_key``), ``template`` (a message id), ``params``, the key named twice
    (``field``)."""

    def __init__(self, code: str, template: str, *, field: str | None = None, **params: object):
        super().__init__(template % params if params else template)
        self.code, self.template, self.params, self.field = code, template, params, field


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def loads(text: str | bytes) -> Any:
    """The document, or :class:`JsonTextError` saying where or what is wrong."""
    try:
        return json.loads(text, object_pairs_hook=_once)
    except _DuplicateKey as dup:
        raise JsonTextError(
            "duplicate_key", N_("the key %(key)s appears twice in one object"), field=dup.key,
            key=repr(dup.key),
        ) from None  # fmt: skip
    except RecursionError:  # "[[[[…" deeper than Python's stack
        raise JsonTextError("json_invalid", N_("it is nested too deeply")) from None
    except UnicodeDecodeError:
        raise JsonTextError("json_invalid", N_("it is not UTF-8")) from None
    except json.JSONDecodeError as exc:
        raise JsonTextError(
            "json_invalid", N_("at line %(line)s, column %(column)s: %(reason)s"),
            line=exc.lineno, column=exc.colno, reason=exc.msg,
        ) from None  # fmt: skip
    except ValueError:  # Python's limit of 4300 digits in a whole number
        raise JsonTextError("json_invalid", N_("it holds a number too long")) from None
