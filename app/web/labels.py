"""One name for every placement and outcome, in every place that shows one.

The placements take their names from ``socionics.recommend.PLACEMENT_NAMES`` (also what the
report's sentences say); the vacancy targets and the outcomes without a placement go through
gettext. The report page, the PDF, the candidate table, the comparison and the exports all
call ``placement_label``.
"""

from __future__ import annotations

from app.i18n import N_, translations
from socionics.model import get_type
from socionics.recommend import NO_SUITABLE_ROLE, NOT_INTERPRETABLE, PLACEMENT_NAMES, TOO_CLOSE

OTHER_LABELS = {
    "universal": N_("Universal (hunter and farmer)"),
    "undecided": N_("Undecided"),
    NO_SUITABLE_ROLE: N_("No suitable sales role"),
    NOT_INTERPRETABLE: N_("Not interpretable: ask for a retake"),
    TOO_CLOSE: N_("too close to call"),
}

# A decision on a candidate, by its name (the report, the PDF, the exports, the audit log).
DECISION_NAMES = {"advance": N_("Advance"), "hold": N_("Hold"), "reject": N_("Reject")}


def placement_label(code: str | None, language: str) -> str:
    """The name of a placement, a vacancy target or an outcome, capitalised for a label."""
    if not code:
        return ""
    if code in PLACEMENT_NAMES:
        name = PLACEMENT_NAMES[code].get(language)
    else:
        name = translations(language).gettext(OTHER_LABELS.get(code, code))
    return name[:1].upper() + name[1:]


def type_code(code: str | None, language: str, *, latin: bool = False) -> str:
    """A type's code as its readers know it: Cyrillic in Russian (ЛСИ), Latin in English.
    With ``latin``, the Russian form keeps the Latin code beside it, ЛСИ (LSI), where a reader
    may meet that code elsewhere (the matrix file, the API, the exports' English columns)."""
    if not code:
        return ""
    if language != "ru":
        return code
    cyrillic = get_type(code).cyrillic
    return f"{cyrillic} ({code})" if latin else cyrillic
