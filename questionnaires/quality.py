"""Response quality: was the questionnaire answered with care? Flags and one overall level.

Every threshold is a named constant below and documented in questionnaires/README.md
("Response quality"). Each flag is "doubtful" or "unusable"; the overall level is the worst
flag's severity, "good" without flags.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from typing import Literal

from questionnaires.result import Quality, QualityFlag, ScaleScore, Timing
from questionnaires.schema import ForcedChoiceItem, Questionnaire

Severity = Literal["doubtful", "unusable"]

# Too fast: median seconds per item. Reading a short statement and choosing takes about two
# seconds; Huang et al. (2012, J. Business and Psychology 27:99) propose 2 s per item as the
# cut-off for careless answering. Below 1 s an answer cannot have been read.
FAST_DOUBTFUL_SECONDS = 2.0
FAST_UNUSABLE_SECONDS = 1.0

# Straight-lining: the longest run of one identical answer over consecutive scored items of one
# kind (an unanswered item ends a run). Graded items (agreement, bipolar) in an instrument
# that mixes keying rarely give 8 equal answers in a row; a binary forced choice gives long runs
# by chance (a run of 12 in 40 fair choices has a probability of about 1.4%), so it has its own.
RUN_GRADED_DOUBTFUL = 8
RUN_GRADED_UNUSABLE = 15
RUN_CHOICE_DOUBTFUL = 12
RUN_CHOICE_UNUSABLE = 20

# Attention checks: one wrong answer is doubtful, two are unusable.
ATTENTION_UNUSABLE_FAILURES = 2

# Inconsistency: a consistency pair is contradicted when, after keying, one answer leans to the
# scale's high end and the other to its low end (a middle answer contradicts nothing).
INCONSISTENT_DOUBTFUL = (2, 0.25)  # at least 2 pairs and more than 25% of answered pairs
INCONSISTENT_UNUSABLE = (3, 0.50)  # at least 3 pairs and more than 50%

# Missing answers over all items.
MISSING_DOUBTFUL_SHARE = 0.10
MISSING_UNUSABLE_SHARE = 0.50


def seconds_per_item(q: Questionnaire, timing: Timing | None) -> tuple[float | None, float | None]:
    """Median seconds per item from the server's page times and from the browser's item times."""
    if timing is None:
        return None, None
    by_page = None
    pages = q.pages()
    per_item = [
        secs / len(page)
        for secs, page in zip(timing.page_seconds, pages, strict=False)
        if page and secs is not None
    ]
    if per_item:
        by_page = statistics.median(per_item)
    by_item = None
    known = [ms / 1000 for item_id, ms in timing.item_ms.items() if _known(q, item_id)]
    if known:
        by_item = statistics.median(known)
    return by_page, by_item


def _known(q: Questionnaire, item_id: str) -> bool:
    return any(i.id == item_id for i in q.items)


def longest_runs(q: Questionnaire, answers: Mapping[str, int]) -> dict[str, int]:
    """Per item kind, the longest run of one identical answer over consecutive scored items."""
    runs: dict[str, int] = {}
    for kind in ("agreement", "bipolar", "forced_choice"):
        sequence = [
            answers.get(i.id) for i in q.items if i.kind == kind and i.attention_check is None
        ]
        if not sequence:
            continue
        best = current = 0
        previous: int | None = None
        for value in sequence:
            if value is None:
                current, previous = 0, None
                continue
            current = current + 1 if value == previous else 1
            previous = value
            best = max(best, current)
        runs[kind] = best
    return runs


def contradicted_pairs(q: Questionnaire, answers: Mapping[str, int]) -> tuple[int, int]:
    """(contradicted pairs, pairs with both items answered)."""
    contradicted = answered = 0
    for pair in q.consistency_pairs:
        leans = []
        for item_id in pair.items:
            value = answers.get(item_id)
            if value is None:
                break
            item = q.item(item_id)
            assert not isinstance(item, ForcedChoiceItem)  # the schema refuses them in pairs
            lean = value - (q.points_of(item) + 1) / 2
            leans.append(-lean if item.reverse else lean)
        else:
            answered += 1
            if leans[0] * leans[1] < 0:
                contradicted += 1
    return contradicted, answered


def assess_quality(
    q: Questionnaire,
    answers: Mapping[str, int],
    *,
    timing: Timing | None = None,
    scales: Mapping[str, ScaleScore] | None = None,
) -> Quality:
    """Flags and the overall level for one response set (answers already validated)."""
    flags: list[QualityFlag] = []

    by_page, by_item = seconds_per_item(q, timing)
    for source, secs in (("page times", by_page), ("item times", by_item)):
        if secs is not None and secs < FAST_DOUBTFUL_SECONDS:
            severity: Severity = "unusable" if secs < FAST_UNUSABLE_SECONDS else "doubtful"
            flags.append(
                QualityFlag(
                    code="too_fast",
                    severity=severity,
                    detail=f"median {secs:.1f} s per item by {source} "
                    f"(below {FAST_DOUBTFUL_SECONDS:g} s)",
                )
            )

    for kind, run in longest_runs(q, answers).items():
        doubtful, unusable = (
            (RUN_CHOICE_DOUBTFUL, RUN_CHOICE_UNUSABLE)
            if kind == "forced_choice"
            else (RUN_GRADED_DOUBTFUL, RUN_GRADED_UNUSABLE)
        )
        if run >= doubtful:
            flags.append(
                QualityFlag(
                    code="straight_lining",
                    severity="unusable" if run >= unusable else "doubtful",
                    detail=f"{run} identical answers in a row ({kind} items)",
                )
            )

    failed = [
        i.id
        for i in q.items
        if i.attention_check is not None
        and i.id in answers
        and answers[i.id] != i.attention_check.expected
    ]
    if failed:
        flags.append(
            QualityFlag(
                code="attention_failed",
                severity="unusable" if len(failed) >= ATTENTION_UNUSABLE_FAILURES else "doubtful",
                detail=f"attention check answered wrongly: {', '.join(failed)}",
            )
        )

    contradicted, pairs = contradicted_pairs(q, answers)
    levels: tuple[tuple[Severity, tuple[int, float]], ...] = (
        ("unusable", INCONSISTENT_UNUSABLE),
        ("doubtful", INCONSISTENT_DOUBTFUL),
    )
    for severity_i, (least, share) in levels:
        if contradicted >= least and contradicted > share * pairs:
            flags.append(
                QualityFlag(
                    code="inconsistent",
                    severity=severity_i,
                    detail=f"{contradicted} of {pairs} opposite-worded pairs contradict each other",
                )
            )
            break

    total = len(q.items)
    missing = sum(1 for i in q.items if i.id not in answers)
    unscored = [s for s, sc in (scales or {}).items() if not sc.scored]
    all_unscored = bool(scales) and len(unscored) == len(scales or {})
    severity_m: Severity | None = None
    if missing > MISSING_UNUSABLE_SHARE * total or all_unscored:
        severity_m = "unusable"
    elif missing > MISSING_DOUBTFUL_SHARE * total or unscored:
        severity_m = "doubtful"
    if severity_m is not None:
        detail = f"{missing} of {total} items unanswered"
        if unscored:
            detail += f"; unscored: {', '.join(unscored)}"
        flags.append(QualityFlag(code="missing_answers", severity=severity_m, detail=detail))

    level: Literal["good", "doubtful", "unusable"] = "good"
    if any(f.severity == "unusable" for f in flags):
        level = "unusable"
    elif flags:
        level = "doubtful"
    shown = by_page if by_page is not None else by_item
    return Quality(
        level=level,
        flags=flags,
        seconds_per_item=None if shown is None or math.isnan(shown) else shown,
    )
