"""The staff session cookie: Starlette's signed-cookie sessions, except on candidate links.

A candidate's pages never use a staff session (the link's token is the credential), so on
/a/... the cookie is neither decoded nor re-sent. Besides sparing every autosave the work, a
staff member who opens a candidate link in their own browser does not lend it their session:
the candidate pages have no CSRF token or staff data to take from it.
"""

from __future__ import annotations

from starlette.middleware.sessions import SessionMiddleware
from starlette.types import Receive, Scope, Send

CANDIDATE_PREFIX = "/a/"


class StaffSessionMiddleware(SessionMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(CANDIDATE_PREFIX):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
