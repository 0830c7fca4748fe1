"""Rendering the invitation and reminder emails from ``templates/emails/``.

Each email has three templates: ``<kind>.subject.txt``, ``<kind>.txt`` (the plain-text part)
and ``<kind>.html`` (extends ``_layout.html``). Russian and English live side by side in the
same template, in ``{% if language == "ru" %}`` blocks, so a reviewer sees both versions of a
sentence together and the HTML structure exists once. (The app's gettext catalogs belong to the
web interface; emails are a handful of long paragraphs that read better whole than as msgids.)

HTML templates are autoescaped. Plain-text templates are not escaped; instead every value is
cleaned before rendering (control characters and line breaks become spaces, so a vacancy title
cannot add lines to the message) and the rendered text is cleaned of control characters again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal

import jinja2
from babel.dates import format_date

from app.config import LANGUAGES
from app.i18n import translations
from app.text import is_control

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
INTROS = Path(__file__).resolve().parent / "texts"  # the built-in opening paragraphs
# "employee": the invitation of a current employee to the team's assessment (no vacancy).
Kind = Literal["invitation", "reminder", "employee"]

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    # Only .html is escaped: the .txt parts are plain text, cleaned by _plain instead.
    autoescape=jinja2.select_autoescape(["html"], default_for_string=False, default=False),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str
    html: str


def render_invitation_email(
    *,
    language: str,
    candidate_name: str,
    vacancy_title: str,
    company_name: str,
    link: str,
    expires_at: datetime,
    contact_email: str | None,
    kind: Kind,
    minutes: int,
    intro: str | None = None,
    operator: str | None = None,
) -> EmailContent:
    """The subject, plain-text and HTML parts of an invitation or a reminder.

    ``intro``: the opening paragraphs as the organisation wrote them (placeholders in braces,
    paragraphs split by blank lines); None: the built-in text. ``operator``: the legal entity
    and address named as the operator of the candidate's data in the footer.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    if kind not in ("invitation", "reminder", "employee"):
        raise ValueError(f"unknown email kind {kind!r}")
    # An href is escaped but not neutralised by autoescape: only web links may go in.
    if not link.startswith(("https://", "http://")) or _has_control(link) or " " in link:
        raise ValueError("link must be an absolute http(s) URL without spaces")
    context = {
        "language": language,
        "candidate_name": _one_line(candidate_name),
        "vacancy_title": _one_line(vacancy_title),
        "company_name": _one_line(company_name),
        "link": link,
        "expires_on": format_date(last_full_day(expires_at), format="long", locale=language),
        "contact_email": _one_line(contact_email) if contact_email else None,
        # The same words as the landing page (questionnaires/timing.py gives the number).
        "duration": translations(language).ngettext(
            "about %(num)s minute", "about %(num)s minutes", minutes
        )
        % {"num": minutes},
    }
    body = intro if intro is not None else default_intro(kind, language)
    values = {
        "company": _one_line(company_name),
        "vacancy": _one_line(vacancy_title),
        "duration": str(context["duration"]),
        "candidate": _one_line(candidate_name),
    }
    extra = {
        "intro": [_one_line(p) for p in fill_text(body, values)],
        "operator": _one_line(operator) if operator else None,
    }
    subject = _one_line(_env.get_template(f"emails/{kind}.subject.txt").render(context))
    text = _plain(_env.get_template(f"emails/{kind}.txt").render(context, **extra))
    html = _env.get_template(f"emails/{kind}.html").render(context, subject=subject, **extra)
    return EmailContent(subject=subject, text=text, html=html)


def default_intro(kind: str, language: str) -> str:
    return (INTROS / f"{kind}.{language}.txt").read_text(encoding="utf-8").strip()


_BRACES = re.compile(r"\{([^{}]*)\}")


def fill_text(body: str, values: dict[str, str]) -> list[str]:
    """A text's paragraphs (split by blank lines) with its placeholders filled in; unknown
    braces stay as typed."""

    def one(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    return [" ".join(_BRACES.sub(one, p).split()) for p in body.split("\n\n") if p.strip()]


def last_full_day(expires_at: datetime) -> date:
    """The last day (UTC) on which the link works all day: what "until ... inclusive" promises.

    A link expiring on 15 December at 09:30 is announced as working through 14 December, so the
    email never promises more than the link gives. UTC days end later than Russian ones
    (UTC+2..+12), so for candidates in Russia the promise holds to the minute; west of UTC it
    may overstate by a few hours.
    """
    if expires_at.tzinfo is not None:
        expires_at = expires_at.astimezone(UTC)
    return (expires_at - timedelta(days=1)).date()


def _has_control(value: str) -> bool:
    return any(is_control(ch) for ch in value)


def _one_line(value: str) -> str:
    """Control characters and runs of whitespace (line breaks included) become one space."""
    cleaned = "".join(" " if is_control(ch) else ch for ch in value)
    return " ".join(cleaned.split())


def _plain(text: str) -> str:
    """Keep line breaks and tabs; drop every other control character; no blank-line runs."""
    kept = "".join(ch for ch in text if ch in "\n\t" or not is_control(ch))
    lines = [line.rstrip() for line in kept.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n") + "\n"
