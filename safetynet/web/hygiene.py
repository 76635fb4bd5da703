"""Refuse input no field may hold: NUL characters (PostgreSQL text cannot store them).

A pure ASGI middleware: it looks at the path, the query string and a JSON or form body
(buffered, then handed on unchanged) and answers 400 before any route runs. Only what decodes
to a NUL is refused: a raw NUL byte anywhere, ``%00`` where percent-encoding applies (the
query string, a form body), and the escape ``\\u0000`` in a JSON body (not preceded by an
escaping backslash). The text ``"discount 100%00 off"`` in JSON is just text.

A body sent to the REST API (``/api``) is held to the one rule for JSON bodies
(:mod:`safetynet.web.json_body`): another media type is a 415 ``media_type``, a body that does
not parse a 422 ``invalid`` naming the line and column, one naming a key twice in one object a
422 ``duplicate_key`` naming the key (FHIR's routes apply the same rule themselves, answering
a 400 OperationOutcome).
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from safetynet.web.api_text import api_locale, api_text
from safetynet.web.errors import json_answer, json_error
from safetynet.web.json_body import JsonBodyError, check_media, parse_json

MAX_BODY = 10 * 1024 * 1024  # bytes; larger bodies are refused (413)
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")  # \u0000 after an even run of backslashes

Message = MutableMapping[str, Any]


class RejectNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        query = scope.get("query_string", b"")
        if "\x00" in path or b"\x00" in query or b"%00" in query:
            await self._refuse(scope, receive, send, 400)
            return
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                await self._refuse(scope, receive, send, 413)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if _holds_nul(body, _content_type(scope)):
            await self._refuse(scope, receive, send, 400)
            return
        if path.startswith("/api/") and body.strip():
            try:
                check_media(_header(scope, b"content-type"))
                parse_json(body)
            except JsonBodyError as exc:
                # the REST API's status and code of a body it cannot take, as its validation's:
                # 422 ``invalid`` (``duplicate_key`` naming the key); another type stays 415
                status = 422 if exc.status == 400 else exc.status
                code = "invalid" if exc.code == "json_invalid" else exc.code
                text = api_text(status, code, exc.message, exc.field, api_locale(scope))
                answer = json_answer(status, code, text, exc.field)
                await answer(scope, receive, send)
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, status: int) -> None:
        message = (
            "text may not contain NUL characters"
            if status == 400
            else f"the request body is larger than {MAX_BODY // (1024 * 1024)} MB"
        )
        response = json_error(scope["path"], status, "input_refused", message, api_locale(scope))
        await response(scope, receive, send)


def _content_type(scope: Scope) -> bytes:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return bytes(value).split(b";", 1)[0].strip().lower()
    return b""


def _header(scope: Scope, wanted: bytes) -> str:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return bytes(value).decode("latin-1")
    return ""


def _holds_nul(body: bytes, content_type: bytes) -> bool:
    """Whether the body, decoded as its content type says, holds a NUL character."""
    if b"\x00" in body:
        return True
    if content_type == b"application/x-www-form-urlencoded":
        return b"%00" in body
    if content_type.startswith(b"multipart/"):
        return False
    # JSON (application/json, application/fhir+json, or no type: FastAPI reads it as JSON)
    return b"\\u0000" in body and _JSON_NUL.search(body) is not None
