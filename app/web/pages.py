"""Rendering pages: one Jinja2 environment and ``render``, which gives every template its context.

Every template receives: ``request``, ``lang`` (the page language), ``other_languages``,
``_``/``gettext``/``ngettext`` (that language's catalog), ``user`` (the logged-in staff user or
None), ``csrf_token`` (for staff forms) and ``settings``; plus the page's own context.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from app.config import LANGUAGES
from app.i18n import pick_language, template_callables, translations
from app.models import Organisation
from app.web.labels import placement_label, type_code
from questionnaires.shown import shown_percent

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
STATIC = Path(__file__).resolve().parents[1] / "static"
LANG_COOKIE = "lang"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html", "xml"]),
    auto_reload=False,
    extensions=["jinja2.ext.i18n"],
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# {% trans %} blocks call gettext(message, **variables), matching template_callables.
_env.newstyle_gettext = True  # type: ignore[attr-defined]
# One name per placement and outcome on every page and in the PDF (app/web/labels.py).
_env.globals["placement_label"] = placement_label
# Type codes in the reader's alphabet (ЛСИ in Russian), on every page.
_env.globals["type_code"] = type_code
# The one rule for showing a probability (questionnaires/shown.py): every template calls it.
_env.globals["shown_percent"] = shown_percent
templates = Jinja2Templates(env=_env)


def warm_up() -> None:
    """Compile every template and catalog now, at start-up (about 0.3 s), instead of in the
    first requests after a restart: 50 candidates arriving at once each waited for them."""
    for name in _env.list_templates(extensions=["html"]):
        _env.get_template(name)
    for language in LANGUAGES:
        translations(language)


def staff_language(request: Request) -> str:
    """?lang= if given (it is then stored in a cookie), else the cookie, else the default."""
    default = request.app.state.settings.default_language
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    return pick_language(request.cookies.get(LANG_COOKIE), default)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    lang: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page. ``lang`` is given for candidate pages; staff pages use ``staff_language``."""
    staff = lang is None
    language = staff_language(request) if lang is None else lang
    ctx: dict[str, Any] = {
        "lang": language,
        "other_languages": [code for code in LANGUAGES if code != language],
        **template_callables(language),
        "user": getattr(request.state, "user", None),
        "csrf_token": request.session.get("csrf", "") if "session" in request.scope else "",
        "settings": request.app.state.settings,
        "staff_page": staff,
    }
    ctx["organisation_missing"] = (
        staff and ctx["user"] is not None and not organisation_is_set(request)
    )
    ctx["brand"] = None
    ctx.update(context or {})
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    asked = request.query_params.get("lang")
    if staff and asked in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            str(asked),
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.secure_cookies,
        )
    return response


def organisation_is_set(request: Request) -> bool:
    """Whether the organisation exists. Once it does it stays (it can be edited, not removed),
    so only its absence is looked up again, on each staff page, until someone sets it (on the
    page or with `rolefit organisation`, from another process)."""
    state = request.app.state
    if getattr(state, "organisation_set", False):
        return True
    with Session(state.engine) as session:
        found = session.get(Organisation, 1) is not None
    state.organisation_set = found
    return found


def gettext_for(request: Request, lang: str | None = None) -> Any:
    """The gettext function for Python-side messages of this request."""
    return translations(lang or staff_language(request)).gettext
