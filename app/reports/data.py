"""The fit report as plain data: ``ReportData``, built by ``app.reports.build.build_report``.

The staff page and the PDF both render this tree and nothing else, so they cannot disagree.
Everything a reader sees is here already in the report's language, except short interface
labels (headings, flag names by ``code``) that each template translates itself.

Stability: other areas (PDF, exports) read these fields. Add fields; never rename or remove.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.reports.flags import QualityNote


@dataclass(frozen=True)
class PersonInfo:
    name: str
    email: str | None


@dataclass(frozen=True)
class VacancyInfo:
    id: int
    title: str
    # The target placement: hunter, farmer, sales_operations, universal or undecided.
    placement: str
    placement_name: str  # in the report's language


@dataclass(frozen=True)
class QuestionnaireTaken:
    id: str
    version: str
    title: str  # in the report's language
    completed_at: datetime
    seconds_taken: int
    quality_level: str  # good, doubtful, unusable
    quality_flags: list[str]  # engine flag codes (too_fast, straight_lining, ...)


@dataclass(frozen=True)
class MatrixInfo:
    id: int  # the stored version's number; what "matrix version N" refers to
    label: str  # the matrix's own version label
    content_hash: str
    author: str  # a user's email, or "file" for a version stored from role_fit.yaml
    created_at: datetime
    is_current: bool  # False: the matrix in force is newer; an admin may re-score
    scored_at: datetime  # when this recommendation was computed (first or re-scored)
    rescored: bool


@dataclass(frozen=True)
class Headline:
    """The answer first: where to place the candidate and how sure that is."""

    # False when only the extraversion questionnaire was taken (a placement needs socionics),
    # or the socionics scales could not be scored: then only the type fields may be set, and
    # the others keep these defaults.
    available: bool
    placement: str | None = None  # hunter, farmer, sales_operations; None: no suitable role
    placement_name: str | None = None  # the placement's or the outcome's name (web/labels.py)
    best_role: str | None = None
    best_role_name: str | None = None
    best_fit: float | None = None
    target_fit: float | None = None  # the vacancy target's expected fit (None: undecided)
    target_rank: int | None = None  # the target's best role's rank among the roles (1 = best)
    type_code: str | None = None
    type_name: str | None = None  # e.g. "ESE, Enthusiast (Hugo)"
    type_probability: float | None = None
    too_close_to_call: bool = False  # between placements (see decide)
    no_good_fit: bool = False
    runner_up_name: str | None = None  # the other placement when too close to call
    # socionics.recommend.decide: placement, too_close_to_call, no_suitable_role or
    # not_interpretable; None when not available.
    outcome: str | None = None


@dataclass(frozen=True)
class DichotomyInfo:
    id: str  # EI, SN, LF, RI
    questionnaire: str  # which questionnaire it comes from
    low_code: str
    low_name: str
    high_code: str
    high_name: str
    scored: bool
    pole: str | None  # code of the more probable pole
    pole_name: str | None
    probability: float | None  # of that pole
    p_high: float | None
    borderline: bool
    calibration_source: str | None  # "prior" or "sample"
    calibration_n: int | None  # complete stored responses behind a sample calibration
    reliability: float | None
    raw: float | None
    percentile: float | None  # among stored results of this questionnaire in this language
    norm_n: int  # how many stored results the percentile is taken over


@dataclass(frozen=True)
class ExtraversionInfo:
    """The introversion/extraversion questionnaire's result."""

    score: int  # 0..100: the raw score on the scale's possible range
    raw: float
    p_high: float
    pole: str  # "E" or "I"
    probability: float
    borderline: bool
    band: str  # clear_introvert .. clear_extravert (app.reports.service.band_of)
    suggestion: str  # active_roles, client_or_operations, no_lean
    calibration_source: str
    prorated: bool
    percentile: float | None
    norm_n: int
    # Where the bands meet on the 0..1 score scale (p_high = .10, .30, .70, .90), for the gauge.
    band_edges: tuple[float, ...] = ()


@dataclass(frozen=True)
class TypeInfo:
    code: str
    cyrillic: str
    name: str  # in the report's language
    pseudonym: str
    probability: float


@dataclass(frozen=True)
class RoleInfo:
    role: str
    name: str
    expected_fit: float
    rank: int  # 1 = best
    margin_to_next: float | None
    behind_best: float
    is_target: bool


@dataclass(frozen=True)
class PlacementInfo:
    placement: str
    name: str
    expected_fit: float
    best_role: str


@dataclass(frozen=True)
class ExtraversionAgreement:
    """The two extraversion measures compared (only when both questionnaires were taken)."""

    p_extravert_socionics: float
    p_extravert_questionnaire: float
    disagree: bool


@dataclass(frozen=True)
class ChecklistItem:
    trait_id: str
    label: str
    hint: str
    checked: bool
    comment: str
    author: str | None
    updated_at: datetime | None


@dataclass(frozen=True)
class InterviewQuestion:
    dichotomy: str
    pole: str  # the pole the question probes (the reported one)
    reason: str  # "borderline" or "doubtful_quality"
    text: str


@dataclass(frozen=True)
class ScaleNorm:
    questionnaire: str
    scale: str
    scale_name: str
    raw: float
    percentile: float | None
    n: int  # stored scored results in this language the percentile compares with
    language: str


@dataclass(frozen=True)
class DecisionInfo:
    """The current recorded decision on the candidate, as the PDF prints it."""

    decision: str  # advance, hold, reject
    label: str  # in the report's language
    note: str
    author: str  # the email of who decided
    decided_at: datetime


@dataclass(frozen=True)
class ReportData:
    invitation_id: int
    language: str
    generated_at: datetime
    candidate: PersonInfo
    vacancy: VacancyInfo
    status: str  # invited, started, completed, expired, revoked
    invited_at: datetime
    completed_at: datetime | None
    questionnaires: list[QuestionnaireTaken]
    answered_ie: bool
    answered_socionics: bool
    matrix: MatrixInfo | None
    headline: Headline
    dichotomies: list[DichotomyInfo]  # the socionics four, in EI, SN, LF, RI order
    extraversion: ExtraversionInfo | None
    types: list[TypeInfo]  # the most probable first, TOP_TYPES of them
    runners_up: list[TypeInfo]
    borderline: list[str]  # dichotomy ids
    roles: list[RoleInfo]  # display order: the vacancy's target roles first, then by rank
    placements: list[PlacementInfo]  # best first
    explanation: list[str]  # sentences in the report's language
    quality_level: str | None  # the worst over the questionnaires taken
    quality_flags: list[str]  # codes, each once
    extraversion_check: ExtraversionAgreement | None
    universal_warning: str | None
    show_checklist: bool
    checklist: list[ChecklistItem]
    interview_questions: list[InterviewQuestion]
    norms: list[ScaleNorm]
    disclaimer: str
    group_probabilities: dict[str, float] = field(default_factory=dict)
    organisation: str = ""  # the employer's display name, in the PDF's header
    decision: DecisionInfo | None = None  # the recorded decision, if any
    # One line per flag code, saying what exactly was doubtful and where (app/reports/flags.py).
    quality_notes: list[QualityNote] = field(default_factory=list)
    # The socionics letters' calibration (questionnaires/README.md, "Uncertainty"): how many of
    # this installation's own candidates' self-descriptions it was learned from, when every
    # letter used learned values; None while it is not yet learned (the shipped values).
    learned_from: int | None = None
