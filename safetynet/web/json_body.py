"""The one rule for a JSON request body (the REST API and FHIR alike).

A body is typed JSON (``application/json`` or any ``…+json`` type; an untyped body is not
read as JSON), in UTF-8, parses, is not nested deeper than the parser can follow, and names
each key of an object once: ``{"resident_id": "…", "resident_id": "…"}`` is refused (two
parsers would read two different claims), never read as its last value. A refusal names the
code, the place (line and column, or the key) and what is wrong.
"""

from __future__ import annotations

import json
from typing import Any

JSON_MEDIA = ("application/json", "application/fhir+json")


class JsonBodyError(ValueError):
    """A body that is not one JSON document: ``code``, ``message``, ``field`` and the HTTP
    ``status`` (400, or 415 for another media type)."""

    def __init__(self, code: str, message: str, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.field, self.status = code, message, field, status


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


def media_of(content_type: str) -> str:
    """``application/json; charset=utf-8`` → ``application/json``."""
    return content_type.split(";", 1)[0].strip().lower()


def is_json_media(media: str) -> bool:
    """Whether a media type (without parameters) is JSON."""
    return media in JSON_MEDIA or (media.startswith("application/") and media.endswith("+json"))


def check_media(content_type: str, expected: str = "application/json") -> None:
    """415 (``media_type``) unless the body's type is JSON."""
    media = media_of(content_type)
    if not is_json_media(media):
        raise JsonBodyError(
            "media_type", f"the body is {media or 'untyped'}: send JSON (Content-Type: {expected})",
            field="content-type", status=415,
        )  # fmt: skip


def parse_json(body: bytes) -> Any:
    """The body's one JSON document, or :class:`JsonBodyError` saying where it is not."""
    try:
        return json.loads(body, object_pairs_hook=_once)
    except _DuplicateKey as dup:
        msg = f"the key {dup.key!r} appears twice in one object: send each key once"
        raise JsonBodyError("duplicate_key", msg, field=dup.key) from None
    except RecursionError:  # "[[[[…" deeper than Python's stack
        msg = "the body is not valid JSON: it is nested too deeply"
        raise JsonBodyError("json_invalid", msg) from None
    except UnicodeDecodeError:
        raise JsonBodyError("json_invalid", "the body is not valid JSON: it is not UTF-8") from None
    except ValueError as exc:  # JSONDecodeError (with its place) or a number too long
        if not hasattr(exc, "lineno"):  # Python's limit of 4300 digits in a whole number
            raise JsonBodyError("json_invalid", "the body holds a number too long") from None
        msg = f"the body is not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        raise JsonBodyError("json_invalid", msg) from None
