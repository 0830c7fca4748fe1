"""The server's access log without candidates' credentials.

A candidate's link carries its secret token in the path (/a/<token>/...), and uvicorn's access
log writes every request's path. Logs travel further than the database (log collectors,
support tickets): the token is replaced before a line is written.
"""

from __future__ import annotations

import logging
import re

_LINK = re.compile(r"^/a/[^/?#]+")
HIDDEN = "/a/[token]"


def redact_path(path: str) -> str:
    return _LINK.sub(HIDDEN, path)


class RedactLinkTokens(logging.Filter):
    """For the ``uvicorn.access`` logger, whose records carry (client, method, path, http
    version, status) as their arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], redact_path(args[2]), args[3], args[4])
        return True
