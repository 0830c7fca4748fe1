"""The report's interview questions: which poles to probe, and the bank in interview.yaml."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from app.reports.data import DichotomyInfo, ExtraversionInfo, InterviewQuestion
from socionics.model import BASE_DICHOTOMIES, base_dichotomy

INTERVIEW_FILE = Path(__file__).resolve().parent / "interview.yaml"


@cache
def interview_questions() -> dict[str, dict[str, list[dict[str, str]]]]:
    """``dichotomy -> pole -> [{ru, en}]`` from interview.yaml, checked once."""
    data = yaml.safe_load(INTERVIEW_FILE.read_text(encoding="utf-8"))
    for d in BASE_DICHOTOMIES:
        bd = base_dichotomy(d)
        for pole in (bd.low.code, bd.high.code):
            questions = data[d][pole]
            if not questions or any(not q.get("ru") or not q.get("en") for q in questions):
                raise ValueError(f"{INTERVIEW_FILE}: {d}/{pole} needs questions in ru and en")
    return data


def questions_to_ask(
    dichotomies: list[DichotomyInfo],
    extraversion: ExtraversionInfo | None,
    quality: str | None,
    language: str,
    *,
    in_doubt: set[str] | None = None,
) -> list[InterviewQuestion]:
    """Questions where a pole is borderline, and where the answers were doubtful: on the
    dichotomies ``in_doubt`` names, or on every one (None) when a flag concerns all answers."""
    bank = interview_questions()
    doubtful = quality in ("doubtful", "unusable")
    out: list[InterviewQuestion] = []
    seen: set[str] = set()
    probes = [(d.id, d.pole, d.borderline) for d in dichotomies if d.scored and d.pole]
    if extraversion is not None:
        probes.append(("EI", extraversion.pole, extraversion.borderline))
    for d, pole, borderline in probes:
        in_question = doubtful and (in_doubt is None or d in in_doubt)
        if d in seen or pole is None or not (borderline or in_question):
            continue
        seen.add(d)
        for text in bank[d][pole]:
            out.append(
                InterviewQuestion(
                    dichotomy=d,
                    pole=pole,
                    reason="borderline" if borderline else "doubtful_quality",
                    text=text[language],
                )
            )
    return out
