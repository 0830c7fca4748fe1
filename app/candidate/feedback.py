"""The candidate's own feedback: a few neutral sentences about their working style.

Built from the dichotomy poles of the stored results only: no type names, no roles, no scores,
nothing about fit or placement. Each pole is described as a strength with its own way of
working; a borderline or unscored dichotomy gets the "both" sentence. A dichotomy measured by
two questionnaires (EI) is described once, from the first questionnaire that scored it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.i18n import N_

TITLES = {
    "EI": N_("Where you draw energy from"),
    "SN": N_("What you pay attention to"),
    "LF": N_("How you weigh decisions"),
    "RI": N_("How you organise your work"),
}

TEXTS: dict[tuple[str, str], str] = {
    ("EI", "E"): N_(
        "You seem to gain energy from contact with people: conversations, meetings and quick "
        "exchanges help you think and keep you going."
    ),
    ("EI", "I"): N_(
        "You seem to gain energy from focused work of your own: you prefer to think things "
        "through before speaking and value time without interruptions."
    ),
    ("EI", "both"): N_(
        "You seem to move easily between working with people and working on your own, "
        "depending on what the task needs."
    ),
    ("SN", "S"): N_(
        "You tend to rely on facts, concrete details and what has proven to work in practice."
    ),
    ("SN", "N"): N_(
        "You tend to notice possibilities, connections and ideas, and look at where things "
        "could go next."
    ),
    ("SN", "both"): N_(
        "You seem to combine attention to concrete facts with an eye for new possibilities."
    ),
    ("LF", "L"): N_("In decisions you tend to weigh arguments, structure and consistency first."),
    ("LF", "F"): N_(
        "In decisions you tend to weigh people, relationships and the atmosphere first."
    ),
    ("LF", "both"): N_(
        "In decisions you seem to weigh both the logic of the matter and its effect on people."
    ),
    ("RI", "J"): N_(
        "You seem to prefer plans, clear agreements and finishing one thing before the next."
    ),
    ("RI", "P"): N_(
        "You seem to prefer flexibility: adapting to circumstances and keeping options open."
    ),
    ("RI", "both"): N_("You seem to combine planning with flexibility when circumstances change."),
}


@dataclass(frozen=True)
class Note:
    title: str
    text: str


def feedback_notes(
    results: Iterable[Mapping[str, Any]], *, gettext: Callable[[str], str]
) -> list[Note]:
    """One note per dichotomy found in the results (stored engine results as JSON)."""
    found: dict[str, Note] = {}
    for data in results:
        for dichotomy, d in (data.get("dichotomies") or {}).items():
            if dichotomy in found or dichotomy not in TITLES:
                continue
            pole = str(d.get("pole")) if d.get("scored") and not d.get("borderline") else "both"
            key = (dichotomy, pole if (dichotomy, pole) in TEXTS else "both")
            found[dichotomy] = Note(title=gettext(TITLES[dichotomy]), text=gettext(TEXTS[key]))
    return [found[k] for k in TITLES if k in found]
