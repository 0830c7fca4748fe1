"""Simulated respondents: answer sets that lean towards chosen poles (demo data, tests).

Pure: no web, no database. A respondent leans high or low on each scale; every keyed item is
answered on that side of its scale with probability ``consistency`` (the end, or one step in),
otherwise anywhere on the other half. Attention checks are answered as expected. Nothing here
is scored or stored: the engine scores these answers like anyone else's.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from questionnaires.engine import item_gain
from questionnaires.schema import Questionnaire


def leaning_answers(
    q: Questionnaire,
    lean_high: Mapping[str, bool],
    *,
    rng: random.Random,
    consistency: float = 0.8,
) -> dict[str, int]:
    """Answer codes (1..points) for every item of ``q``; ``lean_high[scale]`` picks the pole."""
    if not 0.5 <= consistency <= 1:
        raise ValueError("consistency must be between 0.5 and 1")
    answers: dict[str, int] = {}
    for item in q.items:
        if item.attention_check is not None:
            answers[item.id] = item.attention_check.expected
            continue
        for scale, high in lean_high.items():
            gains = item_gain(q, item, scale)
            if not gains:
                continue
            # Answer codes from the most to the least wanted for this respondent's pole.
            wanted = sorted(range(len(gains)), key=lambda i: gains[i], reverse=high)
            if len(wanted) == 2:
                pick = wanted[0] if rng.random() < consistency else wanted[1]
            elif rng.random() < consistency:
                pick = wanted[0] if rng.random() < 0.6 else wanted[1]
            else:
                pick = wanted[rng.randrange(len(wanted) // 2, len(wanted))]
            answers[item.id] = pick + 1
            break
        else:  # a forced choice whose options feed none of these scales: either will do
            answers[item.id] = 1
    return answers
