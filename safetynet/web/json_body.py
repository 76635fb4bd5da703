"""The one rule for a JSON request body (the REST API and FHIR alike), over the one rule for
reading JSON (:mod:`safetynet.json_text`).

A body is typed JSON (``application/json`` or any ``…+json`` type; an untyped body is not
read as JSON), in UTF-8, parses, is not nested deeper than the parser can follow, and names
each key of an object once: ``{"resident_id": "…", "resident_id": "…"}`` is refused (two
parsers would read two different claims), never read as its last value. A refusal names the
code, the place (line and column, or the key) and what is wrong.
"""

from __future__ import annotations

from typing import Any

from safetynet.json_text import JsonTextError, loads

JSON_MEDIA = ("application/json", "application/fhir+json")


class JsonBodyError(ValueError):
    """A body that is not one JSON document: ``code``, ``message``, ``field`` and the HTTP
    ``status`` (400, or 415 for another media type)."""

    def __init__(self, code: str, message: str, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.field, self.status = code, message, field, status


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
    """The body's one JSON document by the one rule (:func:`safetynet.json_text.loads`), or
    :class:`JsonBodyError` saying where it is not."""
    try:
        return loads(body)
    except JsonTextError as exc:
        if exc.code == "duplicate_key":
            msg = f"{exc}: send each key once"
        else:
            msg = f"the body is not valid JSON: {exc}".replace("JSON: at line", "JSON at line")
        raise JsonBodyError(exc.code, msg, field=exc.field) from None
