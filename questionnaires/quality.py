"""Response quality: was the questionnaire answered with care? Flags and one overall level.

Every threshold is a named constant below and documented in questionnaires/README.md
("Response quality"), where the simulations that chose them are described; the benchmark
``bench/bench_quality.py`` prints how often each flag fires. Each flag is "doubtful" or
"unusable"; the overall level is the worst flag's severity, "good" without flags.

Flags tell what was doubtful: ``scales`` names the scales concerned and ``facts`` carries the
numbers a page needs to say it in the reader's language (``detail`` says it in English for logs).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from functools import cache
from typing import Literal

from questionnaires.result import Quality, QualityFlag, QualityLevel, ScaleScore, Timing
from questionnaires.schema import AgreementItem, ForcedChoiceItem, Item, Questionnaire

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

# Attention checks: one wrong answer is doubtful, two are unusable. One wrong answer together
# with a random-like pattern (below) is unusable too: two independent signs of not reading.
ATTENTION_UNUSABLE_FAILURES = 2

# Contradicting pairs: a consistency pair counts only when both answers are clearly on the
# same side of the answer scale, i.e. at its end: full agreement with two opposite statements
# (or full rejection of both). An answer one step in or in the middle is what honest people near
# a scale's cut give both ways, so it counts for nothing (the old rule, any two answers leaning
# opposite ways after keying, flagged 42-48% of attentive respondents in simulation).
INCONSISTENT_DOUBTFUL = 3  # clear contradictions, and more than a quarter of the answered pairs
INCONSISTENT_SHARE = 0.25

# Acquiescence (yea-saying): over agreement items of scales keyed both ways, the mean of the
# scale's forward-keyed and reverse-keyed answers, less the middle of the answer scale, averaged
# over scales (weighted by items). Content cancels out between the two keyings, so what is
# left is agreement regardless of content (Paulhus 1991; Soto et al. 2008 use the same
# balanced mean). In answer points: +0.5 is half a step towards "agree" on every statement.
ACQUIESCENCE_DOUBTFUL = 0.5
ACQUIESCENCE_MIN_ITEMS = 4  # per keying direction, over the questionnaire

# Random-like answers: do the answers follow a trait at all? A likelihood ratio of two models
# of the answers, the most powerful test of normal against random responding (Levine & Drasgow
# 1988, "optimal appropriateness measurement"): a generic graded response model, one trait level
# per scale (the best on a grid), against answering at random (every code equally likely). The
# generic model gives every item the same discrimination and evenly spread thresholds (no item
# parameters are known before data exist; the spread is the one that matches the public BIG5
# answers, see questionnaires/simulate.py). The trait model has one free parameter per scale,
# so its log-likelihood is penalized by half the log of the scale's answered items (Schwarz's
# BIC); what is left is half the BIC difference, about the log Bayes factor for the trait model.
# Below -5 (2 ln BF > 10, "very strong" evidence for random answering on Kass & Raftery's 1995
# scale): doubtful; unusable below -10, or together with a failed attention check. The "strong"
# boundary (-3) flagged 7% of the real OEJTS respondents, whose 8-item bipolar scales fit the
# generic model less well; -5 keeps every public data set within 5% (bench/bench_quality.py).
PERSON_FIT_A = 1.25
PERSON_FIT_SPREAD = 2.0
PERSON_FIT_GRID = tuple(k / 10 for k in range(-40, 41))
RANDOM_DOUBTFUL = -5.0
RANDOM_UNUSABLE = -10.0
# After a failed attention check, "positive" evidence for random answering (below -1, 2 ln BF > 2,
# the lowest level Kass & Raftery find worth more than a bare mention) confirms it: two
# independent signs of not reading, unusable. It catches random clickers whose few items alone
# cannot give "very strong" evidence (the extraversion questionnaire's 24: 80% of random clickers
# fall below -1); an attentive person who slips on one check falls below -1 3-12% of the time.
RANDOM_WITH_FAILED_CHECK = -1.0
RANDOM_MIN_ITEMS = 12

# Missing answers over all items.
MISSING_DOUBTFUL_SHARE = 0.10
MISSING_UNUSABLE_SHARE = 0.50

KIND_NAMES = {"agreement": "agreement", "bipolar": "bipolar", "forced_choice": "forced-choice"}


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


def _lean(q: Questionnaire, item: Item, value: int) -> tuple[float, float]:
    """(keyed distance from the middle of the answer scale, the largest possible distance)."""
    assert not isinstance(item, ForcedChoiceItem)  # the schema refuses them in pairs
    half = (q.points_of(item) - 1) / 2
    lean = value - (q.points_of(item) + 1) / 2
    return (-lean if item.reverse else lean), half


def contradicted_pairs(q: Questionnaire, answers: Mapping[str, int]) -> tuple[list[str], int]:
    """(scales of the clearly contradicted pairs, one entry per pair; pairs answered)."""
    contradicted: list[str] = []
    answered = 0
    for pair in q.consistency_pairs:
        if any(i not in answers for i in pair.items):
            continue
        answered += 1
        (a, top), (b, _) = (_lean(q, q.item(i), answers[i]) for i in pair.items)
        if a * b < 0 and abs(a) == top and abs(b) == top:
            item = q.item(pair.items[0])
            assert not isinstance(item, ForcedChoiceItem)
            contradicted.append(item.scale or "")
    return contradicted, answered


def acquiescence(q: Questionnaire, answers: Mapping[str, int]) -> float | None:
    """Balanced agreement in answer points (see ACQUIESCENCE_DOUBTFUL); None when too few
    agreement items of both keyings were answered."""
    by_scale: dict[str, tuple[list[float], list[float]]] = {}
    for item in q.items:
        if not isinstance(item, AgreementItem) or item.attention_check is not None:
            continue
        if item.scale is None or item.id not in answers:
            continue
        forward, reverse = by_scale.setdefault(item.scale, ([], []))
        agreement = answers[item.id] - (q.points_of(item) + 1) / 2
        (reverse if item.reverse else forward).append(agreement)
    total = weight = 0.0
    n_forward = n_reverse = 0
    for forward, reverse in by_scale.values():
        if forward and reverse:
            n = len(forward) + len(reverse)
            total += n * (statistics.fmean(forward) + statistics.fmean(reverse)) / 2
            weight += n
            n_forward += len(forward)
            n_reverse += len(reverse)
    if min(n_forward, n_reverse) < ACQUIESCENCE_MIN_ITEMS:
        return None
    return total / weight


def item_levels(q: Questionnaire, item: Item) -> tuple[str, dict[int, int]] | None:
    """(scale, answer code -> level from the scale's low end), or None for an item no answer
    of which moves a scale (attention checks, an option pair adding nothing)."""
    if item.attention_check is not None:
        return None
    if isinstance(item, ForcedChoiceItem):
        scales = {o.scale for o in item.options if o.scale is not None}
        for scale in sorted(scales):
            gains = [o.points * item.weight if o.scale == scale else 0.0 for o in item.options]
            if gains[0] != gains[1]:
                return scale, {1: int(gains[0] > gains[1]), 2: int(gains[1] > gains[0])}
        return None
    if item.scale is None:
        return None
    top = q.points_of(item)
    return item.scale, {v: (top - v if item.reverse else v - 1) for v in range(1, top + 1)}


@cache
def _log_probabilities(levels: int) -> tuple[tuple[float, ...], ...]:
    """Per grid trait level, the generic model's log-probability of each answer level."""
    steps = levels - 1
    spread = PERSON_FIT_SPREAD
    thresholds = (
        [0.0] if steps == 1 else [-spread + 2 * spread * j / (steps - 1) for j in range(steps)]
    )
    table = []
    for theta in PERSON_FIT_GRID:
        at_least = [1.0, *(_logistic(PERSON_FIT_A * theta - b) for b in thresholds), 0.0]
        table.append(tuple(math.log(at_least[j] - at_least[j + 1]) for j in range(levels)))
    return tuple(table)


def _logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def random_likeness(
    q: Questionnaire, answers: Mapping[str, int]
) -> tuple[float, dict[str, float]] | None:
    """(penalized log-likelihood ratio of the trait model over random answering, in nats; the
    same per scale), or None with fewer than RANDOM_MIN_ITEMS scored answers. Negative: random
    answering explains the answers better."""
    per_scale: dict[str, tuple[list[float], float, int]] = {}
    for item in q.items:
        keyed = item_levels(q, item)
        if keyed is None or item.id not in answers:
            continue
        scale, levels = keyed
        table = _log_probabilities(len(levels))
        level = levels[answers[item.id]]
        loglik, random_loglik, n = per_scale.setdefault(scale, ([0.0] * len(table), 0.0, 0))
        for g, row in enumerate(table):
            loglik[g] += row[level]
        per_scale[scale] = (loglik, random_loglik - math.log(len(levels)), n + 1)
    if sum(n for _, _, n in per_scale.values()) < RANDOM_MIN_ITEMS:
        return None
    ratios = {s: max(ll) - rl - math.log(n) / 2 for s, (ll, rl, n) in per_scale.items()}
    return sum(ratios.values()), ratios


def _flag(
    code: str,
    severity: Severity,
    detail: str,
    *,
    scales: list[str] | None = None,
    **facts: float | str,
) -> QualityFlag:
    return QualityFlag(
        code=code, severity=severity, detail=detail, scales=scales or [], facts=facts
    )


def assess_quality(
    q: Questionnaire,
    answers: Mapping[str, int],
    *,
    timing: Timing | None = None,
    scales: Mapping[str, ScaleScore] | None = None,
) -> Quality:
    """Flags and the overall level for one response set (answers already validated).

    Each code appears at most once: a flag that two sources support (page and item times)
    is one flag with the worse of the two readings.
    """
    flags: list[QualityFlag] = []

    by_page, by_item = seconds_per_item(q, timing)
    readings = ((by_page, "page"), (by_item, "item"))
    fast = [(s, source) for s, source in readings if s is not None and s < FAST_DOUBTFUL_SECONDS]
    if fast:
        secs, source = min(fast)
        flags.append(
            _flag(
                "too_fast",
                "unusable" if secs < FAST_UNUSABLE_SECONDS else "doubtful",
                "median "
                + ", ".join(f"{s:.1f} s per item by {where} times" for s, where in fast)
                + f" (below {FAST_DOUBTFUL_SECONDS:g} s)",
                seconds=round(secs, 1),
                source=source,
            )
        )

    worst_run: tuple[int, str, Severity] | None = None
    for kind, run in longest_runs(q, answers).items():
        doubtful, unusable = (
            (RUN_CHOICE_DOUBTFUL, RUN_CHOICE_UNUSABLE)
            if kind == "forced_choice"
            else (RUN_GRADED_DOUBTFUL, RUN_GRADED_UNUSABLE)
        )
        if run >= doubtful:
            severity: Severity = "unusable" if run >= unusable else "doubtful"
            if worst_run is None or (severity, run) > (worst_run[2], worst_run[0]):
                worst_run = (run, kind, severity)
    if worst_run is not None:
        run, kind, severity = worst_run
        flags.append(
            _flag(
                "straight_lining",
                severity,
                f"{run} identical answers in a row ({KIND_NAMES[kind]} items)",
                run=run,
                kind=kind,
            )
        )

    checks = [i for i in q.items if i.attention_check is not None and i.id in answers]
    failed = [i.id for i in checks if answers[i.id] != i.attention_check.expected]  # type: ignore[union-attr]

    fit = random_likeness(q, answers)
    random_like = fit is not None and (
        fit[0] < RANDOM_DOUBTFUL or (bool(failed) and fit[0] < RANDOM_WITH_FAILED_CHECK)
    )

    if failed:
        flags.append(
            _flag(
                "attention_failed",
                "unusable" if len(failed) >= ATTENTION_UNUSABLE_FAILURES else "doubtful",
                f"{len(failed)} of {len(checks)} attention checks answered wrongly: "
                f"{', '.join(failed)}",
                failed=len(failed),
                checks=len(checks),
            )
        )

    if fit is not None and random_like:
        ratio, per_scale = fit
        which = [s for s, r in per_scale.items() if r < 0] or list(per_scale)
        flags.append(
            _flag(
                "random_like",
                "unusable" if ratio < RANDOM_UNUSABLE or failed else "doubtful",
                f"answers fit random clicking as well as a consistent trait level "
                f"(log Bayes factor {ratio:.1f} for a trait) on {', '.join(which)}"
                + (" and an attention check failed" if failed else ""),
                scales=which,
                ratio=round(ratio, 1),
            )
        )

    contradicted, pairs = contradicted_pairs(q, answers)
    many = len(contradicted) > INCONSISTENT_SHARE * pairs
    if len(contradicted) >= INCONSISTENT_DOUBTFUL and many:
        which = sorted(set(contradicted), key=[s.id for s in q.scales].index)
        flags.append(
            _flag(
                "inconsistent",
                "doubtful",
                f"{len(contradicted)} of {pairs} pairs of opposite statements answered at the "
                f"same end of the scale ({', '.join(which)})",
                scales=which,
                contradicted=len(contradicted),
                pairs=pairs,
            )
        )

    index = acquiescence(q, answers)
    if index is not None and index >= ACQUIESCENCE_DOUBTFUL:
        flags.append(
            _flag(
                "acquiescence",
                "doubtful",
                f"agrees whatever a statement says: {index:+.2f} points towards agreement on "
                f"average over statements keyed both ways",
                index=round(index, 2),
            )
        )

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
        flags.append(
            _flag(
                "missing_answers",
                severity_m,
                detail,
                scales=unscored,
                missing=missing,
                items=total,
            )
        )

    level: QualityLevel = "good"
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
