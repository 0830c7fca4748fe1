"""Request and response bodies of /api/v1. Plain pydantic models: no table leaks into the API."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from app.models import InvitationStatus, Placement
from app.text import EMAIL_PATTERN, INVISIBLE, plausible_email, strip_bidi
from questionnaires.result import QualityLevel

CONTROLS = "\x00-\x1f\x7f-\x9f"
# No control character anywhere; for a required value, one visible character somewhere.
OPTIONAL_LINE = f"^[^{CONTROLS}]*$"
REQUIRED_LINE = f"^[^{CONTROLS}]*[^{INVISIBLE}][^{CONTROLS}]*$"


# Typed text is declared exactly as it is checked, so a client (or a schema fuzzer) can tell
# a valid value from the schema alone: at most so many characters as sent, no control
# characters, and where required at least one visible character (``app.text``'s classes,
# checked with Python's ``re`` as the pattern reads). It is saved without invisible format
# characters and outer whitespace.
def _required_line(value: str) -> str:
    if not re.search(REQUIRED_LINE, value):
        raise ValueError("must hold a visible character and no control characters")
    return strip_bidi(value).strip()


def _optional_line(value: str) -> str:
    if not re.search(OPTIONAL_LINE, value):
        raise ValueError("must hold no control characters")
    return strip_bidi(value).strip()


# The rule of app.staff.service.phone_is_plausible, as a pattern (ASCII digits).
PHONE_PATTERN = r"^[+\-(). ]*(?:[0-9][+\-(). ]*){5,15}$"


def _phone(value: str) -> str:
    if not re.search(PHONE_PATTERN, value):
        raise ValueError("must be a phone number: 5 to 15 digits, with + - ( ) . or spaces")
    return value


# A money amount: a JSON number, or a string of digits with a decimal point (no exponent);
# stored rounded to kopecks, as a CRM's export may carry more decimals.
AMOUNT_MAX = Decimal("9999999999999.99")
AMOUNT_STRING = r"^[0-9]{1,13}(?:\.[0-9]{1,6})?$"


def _amount(value: object) -> object:
    if isinstance(value, str) and not re.search(AMOUNT_STRING, value):
        raise ValueError("must be an amount such as 1250.50")
    if isinstance(value, float | int) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


def _kopecks(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


Amount = Annotated[
    Decimal,
    Field(ge=0, le=AMOUNT_MAX),
    BeforeValidator(_amount),
    AfterValidator(_kopecks),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": float(AMOUNT_MAX)},
                {"type": "string", "pattern": AMOUNT_STRING},
            ],
            "description": "Rounded to 0.01",
        }
    ),
]

_REQUIRED: dict[str, Any] = {"pattern": REQUIRED_LINE}
_OPTIONAL: dict[str, Any] = {"pattern": OPTIONAL_LINE}


def _email(value: str) -> str:
    if not plausible_email(value):
        raise ValueError("must be one email address")
    return value.strip()


Language = Literal["ru", "en"]
Title = Annotated[
    str, Field(max_length=200, json_schema_extra=_REQUIRED), AfterValidator(_required_line)
]
Name = Title
CrmId = Annotated[
    str, Field(max_length=64, json_schema_extra=_REQUIRED), AfterValidator(_required_line)
]
Product = Annotated[
    str, Field(max_length=100, json_schema_extra=_REQUIRED), AfterValidator(_required_line)
]
Email = Annotated[
    str,
    Field(max_length=254, json_schema_extra={"pattern": EMAIL_PATTERN}),
    AfterValidator(_email),
]


# What every probability in the API means and how it is rounded (questionnaires/shown.py).
PROBABILITY_MEANING = (
    "How likely this person would describe themselves with {what}, as checked against "
    "self-reported types; calibrated with this installation's own candidates' "
    "self-descriptions once 200 have given one (questionnaires/README.md, "
    '"Uncertainty"); 0-1 in steps of 0.05, never below 0.05 or above 0.95'
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
    phone: (
        Annotated[
            str,
            Field(max_length=40, json_schema_extra={"pattern": PHONE_PATTERN}),
            AfterValidator(_phone),
        ]
        | None
    ) = Field(
        default=None,
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
    str, Field(max_length=200, json_schema_extra=_OPTIONAL), AfterValidator(_optional_line)
]


class DealIn(Strict):
    crm_id: CrmId = Field(
        description="The deal's id in the CRM: the same id again updates the deal (also "
        "within one batch: the last one counts)"
    )
    responsible: Name = Field(
        description="The responsible employee's email or full name, as in the CRM"
    )
    outcome: Literal["won", "lost", "open"]
    amount: Amount = Decimal(0)
    stage: CrmText = ""
    qualified: bool = Field(
        default=False, description="The lead reached a qualified stage (counts for scouts)"
    )
    company: CrmText = Field(default="", description="The client; empty: a client of its own")
    created_on: date
    closed_on: date | None = Field(default=None, description="Required for won and lost deals")
    products: list[Product] = Field(default_factory=list, max_length=50)

    # The close date rule, declared as JSON Schema's if/then so the schema says it too.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"outcome": {"enum": ["won", "lost"]}}, "required": ["outcome"]},
            "then": {"properties": {"closed_on": {"type": "string"}}, "required": ["closed_on"]},
        },
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
