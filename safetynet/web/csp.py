"""The Content-Security-Policy of every response: scripts, styles, images and fonts from
SafetyNet itself only, no inline script, event handler or style attribute, no plugin, no
framing, forms posting back to SafetyNet only.

The pages need nothing inline: their scripts are files under ``static/`` and their data
travels in ``<script type="application/json">`` blocks (data, never run). The one page that
is not SafetyNet's own markup, the API documentation (Swagger UI, from FastAPI), starts
itself with a fixed inline script: that page's policy allows exactly that script by its
SHA-256 hash, computed from the page as served, and nothing else inline.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HEADER = b"content-security-policy"
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def policy(extra_scripts: Iterable[str] = ()) -> str:
    """The header's value; ``extra_scripts`` are source expressions added to script-src."""
    directives = dict(DIRECTIVES)
    extra = " ".join(extra_scripts)
    if extra:
        directives["script-src"] += " " + extra
    return "; ".join(f"{k} {v}" for k, v in directives.items())


def script_hashes(html: bytes) -> list[str]:
    """``'sha256-…'`` of every inline script of a page."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in INLINE_SCRIPT.findall(html)
    ]


class ContentSecurityPolicy:
    """Pure ASGI middleware: the policy on every HTTP response; on ``hashed_paths`` (pages
    not written by SafetyNet, without user data) the page's own inline scripts by hash."""

    def __init__(self, app: ASGIApp, hashed_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.hashed_paths = frozenset(p for p in hashed_paths if p)
        self.value = policy().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif scope["path"] in self.hashed_paths:
            await self._hashed(scope, receive, send)
        else:

            async def send_with_policy(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message.get("headers", []), (HEADER, self.value)]
                await send(message)

            await self.app(scope, receive, send_with_policy)

    async def _hashed(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold the (small) page until its end, then send it with its scripts' hashes."""
        start: Message = {}
        body = bytearray()

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    value = policy(script_hashes(bytes(body))).encode()
                    headers = [
                        (k, v)
                        for k, v in start.get("headers", [])
                        if k.lower() not in (HEADER, b"content-length")
                    ]
                    headers += [(HEADER, value), (b"content-length", str(len(body)).encode())]
                    await send({**start, "headers": headers})
                    await send({"type": "http.response.body", "body": bytes(body)})
            else:
                await send(message)

        await self.app(scope, receive, hold)
