"""The organisation (one row) and the texts an admin edits per language, versioned.

Candidates deal with the organisation, never with the product: its display name is on their
pages and emails, its legal entity is the operator named in the consent (152-FZ), its contact
takes data requests. Until an organisation is set, candidate links do not open (a consent
naming no operator is no consent).

Texts: the consent, the employee consent (for the current team's assessment links), and the
opening paragraph of the invitation and reminder emails. Each save
of a changed text is a new version (``TextTemplate``); the newest is in force. With none saved,
the built-in text is used: the consent file of CONSENT_VERSION (``app.organisation.consent``), the
email paragraphs in ``app/mail/texts/``. A consent record keeps the version label the candidate saw:
``ru.3`` for the third saved Russian text (``employee.ru.3`` for the employee text), the file's
version name for a built-in one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.config import LANGUAGES, Settings
from app.db import utcnow
from app.i18n import N_
from app.mail.compose import default_intro, fill_text
from app.models import Organisation, TextTemplate, User
from app.organisation.consent import EMPLOYEE_CONSENT_VERSION, consent_file
from app.text import plausible_email, strip_bidi
from app.web.forms import FormErrors

ORGANISATION_ID = 1
KINDS = ("consent", "employee_consent", "invitation", "reminder")
CONSENT_KINDS = ("consent", "employee_consent")
# A saved version's label starts with this (a consent record stores only the label).
LABEL_PREFIX = {"consent": "", "employee_consent": "employee."}
# What each text may say in braces; the consent must name the operator and how to reach it.
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "consent": ("company", "operator", "address", "contact"),
    "employee_consent": ("company", "operator", "address", "contact"),
    "invitation": ("company", "vacancy", "duration", "candidate"),
    "reminder": ("company", "vacancy", "duration", "candidate"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "consent": ("operator", "address", "contact"),
    "employee_consent": ("operator", "address", "contact"),
    "invitation": (),
    "reminder": (),
}
TEXT_MAX = 20_000
LOGO_MAX_BYTES = 200_000
# Raster images only: an SVG can carry scripts, and the logo is shown on candidates' pages.
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
_BRACES = re.compile(r"\{([^{}]*)\}")
_DB_VERSION = re.compile(r"^(employee\.)?(ru|en)\.(\d+)$")
FIELDS = ("name", "legal_entity", "address", "contact_email", "sender_name", "reply_to")


@dataclass(frozen=True)
class Brand:
    """The organisation as candidates' pages show it (``None`` before one is set)."""

    name: str
    has_logo: bool


def organisation(session: Session) -> Organisation | None:
    return session.get(Organisation, ORGANISATION_ID)


def logo_type(data: bytes) -> str | None:
    for magic, mime in LOGO_TYPES.items():
        if data.startswith(magic):
            return mime
    return None


def save_organisation(
    session: Session,
    *,
    name: str,
    legal_entity: str,
    address: str,
    contact_email: str,
    sender_name: str = "",
    reply_to: str = "",
    logo: bytes | None = None,
    remove_logo: bool = False,
    actor: User | None,
    now: datetime | None = None,
) -> tuple[Organisation, list[str]]:
    """Create or update the organisation; returns it and the names of the fields changed.

    Raises ``FormErrors`` (field -> msgid) naming every bad field at once.
    """
    values = {
        "name": " ".join(strip_bidi(name).split()),
        "legal_entity": " ".join(strip_bidi(legal_entity).split()),
        "address": " ".join(strip_bidi(address).split()),
        "contact_email": contact_email.strip(),
        "sender_name": " ".join(strip_bidi(sender_name).split()),
        "reply_to": reply_to.strip(),
    }
    errors: dict[str, str] = {}
    if not values["name"] or len(values["name"]) > 200:
        errors["name"] = N_("Enter the name candidates know you by (up to 200 characters).")
    if not values["legal_entity"] or len(values["legal_entity"]) > 300:
        errors["legal_entity"] = N_(
            "Enter the legal entity that processes the personal data (up to 300 characters)."
        )
    if not values["address"] or len(values["address"]) > 500:
        errors["address"] = N_("Enter the legal entity's address (up to 500 characters).")
    if not plausible_email(values["contact_email"]):
        errors["contact_email"] = N_("Enter a valid email address for data requests.")
    if len(values["sender_name"]) > 200:
        errors["sender_name"] = N_("The sender name can have up to 200 characters.")
    if values["reply_to"] and not plausible_email(values["reply_to"]):
        errors["reply_to"] = N_("Enter a valid email address or leave it empty.")
    mime = None
    if logo:
        mime = logo_type(logo)
        if mime is None:
            errors["logo"] = N_("The logo must be a PNG or JPEG image.")
        elif len(logo) > LOGO_MAX_BYTES:
            errors["logo"] = N_("The logo must be smaller than 200 KB.")
    if errors:
        raise FormErrors(errors)
    # A new organisation starts empty, so each field given counts as changed.
    org = organisation(session) or Organisation(
        id=ORGANISATION_ID, name="", legal_entity="", address="", contact_email=""
    )
    changed = [f for f in FIELDS if getattr(org, f) != values[f]]
    for f in changed:
        setattr(org, f, values[f])
    if logo and mime:
        if org.logo != logo:
            changed.append("logo")
        org.logo, org.logo_type = logo, mime
    elif remove_logo and org.logo is not None:
        org.logo, org.logo_type = None, None
        changed.append("logo")
    org.updated_at = now or utcnow()
    org.updated_by_id = actor.id if actor else None
    session.add(org)
    session.flush()
    return org, changed


# --- texts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    kind: str
    language: str
    label: str  # what a consent record stores: "ru.3", or the built-in file's version
    body: str
    saved: TextTemplate | None  # None: the built-in text


def builtin_text(settings: Settings, *, kind: str, language: str) -> Text:
    if kind == "consent":
        path = consent_file(settings, version=settings.consent_version, lang=language)
        label = settings.consent_version
    elif kind == "employee_consent":
        path = consent_file(settings, version=EMPLOYEE_CONSENT_VERSION, lang=language)
        label = EMPLOYEE_CONSENT_VERSION
    else:
        return Text(kind, language, "built-in", default_intro(kind, language), None)
    return Text(kind, language, label, path.read_text(encoding="utf-8").strip(), None)


def current_text(session: Session, settings: Settings, *, kind: str, language: str) -> Text:
    row = session.exec(
        select(TextTemplate)
        .where(TextTemplate.kind == kind, TextTemplate.language == language)
        .order_by(col(TextTemplate.version).desc())
        .limit(1)
    ).first()
    if row is None:
        return builtin_text(settings, kind=kind, language=language)
    label = f"{LABEL_PREFIX.get(kind, '')}{language}.{row.version}"
    return Text(kind, language, label, row.body, row)


def saved_consent(session: Session, label: str) -> TextTemplate | None:
    """The saved consent version a label names (``ru.3``, ``employee.ru.3``), if it exists."""
    match = _DB_VERSION.match(label)
    if not match:
        return None
    kind = "employee_consent" if match.group(1) else "consent"
    return session.exec(
        select(TextTemplate).where(
            TextTemplate.kind == kind,
            TextTemplate.language == match.group(2),
            TextTemplate.version == int(match.group(3)),
        )
    ).first()


def text_by_label(session: Session, settings: Settings, *, label: str, language: str) -> Text:
    """The consent text a record's label names (a saved version, or a built-in file)."""
    row = saved_consent(session, label)
    if row is not None:
        return Text(row.kind, row.language, label, row.body, row)
    path = consent_file(settings, version=label, lang=language)
    kind = "employee_consent" if label == EMPLOYEE_CONSENT_VERSION else "consent"
    return Text(kind, language, label, path.read_text(encoding="utf-8").strip(), None)


def text_versions(session: Session, *, kind: str, language: str) -> list[TextTemplate]:
    return list(
        session.exec(
            select(TextTemplate)
            .where(TextTemplate.kind == kind, TextTemplate.language == language)
            .order_by(col(TextTemplate.version).desc())
        ).all()
    )


def check_text(kind: str, body: str) -> str | None:
    """A msgid saying what is wrong with a text, or None."""
    if not body.strip():
        return N_("The text cannot be empty.")
    if len(body) > TEXT_MAX:
        return N_("The text is too long (up to 20,000 characters).")
    used = set(_BRACES.findall(body))
    if used - set(PLACEHOLDERS[kind]):
        return N_("The text uses a placeholder that does not exist; use only those listed.")
    if body.count("{") != body.count("}"):
        return N_("Every { needs its }: check the placeholders.")
    if any(p not in used for p in REQUIRED[kind]):
        return N_(
            "The consent must name the operator, its address and the contact: "
            "keep {operator}, {address} and {contact}."
        )
    return None


def save_text(
    session: Session,
    settings: Settings,
    *,
    kind: str,
    language: str,
    body: str,
    actor: User | None,
    now: datetime | None = None,
) -> TextTemplate | None:
    """Save a new version if the text changed; None when it is the text in force already.

    Raises ``FormErrors({"body": msgid})`` for a text that cannot be used.
    """
    if kind not in KINDS or language not in LANGUAGES:
        raise ValueError(f"unknown text {kind}.{language}")
    body = "\n\n".join(
        " ".join(p.split())
        for p in strip_bidi(body).replace("\r\n", "\n").split("\n\n")
        if p.strip()
    )
    problem = check_text(kind, body)
    if problem:
        raise FormErrors({"body": problem})
    if current_text(session, settings, kind=kind, language=language).body == body:
        return None
    last = session.exec(
        select(func.max(TextTemplate.version)).where(
            TextTemplate.kind == kind, TextTemplate.language == language
        )
    ).one()
    row = TextTemplate(
        kind=kind,
        language=language,
        version=(last or 0) + 1,
        body=body,
        created_by_id=actor.id if actor else None,
        author=actor.email if actor else "",
        created_at=now or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class Consent:
    label: str
    paragraphs: list[str]
    kind: str = "consent"


def consent_for(
    session: Session,
    settings: Settings,
    *,
    org: Organisation,
    language: str,
    label: str | None = None,
    kind: str = "consent",
) -> Consent:
    """The consent of ``kind`` in force (or the version ``label``), filled in with the
    organisation; ``employee_consent`` for links that assess a current employee."""
    text = (
        text_by_label(session, settings, label=label, language=language)
        if label
        else current_text(session, settings, kind=kind, language=language)
    )
    values = {
        "company": org.name,
        "operator": org.legal_entity,
        "address": org.address,
        "contact": org.contact_email,
    }
    return Consent(text.label, fill_text(text.body, values), text.kind)


def sender_name(org: Organisation) -> str:
    return org.sender_name or org.name


def reply_address(org: Organisation, fallback: str | None) -> str | None:
    return org.reply_to or fallback or org.contact_email
