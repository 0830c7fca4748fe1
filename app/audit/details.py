"""An audit event's details in words, for the audit page: a label per key the application
records, and coded values (roles, decisions, events, fields) by their names.

The log keeps the details as recorded (ids and counts, never personal data; see service.py);
only the page translates them. A key not listed here still reads: its name with spaces, its
value as text. ``tests/audit/test_details_in_words.py`` finds every key the code records and
fails when one has no label here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal

from app.i18n import N_, translations
from app.models import Role
from app.web.labels import DECISION_NAMES
from socionics.matrix import ROLE_NAMES

# What each recorded key is called.
DETAIL_NAMES: dict[str, str] = {
    "api_key": N_("Key"),
    "api_key_id": N_("API key"),
    "cells": N_("Cells changed"),
    "comments": N_("Comments read"),
    "count": N_("Count"),
    "created": N_("Added"),
    "decision": N_("Decision"),
    "deals": N_("Deals"),
    "event_id": N_("Event"),
    "events": N_("Events"),
    "fields": N_("Fields changed"),
    "from": N_("Before"),
    "from_invitation": N_("From the invitation"),
    "invitation_id": N_("Invitation"),
    "invitations": N_("Invitations"),
    "kind": N_("Text"),
    "label": N_("Matrix label"),
    "language": N_("Language"),
    "mapping": N_("Source"),
    "period": N_("Period"),
    "prefix": N_("Key"),
    "previous_version_id": N_("Previous matrix version"),
    "proposal": N_("Proposal"),
    "proposed_cells": N_("Cells proposed"),
    "reason": N_("Reason"),
    "rejected": N_("Rows rejected"),
    "reminded": N_("Reminders sent"),
    "removed": N_("Records deleted"),
    "rescored": N_("Results re-scored"),
    "role": N_("Role"),
    "scope": N_("Access"),
    "scores_kept": N_("Anonymous scores kept"),
    "seconds": N_("Pause"),
    "skipped": N_("Skipped (already invited)"),
    "to": N_("After"),
    "unchanged": N_("Unchanged"),
    "unmatched_names": N_("Names matched to no employee"),
    "updated": N_("Updated"),
    "vacancy_id": N_("Vacancy"),
    "version": N_("Version"),
    "via": N_("Withdrawn by"),
}
# Values that are codes, by their names (the same words the pages that set them use).
VALUE_NAMES: dict[str, str] = {
    Role.admin.value: N_("Administrator"),
    Role.recruiter.value: N_("Recruiter"),
    Role.hiring_manager.value: N_("Hiring manager"),
    "assessment.completed": N_("Assessment completed"),
    "invitation.expired": N_("Invitation expired"),
    "ping": N_("Test event"),
    "read": N_("read only"),
    "read_write": N_("read and write"),
    "consent": N_("Consent to the processing of personal data"),
    "employee_consent": N_("Consent for current employees (the team's assessment)"),
    "employee": N_("the employee themself"),
    "invitation": N_("Invitation email: the opening paragraph"),
    "reminder": N_("Reminder email: the opening paragraph"),
    "request": N_("at the candidate's request"),
    "retention": N_("the retention period ended"),
    "month": N_("month"),
    "quarter": N_("quarter"),
    "ru": N_("Russian"),
    "en": N_("English"),
}
# The fields of the forms whose changes are recorded (``fields``).
FIELD_NAMES: dict[str, str] = {
    "name": N_("Display name"),
    "legal_entity": N_("Legal entity (the operator of personal data)"),
    "address": N_("Legal entity's address"),
    "contact_email": N_("Email for data requests"),
    "sender_name": N_("Sender name in emails"),
    "reply_to": N_("Reply-to address in emails"),
    "logo": N_("Logo"),
    "title": N_("Title"),
    "placement": N_("Target placement"),
    "language": N_("Language"),
    "questionnaire_ids": N_("Questionnaires"),
    "role": N_("Role"),
    "team": N_("Team or territory"),
    "dates": N_("Start and end dates"),
}
# Keys whose value is a row's number ("#5"), and keys whose value is an identifier a reader
# matches elsewhere (an API key's first characters, an event's id): shown as code.
NUMBERS = {
    "api_key_id",
    "from_invitation",
    "invitation_id",
    "invitations",
    "previous_version_id",
    "vacancy_id",
}
IDENTIFIERS = {"api_key", "prefix", "event_id", "proposal"}


@dataclass(frozen=True)
class DetailLine:
    label: str
    value: str
    code: bool = False  # an identifier: shown in a code element, as recorded


def _readable(key: str) -> str:
    return key.replace("_", " ").replace(".", " ").strip().capitalize()


def _value(key: str, value: Any, language: str) -> str:
    _ = translations(language).gettext
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(_value(key, v, language) for v in value)
    if isinstance(value, Mapping):
        if key == "removed" and all(isinstance(v, int) for v in value.values()):
            return format_decimal(sum(value.values()), locale=language)
        return "; ".join(
            f"{_readable(str(k))}: {_value(key, v, language)}" for k, v in value.items()
        )
    if isinstance(value, int | float):
        shown = format_decimal(value, locale=language)
        if key in NUMBERS:
            return f"#{value}"
        if key == "seconds":
            return translations(language).ngettext(
                "%(num)s second", "%(num)s seconds", int(value)
            ) % {"num": shown}
        return shown
    text = str(value)
    if key == "fields" and text in FIELD_NAMES:
        return _(FIELD_NAMES[text])
    if key == "decision" and text in DECISION_NAMES:
        return _(DECISION_NAMES[text])
    if key in ("role", "from", "to") and text in ROLE_NAMES:
        return ROLE_NAMES[text].get(language)
    if text in VALUE_NAMES:
        return _(VALUE_NAMES[text])
    return text


def details_in_words(details: Mapping[str, Any] | None, language: str) -> list[DetailLine]:
    """One line per recorded detail, in the reader's language, in the order recorded."""
    _ = translations(language).gettext
    lines = []
    for key, value in (details or {}).items():
        label = _(DETAIL_NAMES[key]) if key in DETAIL_NAMES else _readable(key)
        code = key in IDENTIFIERS and isinstance(value, str) and bool(value)
        lines.append(DetailLine(label, value if code else _value(key, value, language), code))
    return lines
