"""The one time estimate a candidate is promised, computed from the items themselves.

Seconds per item, by kind (measured reading speed for a short statement plus the choice; a
bipolar scale or a forced choice means reading two statements):

- agreement: 10 s
- bipolar: 15 s
- forced choice: 15 s

A questionnaire takes its seconds rounded up to whole minutes; several questionnaires take the
sum of their minutes, so the per-questionnaire lines a candidate sees add up to the total.
The vacancy form, the candidate's landing page and every email show this same number.
"""

from __future__ import annotations

from collections.abc import Iterable

from questionnaires.schema import Questionnaire

SECONDS_PER_ITEM: dict[str, int] = {"agreement": 10, "bipolar": 15, "forced_choice": 15}


def questionnaire_minutes(q: Questionnaire) -> int:
    seconds = sum(SECONDS_PER_ITEM[item.kind] for item in q.items)
    return max(1, -(-seconds // 60))


def estimated_minutes(questionnaires: Iterable[Questionnaire]) -> int:
    return sum(questionnaire_minutes(q) for q in questionnaires)
