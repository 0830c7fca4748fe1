"""Interface translations (Babel). Catalogs are .po files compiled in memory at start-up.

Every interface string goes through gettext: ``_()`` in Python, ``{{ _("...") }}`` or
``{% trans %}`` in templates. Questionnaire texts come from the YAML files instead.
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2.runtime import Context
from jinja2.utils import pass_context
from markupsafe import Markup

from app.config import LANGUAGES

CATALOGS = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalog for a language; English falls back to the msgids themselves."""
    path = CATALOGS / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language not in LANGUAGES or not path.exists():
        return NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=language, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def pick_language(value: str | None, default: str) -> str:
    return value if value in LANGUAGES else default


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown (``_(message)``)."""
    return message


def template_callables(language: str) -> dict[str, Any]:
    """``_``, ``gettext`` and ``ngettext`` for templates, new-style: ``_("Hi %(name)s", name=x)``.

    The translation is marked safe and the variables are escaped by ``Markup.__mod__``.
    """
    t = translations(language)

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> str:
        rv: str = t.gettext(message)
        if context.eval_ctx.autoescape:
            rv = Markup(rv)  # noqa: S704  (our own catalog text; % escapes the variables)
        return rv % variables if variables else rv

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        rv: str = t.ngettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            rv = Markup(rv)  # noqa: S704  (our own catalog text; % escapes the variables)
        return rv % variables

    return {"gettext": gettext, "ngettext": ngettext, "_": gettext}
