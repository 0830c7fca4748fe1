"""From dichotomy probabilities to type probabilities, and from those to a role recommendation.

Pure functions on plain numbers and the matrix; every threshold is a named constant below
and is documented in ``socionics/README.md``.

Type probabilities follow the pole probabilities' meaning (how likely the person would describe
themselves with each letter, questionnaires/README.md "Uncertainty"): the informed people's four
self-descriptions are multivariate normal, with the correlation given the answers estimated from
stored responses (none until there are 200, then ``selfknowledge.self_view_correlation``), mixed
with the share of people who describe themselves regardless of their answers
(``selfknowledge.type_distribution``). That share makes the letters hang together: someone who
knows themselves is right on all four at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, model_validator

from questionnaires.selfknowledge import type_distribution
from questionnaires.shown import reads_below
from socionics.matrix import GROUPS, RoleFitMatrix
from socionics.model import BASE_DICHOTOMIES, POLES, Text, base_dichotomy, get_type, types

# A dichotomy is borderline when its more probable pole has probability below this.
BORDERLINE_BELOW = 0.75
# The top two roles are "too close to call" when their expected fits differ by less
# than this many points (on the matrix's 0..100 scale).
TOO_CLOSE_POINTS = 5.0
# The two extraversion measures disagree when they point to different poles and each is
# at least this sure of its pole.
EXTRAVERSION_CONFIDENT = 0.70
# A universal vacancy (hunter and farmer in one person) carries the book's warning unless
# the candidate is an Enthusiast (ESE) with at least this probability.
UNIVERSAL_ESE_MIN = 0.70
# Below this best expected fit no role is said to fit well.
LOW_FIT_BELOW = 40.0
# A dichotomy is named in the explanation when the candidate's answers on it moved some
# role's expected fit by at least this many points.
EFFECT_MIN_POINTS = 2.0
# How many runners-up a type result lists after the most probable type.
RUNNERS_UP = 3
# The rule for showing the client manager's portrait checklist: farmer among the top
# FARMER_TOP_RANKS roles, or its expected fit at least FARMER_HIGH_FIT.
FARMER_TOP_RANKS = 2
FARMER_HIGH_FIT = 60.0
# No sales role is suitable when the matrix's "not for sales" group is at least this probable
# (or when even the best role fits below LOW_FIT_BELOW).
NOT_FOR_SALES_MIN = 0.5

# The outcomes of ``decide``, the one answer every surface shows.
PLACED = "placement"
TOO_CLOSE = "too_close_to_call"
NO_SUITABLE_ROLE = "no_suitable_role"
NOT_INTERPRETABLE = "not_interpretable"
OUTCOMES: tuple[str, ...] = (PLACED, TOO_CLOSE, NO_SUITABLE_ROLE, NOT_INTERPRETABLE)

# Placement families: the vacancy targets of the app. Scout, hunter and closer are the
# active (commercial) department and share the "hunter" placement.
PLACEMENT_OF_ROLE: dict[str, str] = {
    "scout": "hunter",
    "hunter": "hunter",
    "closer": "hunter",
    "farmer": "farmer",
    "sales_operations": "sales_operations",
}
PLACEMENTS: tuple[str, ...] = ("hunter", "farmer", "sales_operations")
# What a vacancy target may be: a placement, "universal" (hunter and farmer in one
# person), "undecided", or one of the matrix's roles.
TARGET_PLACEMENTS: tuple[str, ...] = (
    "hunter",
    "farmer",
    "sales_operations",
    "universal",
    "undecided",
)
PLACEMENT_NAMES: dict[str, Text] = {
    "hunter": Text(en="hunter (active sales)", ru="охотник (активные продажи)"),
    "farmer": Text(en="farmer (client manager)", ru="фермер (клиентский менеджер)"),
    "sales_operations": Text(en="sales support and operations", ru="СОП и операционная работа"),
}
UNIVERSAL_TYPE = "ESE"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TypeProbability(Frozen):
    code: str
    probability: float


class TypeResult(Frozen):
    """The 16 type probabilities read as a result: the most probable type and how sure."""

    pole_p_high: dict[str, float]
    probabilities: dict[str, float]  # every type, most probable first
    code: str
    probability: float
    runners_up: list[TypeProbability]
    borderline: list[str]  # base dichotomy ids whose more probable pole is below BORDERLINE_BELOW


class RoleFit(Frozen):
    role: str
    expected_fit: float
    rank: int  # 1 = best
    margin_to_next: float | None  # points ahead of the next role; None for the last
    behind_best: float


class PlacementFit(Frozen):
    placement: str
    expected_fit: float  # the best expected fit among the placement's roles
    best_role: str


class ExtraversionCheck(Frozen):
    p_extravert_socionics: float
    p_extravert_questionnaire: float
    disagree: bool


class DichotomyEffect(Frozen):
    """How one base dichotomy moved the expected fits.

    ``contrast[role]`` is E[fit | the candidate's more probable pole] minus E[fit | the
    other pole], the other dichotomies kept at the candidate's probabilities.
    ``shift[role]`` is how far the candidate's answers on this dichotomy moved the
    expected fit from where a 50/50 answer would have left it: (p - 0.5) * contrast.
    ``best_role_if_flipped`` is the best role had the dichotomy gone the other way.
    """

    dichotomy: str
    pole: str
    probability: float
    contrast: dict[str, float]
    shift: dict[str, float]
    best_role_if_flipped: str


class Recommendation(Frozen):
    matrix_version: str
    matrix_hash: str
    roles: list[RoleFit]  # best first
    display_order: list[str]  # the vacancy's target roles first, then by rank
    best_role: str
    too_close_to_call: bool
    no_good_fit: bool
    placements: list[PlacementFit]  # best first
    placement: str
    target: str | None
    target_roles: list[str]
    group_probabilities: dict[str, float]
    type_probability_ese: float
    extraversion: ExtraversionCheck | None
    effects: list[DichotomyEffect]  # strongest push first

    @model_validator(mode="before")
    @classmethod
    def _drop_stored_sentences(cls, data: Any) -> Any:
        # Fit records stored before the reasons were structured also hold the sentences in
        # both languages; the reasons are derived from the numbers, so those are dropped.
        if isinstance(data, dict) and ("explanation" in data or "universal_warning" in data):
            data = {k: v for k, v in data.items() if k not in ("explanation", "universal_warning")}
        return data

    def role(self, role: str) -> RoleFit:
        for r in self.roles:
            if r.role == role:
                return r
        raise KeyError(role)

    def reasons(self) -> list[Reason]:
        """Why: the explanation as structured reasons (words: app/reports/wording.py)."""
        return reasons(self)

    @property
    def universal_warning(self) -> UniversalWarning | None:
        return _universal_warning(self)


def type_probabilities(
    pole_p_high: Mapping[str, float],
    *,
    correlation: Sequence[Sequence[float]] | None = None,
    unaware_share: float = 0.0,
    base: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """P(type) for each of the 16 types from P(high pole) of EI, SN, LF and RI.

    ``correlation``: of the informed self-descriptions given the answers, in BASE_DICHOTOMIES
    order (None: uncorrelated). ``unaware_share``: the share of people describing themselves
    regardless of their answers; the product passes the reviewed value of
    questionnaires/data/self_knowledge.yaml (``PRODUCT_TYPING``); 0 and no correlation give the
    plain product of the four. ``base``: the high letter's share the unaware people pick, per
    dichotomy (learned from the installation's self-descriptions; 0.5 when absent).
    """
    _check_poles(pole_p_high)
    omega = unaware_share
    p = np.array([pole_p_high[d] for d in BASE_DICHOTOMIES], dtype=float)
    b = np.array([(base or {}).get(d, 0.5) for d in BASE_DICHOTOMIES], dtype=float)
    corr = None if correlation is None else np.asarray(correlation, dtype=float)
    table = type_distribution(p, corr, unaware=omega, base=b)
    out = {}
    for t in types():
        index = sum(1 << j for j, d in enumerate(BASE_DICHOTOMIES) if t.sign(d) > 0)
        out[t.code] = float(table[index])
    return out


def type_result(
    pole_p_high: Mapping[str, float],
    *,
    borderline_below: float = BORDERLINE_BELOW,
    correlation: Sequence[Sequence[float]] | None = None,
    unaware_share: float = 0.0,
    base: Mapping[str, float] | None = None,
) -> TypeResult:
    probs = type_probabilities(
        pole_p_high, correlation=correlation, unaware_share=unaware_share, base=base
    )
    ordered = sorted(probs.items(), key=lambda kv: -kv[1])
    code, p = ordered[0]
    borderline = [
        d
        for d in BASE_DICHOTOMIES
        if reads_below(max(pole_p_high[d], 1 - pole_p_high[d]), borderline_below)
    ]
    return TypeResult(
        pole_p_high={d: float(pole_p_high[d]) for d in BASE_DICHOTOMIES},
        probabilities=dict(ordered),
        code=code,
        probability=p,
        runners_up=[TypeProbability(code=c, probability=q) for c, q in ordered[1 : 1 + RUNNERS_UP]],
        borderline=borderline,
    )


def pole_probabilities(type_probs: Mapping[str, float]) -> dict[str, float]:
    """P(high pole) of each base dichotomy: the marginals of a type distribution."""
    return {
        d: sum(p for code, p in type_probs.items() if get_type(code).sign(d) > 0)
        for d in BASE_DICHOTOMIES
    }


def recommend(
    type_probs: Mapping[str, float],
    matrix: RoleFitMatrix,
    *,
    target_role: str | None = None,
    ie_p_extravert: float | None = None,
) -> Recommendation:
    """Rank the matrix's roles by expected fit over the type probabilities and explain why.

    ``target_role`` is the vacancy's target: a placement from TARGET_PLACEMENTS or a role
    of the matrix. ``ie_p_extravert`` is P(extravert) from the introversion/extraversion
    questionnaire when the candidate took it too. ``reasons()`` explains it in numbers.
    """
    _check_type_probs(type_probs)
    roles = list(matrix.roles)
    expected = _expected_fits(type_probs, matrix)
    ranked = sorted(roles, key=lambda r: (-expected[r], roles.index(r)))
    role_fits = [
        RoleFit(
            role=r,
            expected_fit=expected[r],
            rank=i + 1,
            margin_to_next=expected[r] - expected[ranked[i + 1]] if i + 1 < len(ranked) else None,
            behind_best=expected[ranked[0]] - expected[r],
        )
        for i, r in enumerate(ranked)
    ]
    best = ranked[0]
    # Compared as shown (whole points), so a gap printed as 5 is never "less than 5".
    too_close = round(expected[ranked[0]] - expected[ranked[1]]) < TOO_CLOSE_POINTS

    placements = sorted(
        (
            PlacementFit(
                placement=pl,
                expected_fit=max(expected[r] for r in roles if PLACEMENT_OF_ROLE[r] == pl),
                best_role=max(
                    (r for r in roles if PLACEMENT_OF_ROLE[r] == pl), key=lambda r: expected[r]
                ),
            )
            for pl in PLACEMENTS
        ),
        key=lambda p: -p.expected_fit,
    )

    target, target_roles = _target_roles(target_role, roles)
    display_order = [r for r in ranked if r in target_roles] + [
        r for r in ranked if r not in target_roles
    ]

    groups = {
        g: sum(p for code, p in type_probs.items() if matrix.group_of(code) == g) for g in GROUPS
    }
    p_ese = float(type_probs.get(UNIVERSAL_TYPE, 0.0))
    poles = pole_probabilities(type_probs)

    extraversion = None
    if ie_p_extravert is not None:
        if not 0 <= ie_p_extravert <= 1:
            raise ValueError(f"ie_p_extravert must lie in 0..1, got {ie_p_extravert}")
        extraversion = _extraversion_check(poles["EI"], ie_p_extravert)

    effects = _effects(poles, matrix, roles)
    return Recommendation(
        matrix_version=matrix.version,
        matrix_hash=matrix.content_hash(),
        roles=role_fits,
        display_order=display_order,
        best_role=best,
        too_close_to_call=too_close,
        no_good_fit=expected[best] < LOW_FIT_BELOW,
        placements=placements,
        placement=placements[0].placement,
        target=target,
        target_roles=target_roles,
        group_probabilities=groups,
        type_probability_ese=p_ese,
        extraversion=extraversion,
        effects=effects,
    )


def farmer_ranks_high(recommendation: Recommendation) -> bool:
    """Whether the report shows the client manager's portrait checklist: farmer ranks first
    or second AND fits at least FARMER_HIGH_FIT (a second place at 21 of 100 is no reason)."""
    farmer = recommendation.role("farmer")
    return farmer.rank <= FARMER_TOP_RANKS and farmer.expected_fit >= FARMER_HIGH_FIT


class Verdict(Frozen):
    """The one answer to "where would this person go?" that every surface shows.

    ``placement`` is None when no sales role is suitable or the answers are not interpretable;
    with "too close to call" it is the better of the two close placements and ``runner_up``
    the other. ``code`` is what the fit record stores and the lists filter by.
    """

    outcome: str
    placement: str | None
    runner_up: str | None = None

    @property
    def code(self) -> str:
        return self.placement if self.placement is not None else self.outcome

    @property
    def shows_type(self) -> bool:
        """Unusable answers carry no type anywhere: only a retake can tell."""
        return self.outcome != NOT_INTERPRETABLE


def decide(recommendation: Recommendation, *, quality_level: str | None) -> Verdict:
    """Placement, "too close to call", "no suitable sales role" or "not interpretable".

    Too close to call is judged between placements, not roles: closer and hunter both lead to
    the active department, so a narrow gap between them leaves the placement clear. The gap is
    compared as it is shown (rounded to whole points), so the page never says "5 points ahead
    … less than 5 points".
    """
    if quality_level == "unusable":
        return Verdict(outcome=NOT_INTERPRETABLE, placement=None)
    rec = recommendation
    if rec.no_good_fit or rec.group_probabilities.get("not_for_sales", 0.0) >= NOT_FOR_SALES_MIN:
        return Verdict(outcome=NO_SUITABLE_ROLE, placement=None)
    first, second = rec.placements[0], rec.placements[1]
    if round(first.expected_fit - second.expected_fit) < TOO_CLOSE_POINTS:
        return Verdict(outcome=TOO_CLOSE, placement=first.placement, runner_up=second.placement)
    return Verdict(outcome=PLACED, placement=first.placement)


def verdict_of_code(code: str | None, *, too_close: bool) -> Verdict | None:
    """The verdict read back from a fit record's stored ``code`` (lists, exports)."""
    if code is None:
        return None
    if code in (NO_SUITABLE_ROLE, NOT_INTERPRETABLE):
        return Verdict(outcome=code, placement=None)
    return Verdict(outcome=TOO_CLOSE if too_close else PLACED, placement=code)


# --- internals ---------------------------------------------------------------------------


def _check_poles(pole_p_high: Mapping[str, float]) -> None:
    if set(pole_p_high) != set(BASE_DICHOTOMIES):
        raise ValueError(
            f"need P(high pole) for exactly {list(BASE_DICHOTOMIES)}, got {sorted(pole_p_high)}"
        )
    for d, p in pole_p_high.items():
        if not (0 <= p <= 1) or math.isnan(p):
            raise ValueError(f"P(high pole) of {d} must lie in 0..1, got {p}")


def _check_type_probs(type_probs: Mapping[str, float]) -> None:
    codes = {t.code for t in types()}
    if set(type_probs) != codes:
        raise ValueError(f"need a probability for each of the 16 types, got {sorted(type_probs)}")
    if any(not (0 <= p <= 1) for p in type_probs.values()):
        raise ValueError("type probabilities must lie in 0..1")
    total = sum(type_probs.values())
    if abs(total - 1) > 1e-6:
        raise ValueError(f"type probabilities must sum to 1, got {total:.6f}")


def _expected_fits(type_probs: Mapping[str, float], matrix: RoleFitMatrix) -> dict[str, float]:
    return {r: sum(p * matrix.fit(code, r) for code, p in type_probs.items()) for r in matrix.roles}


def _target_roles(target: str | None, roles: list[str]) -> tuple[str | None, list[str]]:
    if target is None or target == "undecided":
        return target, []
    # Placements first: "hunter" from a vacancy means the whole active family.
    if target == "universal":
        return target, [r for r in roles if r in ("hunter", "farmer")]
    if target in PLACEMENTS:
        return target, [r for r in roles if PLACEMENT_OF_ROLE[r] == target]
    if target in roles:
        return target, [target]
    raise ValueError(f"unknown target {target!r}: use a role {roles} or one of {TARGET_PLACEMENTS}")


def _extraversion_check(p_socionics: float, p_questionnaire: float) -> ExtraversionCheck:
    def confident_pole(p: float) -> str | None:
        # Judged on the figures the report shows (5% steps), so the sentence matches them.
        if not reads_below(p, EXTRAVERSION_CONFIDENT):
            return "E"
        if not reads_below(1 - p, EXTRAVERSION_CONFIDENT):
            return "I"
        return None

    a, b = confident_pole(p_socionics), confident_pole(p_questionnaire)
    return ExtraversionCheck(
        p_extravert_socionics=p_socionics,
        p_extravert_questionnaire=p_questionnaire,
        disagree=a is not None and b is not None and a != b,
    )


def _conditional_fits(
    poles: Mapping[str, float], matrix: RoleFitMatrix, fixed: str, high: bool
) -> dict[str, float]:
    """Expected fits with one dichotomy fixed at a pole, the others at their probabilities."""
    p = dict(poles)
    p[fixed] = 1.0 if high else 0.0
    return _expected_fits(type_probabilities(p), matrix)


def _effects(
    poles: Mapping[str, float], matrix: RoleFitMatrix, roles: list[str]
) -> list[DichotomyEffect]:
    effects = []
    for d in BASE_DICHOTOMIES:
        p_high = poles[d]
        at_high = _conditional_fits(poles, matrix, d, True)
        at_low = _conditional_fits(poles, matrix, d, False)
        leaning_high = p_high >= 0.5
        mine, other = (at_high, at_low) if leaning_high else (at_low, at_high)
        q = p_high if leaning_high else 1 - p_high
        contrast = {r: mine[r] - other[r] for r in roles}
        effects.append(
            DichotomyEffect(
                dichotomy=d,
                pole=POLES[d][1] if leaning_high else POLES[d][0],
                probability=q,
                contrast=contrast,
                shift={r: (q - 0.5) * contrast[r] for r in roles},
                best_role_if_flipped=max(roles, key=lambda r: (other[r], -roles.index(r))),
            )
        )
    return sorted(effects, key=lambda e: -max(abs(v) for v in e.shift.values()))


# --- reasons ---------------------------------------------------------------------------
# What the explanation says, as numbers: the words are chosen where it is shown
# (app/reports/wording.py), in the reader's language.


class Closeness(StrEnum):
    CLEAR = "clear"
    SAME_PLACEMENT = "same_placement"  # within TOO_CLOSE_POINTS, but one placement
    TOO_CLOSE = "too_close"


@dataclass(frozen=True)
class BestFit:
    """The best role, its expected fit and its lead over the second (whole points, as shown)."""

    role: str
    fit: int
    runner_up: str
    gap: int
    closeness: Closeness
    placement: str  # the best role's placement
    too_close_points: int = int(TOO_CLOSE_POINTS)


@dataclass(frozen=True)
class PlacementOfRoles:
    """Why the placement differs from the best role: its roles are one department."""

    placement: str
    roles: tuple[str, ...]  # the placement's roles in display order
    best_role: str


@dataclass(frozen=True)
class NoGoodFit:
    below: int  # LOW_FIT_BELOW
    p_not_for_sales: float


@dataclass(frozen=True)
class NotForSales:
    p_not_for_sales: float


@dataclass(frozen=True)
class DichotomyPush:
    """How far the answers on one dichotomy moved a role up and another down (0: not named)."""

    dichotomy: str
    pole: str
    probability: float
    raised_role: str
    raised: int
    lowered_role: str
    lowered: int


@dataclass(frozen=True)
class Borderline:
    """A borderline dichotomy and the best role had it gone the other way."""

    dichotomy: str
    pole: str
    probability: float
    other_pole: str
    best_if_flipped: str
    still_best: bool


@dataclass(frozen=True)
class UniversalTarget:
    hunter_fit: int
    farmer_fit: int


@dataclass(frozen=True)
class TargetFit:
    """The vacancy's best target role; ``placement`` is None when the vacancy has one role."""

    role: str
    fit: int
    rank: int
    of: int
    placement: str | None


@dataclass(frozen=True)
class ExtraversionDisagrees:
    socionics_extravert: bool
    p_socionics: float  # of the pole it says
    questionnaire_extravert: bool
    p_questionnaire: float


@dataclass(frozen=True)
class UniversalWarning:
    """The book's warning about a universal vacancy; ``p_ese``: P(Enthusiast)."""

    p_ese: float


Reason = (
    BestFit
    | PlacementOfRoles
    | NoGoodFit
    | NotForSales
    | DichotomyPush
    | Borderline
    | UniversalTarget
    | TargetFit
    | ExtraversionDisagrees
    | UniversalWarning
)
REASON_KINDS: tuple[type, ...] = (
    BestFit,
    PlacementOfRoles,
    NoGoodFit,
    NotForSales,
    DichotomyPush,
    Borderline,
    UniversalTarget,
    TargetFit,
    ExtraversionDisagrees,
    UniversalWarning,
)


def _family(placement: str) -> set[str]:
    return {r for r, p in PLACEMENT_OF_ROLE.items() if p == placement}


def _universal_warning(rec: Recommendation) -> UniversalWarning | None:
    if rec.target == "universal" and reads_below(rec.type_probability_ese, UNIVERSAL_ESE_MIN):
        return UniversalWarning(p_ese=rec.type_probability_ese)
    return None


def reasons(rec: Recommendation) -> list[Reason]:
    """The explanation of a recommendation, in the order the report lists it."""
    out: list[Reason] = []
    first, second = rec.roles[0], rec.roles[1]
    best_placement = PLACEMENT_OF_ROLE[first.role]
    closeness = Closeness.CLEAR
    if rec.too_close_to_call:
        same = best_placement == PLACEMENT_OF_ROLE[second.role]
        closeness = Closeness.SAME_PLACEMENT if same else Closeness.TOO_CLOSE
    out.append(
        BestFit(
            role=first.role,
            fit=round(first.expected_fit),
            runner_up=second.role,
            gap=round(first.expected_fit - second.expected_fit),
            closeness=closeness,
            placement=best_placement,
        )
    )

    p_nfs = rec.group_probabilities.get("not_for_sales", 0.0)
    suitable = not rec.no_good_fit and p_nfs < NOT_FOR_SALES_MIN
    if suitable and best_placement != first.role:
        # "Recommended: hunter (best role: closer)" needs its reason on the page.
        family = _family(best_placement)
        out.append(
            PlacementOfRoles(
                placement=best_placement,
                roles=tuple(r for r in rec.display_order if r in family),
                best_role=first.role,
            )
        )
    if rec.no_good_fit:
        out.append(NoGoodFit(below=int(LOW_FIT_BELOW), p_not_for_sales=p_nfs))
    if not rec.no_good_fit and p_nfs >= NOT_FOR_SALES_MIN:
        out.append(NotForSales(p_not_for_sales=p_nfs))

    for effect in rec.effects:
        up = max(effect.shift, key=lambda r: effect.shift[r])
        down = min(effect.shift, key=lambda r: effect.shift[r])
        raised = round(effect.shift[up]) if effect.shift[up] >= EFFECT_MIN_POINTS else 0
        lowered = round(-effect.shift[down]) if effect.shift[down] <= -EFFECT_MIN_POINTS else 0
        if not raised and not lowered:
            continue  # the candidate's answers on this dichotomy hardly moved any role
        out.append(
            DichotomyPush(
                dichotomy=effect.dichotomy,
                pole=effect.pole,
                probability=effect.probability,
                raised_role=up,
                raised=raised,
                lowered_role=down,
                lowered=lowered,
            )
        )

    for effect in rec.effects:
        if not reads_below(effect.probability, BORDERLINE_BELOW):
            continue
        d = base_dichotomy(effect.dichotomy)
        other = d.low if effect.pole == d.high.code else d.high
        out.append(
            Borderline(
                dichotomy=effect.dichotomy,
                pole=effect.pole,
                probability=effect.probability,
                other_pole=other.code,
                best_if_flipped=effect.best_role_if_flipped,
                still_best=effect.best_role_if_flipped == rec.best_role,
            )
        )

    if rec.target_roles:
        out.append(_target_reason(rec))

    x = rec.extraversion
    if x is not None and x.disagree:
        out.append(
            ExtraversionDisagrees(
                socionics_extravert=x.p_extravert_socionics >= 0.5,
                p_socionics=max(x.p_extravert_socionics, 1 - x.p_extravert_socionics),
                questionnaire_extravert=x.p_extravert_questionnaire >= 0.5,
                p_questionnaire=max(x.p_extravert_questionnaire, 1 - x.p_extravert_questionnaire),
            )
        )

    warning = _universal_warning(rec)
    if warning is not None:
        out.append(warning)
    return out


def _target_reason(rec: Recommendation) -> UniversalTarget | TargetFit:
    if rec.target == "universal":
        return UniversalTarget(
            hunter_fit=round(rec.role("hunter").expected_fit),
            farmer_fit=round(rec.role("farmer").expected_fit),
        )
    fits = [rec.role(r) for r in rec.target_roles]
    top = min(fits, key=lambda f: f.rank)
    return TargetFit(
        role=top.role,
        fit=round(top.expected_fit),
        rank=top.rank,
        of=len(rec.roles),
        placement=None if len(fits) == 1 else rec.target,
    )
