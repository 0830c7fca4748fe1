"""Request and response bodies of /api/v1. Plain pydantic models: no table leaks into the API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from app.models import InvitationStatus, Placement
from app.text import strip_bidi
from questionnaires.result import QualityLevel


def _without_bidi(value: object) -> object:
    # Before the length rules (app.text): a title of nothing but controls is empty.
    return strip_bidi(value) if isinstance(value, str) else value


Language = Literal["ru", "en"]
# Annotated metadata wraps what comes before it: the BeforeValidator last runs first.
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    BeforeValidator(_without_bidi),
]
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    BeforeValidator(_without_bidi),
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$"),
]


# What every probability in the API means and how it is rounded (questionnaires/shown.py).
PROBABILITY_MEANING = (
    "How likely this person would describe themselves with {what}, as checked against "
    'self-reported types (questionnaires/README.md, "Uncertainty"); 0-1 in steps of 0.05, '
    "never below 0.05 or above 0.95"
)


class Strict(BaseModel):
    # Unknown fields are refused: a typo in a field name is an error, not silently ignored.
    model_config = ConfigDict(extra="forbid")


# --- vacancies ----------------------------------------------------------------------------


class VacancyCreate(Strict):
    title: Title
    placement: Placement = Placement.undecided
    language: Language = "ru"


class VacancyUpdate(Strict):
    """Only the fields given change; an omitted (or null) field keeps its value."""

    title: Title | None = None
    placement: Placement | None = None
    language: Language | None = None


class VacancyOut(BaseModel):
    id: int
    title: str
    placement: Placement
    language: Language
    questionnaire_ids: list[str]
    status: Literal["open", "closed"]
    created_at: datetime
    closed_at: datetime | None
    invited: int = Field(description="Invitations sent for this vacancy")
    completed: int = Field(description="Invitations completed")


class VacancyList(BaseModel):
    data: list[VacancyOut]


# --- invitations and candidates -----------------------------------------------------------


class CandidateIn(Strict):
    name: Name
    email: Email | None = None
    phone: str | None = Field(
        default=None,
        max_length=40,
        description="Optional; without an email, the name and phone recognise a person "
        "already invited",
    )
    language: Language | None = Field(
        default=None, description="The assessment's language; default: the vacancy's"
    )


class InvitationsCreate(Strict):
    candidates: list[CandidateIn] = Field(min_length=1, max_length=100)


class CandidateOut(BaseModel):
    """A candidate invited to one vacancy. Its id is the invitation's id."""

    id: int
    vacancy_id: int
    name: str
    email: str | None
    language: Language
    status: InvitationStatus
    invited_at: datetime
    expires_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    revoked_at: datetime | None


class NewInvitationOut(CandidateOut):
    link: str | None = Field(
        description="The candidate's personal link; returned only now. For an existing "
        "candidate (already_invited), the current link when it can be rebuilt, else null"
    )
    already_invited: bool = Field(
        default=False,
        description="True: this person was already invited (if_exists=return); nothing new",
    )


class InvitationsCreated(BaseModel):
    invitations: list[NewInvitationOut]


class CandidatePage(BaseModel):
    data: list[CandidateOut]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page"
    )


# --- results ------------------------------------------------------------------------------


class ScaleOut(BaseModel):
    scored: bool
    raw: float | None
    normalized: float | None = Field(description="raw placed on 0..1 across the possible range")
    answered: int
    total: int
    prorated: bool


class DichotomyOut(BaseModel):
    scored: bool
    pole: str | None
    probability: float | None = Field(description=PROBABILITY_MEANING.format(what="that pole"))
    p_high: float | None = Field(description=PROBABILITY_MEANING.format(what="the high pole"))
    borderline: bool


class QualityFlagOut(BaseModel):
    code: str = Field(
        description="too_fast, straight_lining, attention_failed, random_like, inconsistent, "
        "acquiescence or missing_answers; each at most once per questionnaire"
    )
    severity: Literal["doubtful", "unusable"]
    detail: str = Field(default="", description="what exactly was found, in plain English")
    scales: list[str] = Field(
        default_factory=list, description="the scales the flag is about (empty: all answers)"
    )


class QualityOut(BaseModel):
    level: QualityLevel
    flags: list[QualityFlagOut]
    seconds_per_item: float | None


class QuestionnaireResultOut(BaseModel):
    questionnaire_id: str
    questionnaire_version: str
    completed_at: datetime
    seconds_taken: int
    scales: dict[str, ScaleOut]
    dichotomies: dict[str, DichotomyOut]
    quality: QualityOut


class TypeOut(BaseModel):
    code: str = Field(description="The most probable socionics type")
    probability: float = Field(description=PROBABILITY_MEANING.format(what="that type"))
    probabilities: dict[str, float] = Field(
        description="Every type, most probable first, each rounded the same way (so they need "
        "not add up to 1). " + PROBABILITY_MEANING.format(what="that type")
    )
    borderline: list[str] = Field(description="Base dichotomies too close to call")


class RoleOut(BaseModel):
    role: str
    expected_fit: float
    rank: int
    margin_to_next: float | None


class RoleFitOut(BaseModel):
    matrix_version: str = Field(description="The role-fit matrix's version label")
    matrix_version_id: int = Field(description="The stored matrix version it was scored with")
    scored_at: datetime
    roles: list[RoleOut] = Field(description="Best first")
    best_role: str
    placement: str | None = Field(
        description="The recommended placement (hunter, farmer, sales_operations); null when no "
        "sales role is suitable or the answers are unusable"
    )
    outcome: Literal["placement", "too_close_to_call", "no_suitable_role", "not_interpretable"] = (
        Field(
            description="The decision every surface shows: a placement, too close to call "
            "between two placements, no suitable sales role, or not interpretable (unusable "
            "answers: ask for a retake)"
        )
    )
    too_close_to_call: bool = Field(description="The two best placements are within 5 points")
    no_good_fit: bool


class ResultsOut(BaseModel):
    candidate_id: int
    status: InvitationStatus
    complete: bool = Field(description="True once every questionnaire is answered and scored")
    questionnaires: list[QuestionnaireResultOut]
    type: TypeOut | None = Field(description="Null until the socionics questionnaire is scored")
    role_fit: RoleFitOut | None = Field(description="Null until a recommendation is stored")


# --- deals (issue 18: sales results from the CRM) -------------------------------------------

CrmText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$"),
    BeforeValidator(_without_bidi),
]


class DealIn(Strict):
    crm_id: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$"
        ),
    ] = Field(description="The deal's id in the CRM: the same id again updates the deal")
    responsible: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$"
        ),
    ] = Field(description="The responsible employee's email or full name, as in the CRM")
    outcome: Literal["won", "lost", "open"]
    amount: Annotated[Decimal, Field(ge=0, le=Decimal("99999999999999.99"), decimal_places=2)] = (
        Decimal(0)
    )
    stage: CrmText = ""
    qualified: bool = Field(
        default=False, description="The lead reached a qualified stage (counts for scouts)"
    )
    company: CrmText = Field(default="", description="The client; empty: a client of its own")
    created_on: date
    closed_on: date | None = Field(default=None, description="Required for won and lost deals")
    products: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=50
    )


class DealsIn(Strict):
    source: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,32}$")] = Field(
        description="Which CRM the ids belong to, e.g. bitrix24 or amocrm"
    )
    deals: list[DealIn] = Field(min_length=1, max_length=1000)


class DealsImported(BaseModel):
    created: int
    updated: int
    unchanged: int
    unmatched: dict[str, int] = Field(
        description="Responsible names that match no employee, with their deal counts"
    )
