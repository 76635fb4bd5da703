"""Refuse input no field may hold: NUL characters (PostgreSQL text cannot store them).

A pure ASGI middleware: it looks at the path, the query string and a JSON or form body
(buffered, then handed on unchanged) and answers 400 before any route runs.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from safetynet.web.errors import json_error

MAX_BODY = 10 * 1024 * 1024  # bytes; larger bodies are refused (413)
_NUL = (b"\x00", b"%00", b"\\u0000")

Message = MutableMapping[str, Any]


class RejectNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if "\x00" in path or any(n in scope.get("query_string", b"") for n in _NUL):
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
        if any(n in body for n in _NUL):
            await self._refuse(scope, receive, send, 400)
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
        response = json_error(scope["path"], status, "input_refused", message)
        await response(scope, receive, send)
