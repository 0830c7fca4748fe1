"""Refuse NUL characters in what users send: PostgreSQL text cannot store them (the insert
fails: a 500), and no one types one. Query strings, paths, URL-encoded forms and JSON bodies
are checked; the answer is the 400 page, before anything is stored. Multipart uploads are left
to their parsers (a file may hold any byte; the CSV import refuses what it cannot read).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from app.security.asgi import HttpMiddleware
from app.web.errors import error_page
from app.web.problems import FieldError, invalid, problem_response

_CHECKED_TYPES = (b"application/x-www-form-urlencoded", b"application/json")
_MARKERS = (b"\x00", b"%00", b"\\u0000")


def _has_nul(data: bytes) -> bool:
    lowered = data.lower()
    return any(marker in lowered for marker in _MARKERS)


class NulByteMiddleware(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if "\x00" in scope["path"] or _has_nul(scope.get("query_string", b"")):
            await _refuse(scope, receive, send)
            return
        ctype = next((v for n, v in scope.get("headers", []) if n == b"content-type"), b"")
        if not ctype.lower().startswith(_CHECKED_TYPES):
            await self.app(scope, receive, send)
            return
        # Bodies here are small (MAX_BODY_BYTES is enforced outside this middleware).
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if _has_nul(body):
            await _refuse(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope)
    if scope["path"].startswith("/api/"):
        # API clients get the API's documented shape: an RFC 9457 problem, 422 (issue 7).
        where = (
            "body"
            if "\x00" not in scope["path"] and not _has_nul(scope.get("query_string", b""))
            else "query"
        )
        problem = invalid(
            [FieldError(field=where, message="contains a NUL character")],
            detail="A value contains a NUL character, which rolefit does not accept.",
        )
        await problem_response(request, problem)(scope, receive, send)
        return
    response = error_page(request, 400)
    await response(scope, receive, send)
