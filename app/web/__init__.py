"""The shared web layer: what every page, the API and the security middleware answer with.

``pages`` renders templates (``render``), ``errors`` the error pages, the 503 and the 429,
``problems`` the API's RFC 9457 problem+json, ``labels`` the one name of every placement. It
imports nothing above ``app.models`` (CONTRIBUTING.md, "Where things live"), so ``security/``,
``auth/`` and every feature folder can use it.
"""

from app.web.pages import (
    LANG_COOKIE,
    STATIC,
    TEMPLATES,
    gettext_for,
    render,
    staff_language,
    templates,
    warm_up,
)

__all__ = [
    "LANG_COOKIE",
    "STATIC",
    "TEMPLATES",
    "gettext_for",
    "render",
    "staff_language",
    "templates",
    "warm_up",
]
