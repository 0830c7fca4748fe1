"""The engine's typed input extras and its result. Stored as JSON with every assessment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScaleCalibration(Frozen):
    """What the engine needs to know about a scale's population to judge its uncertainty.

    ``source`` is "sample" when computed from at least 200 stored complete responses,
    "prior" when taken from the questionnaire's documented prior.
    """

    reliability: float = Field(gt=0, lt=1)
    mean: float
    sd: float = Field(gt=0)
    n: int = Field(ge=0)
    source: Literal["sample", "prior"]


class Timing(Frozen):
    """How long answering took: server-side per page, browser-reported per item."""

    # None for a page whose time was not measured (no view and save pair): unknown, not fast.
    page_seconds: list[float | None] = Field(default_factory=list)
    item_ms: dict[str, int] = Field(default_factory=dict)


class ScaleScore(Frozen):
    scale: str
    scored: bool
    raw: float | None  # full-length sum (prorated when items are missing); None if unscored
    normalized: float | None  # raw placed on 0..1 across the possible range
    answered: int
    total: int
    prorated: bool
    reason: str | None = None  # why a scale is unscored
    # Plain sum of the answered items' weighted keyed scores, no prorating: what a scorer that
    # counts a missing answer as zero reports (the NPI site's "score" is this).
    answered_sum: float = 0.0


class SelfKnowledgeUsed(Frozen):
    """Which self-knowledge a "self_report" probability used (README, "Uncertainty")."""

    # "learned": tau, lean and letter share from this installation's own candidates'
    # self-descriptions; "shipped": the reviewed tau, no lean, 50/50 (too few of them yet).
    source: Literal["learned", "shipped"]
    lean: float  # beta, in latent SD units (0 when shipped)
    base: float  # the high letter's share among self-descriptions (0.5 when shipped)
    n: int  # self-descriptions it was learned from (0 when shipped)


class DichotomyResult(Frozen):
    dichotomy: str
    scored: bool
    pole: str | None  # code of the pole by the key (under "sem" also the more probable one)
    probability: float | None  # probability of that pole (0.5..1 under "sem")
    p_high: float | None  # probability of the high pole
    borderline: bool
    calibration: ScaleCalibration | None
    cut: float | None = None  # the cut actually used, on the raw metric
    # The uncertainty model (questionnaires/README.md, "Uncertainty").
    model: Literal["self_report", "neutral", "sem", "kelley"] = "neutral"
    # The reliability actually used: the scale's, or Spearman-Brown's for the answered share of
    # a prorated scale. None in results stored before it was recorded.
    reliability: float | None = None
    # The self-knowledge spread tau of the "self_report" model (questionnaires/selfknowledge.py).
    self_knowledge_sd: float | None = None
    # Where tau came from and the lean used; None in results stored before it was recorded
    # (they used the shipped tau and no lean).
    self_knowledge: SelfKnowledgeUsed | None = None


class QualityFlag(Frozen):
    # too_fast, straight_lining, attention_failed, random_like, inconsistent, acquiescence,
    # missing_answers; each at most once per result (results stored before 2026-12 may repeat
    # too_fast)
    code: str
    severity: Literal["doubtful", "unusable"]
    detail: str  # plain English for logs and exports; pages build their text from the fields
    scales: list[str] = Field(default_factory=list)  # the scales the flag is about, if any
    # The numbers behind the flag, by name (quality.py says which flag carries which).
    facts: dict[str, float | str] = Field(default_factory=dict)


# Answer quality, best first: the one list of levels and their order.
QualityLevel = Literal["good", "doubtful", "unusable"]
QUALITY_LEVELS: tuple[QualityLevel, ...] = get_args(QualityLevel)


def worst_quality(levels: Iterable[str]) -> str:
    """The worst of several levels ("good" for none): a candidate is as doubtful as their
    most doubtful questionnaire."""
    return max(levels, key=QUALITY_LEVELS.index, default="good")


class Quality(Frozen):
    level: QualityLevel
    flags: list[QualityFlag] = Field(default_factory=list)
    # Median seconds per item (from page times, else item times); None without timing.
    seconds_per_item: float | None = None


class Result(Frozen):
    questionnaire_id: str
    questionnaire_version: str
    scales: dict[str, ScaleScore]
    dichotomies: dict[str, DichotomyResult]
    quality: Quality
    # Correlation of the self-descriptions given the answers (questionnaires/README.md, "Type
    # probabilities"), dichotomy id -> dichotomy id; None while stored responses are too few.
    self_view_correlation: dict[str, dict[str, float]] | None = None
