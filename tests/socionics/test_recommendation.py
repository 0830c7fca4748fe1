"""Type probabilities, the type result and the role recommendation with its reasons (the
words are the app's: tests/reports/test_recommendation_wording.py)."""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml

from socionics.matrix import MATRIX_FILE, ROLES, default_matrix, matrix_from_dict
from socionics.model import get_type
from socionics.recommend import (
    BORDERLINE_BELOW,
    EXTRAVERSION_CONFIDENT,
    TOO_CLOSE_POINTS,
    UNIVERSAL_ESE_MIN,
    BestFit,
    Borderline,
    Closeness,
    DichotomyPush,
    ExtraversionDisagrees,
    NoGoodFit,
    Recommendation,
    UniversalWarning,
    farmer_ranks_high,
    pole_probabilities,
    recommend,
    type_probabilities,
    type_result,
)

CERTAIN = {"E": 1.0, "I": 0.0, "N": 1.0, "S": 0.0, "L": 1.0, "F": 0.0, "J": 1.0, "P": 0.0}


def poles_of(code: str, sure: float = 1.0) -> dict[str, float]:
    """P(high pole) per dichotomy for a respondent leaning towards ``code`` with ``sure``."""
    t = get_type(code)
    return {d: sure if t.sign(d) > 0 else 1 - sure for d in t.poles}


def rec_for(code: str, sure: float = 1.0, **kwargs: Any) -> Recommendation:
    return recommend(type_probabilities(poles_of(code, sure)), default_matrix(), **kwargs)


def test_type_probabilities_are_the_product_of_the_pole_probabilities() -> None:
    poles = {"EI": 0.9, "SN": 0.2, "LF": 0.35, "RI": 0.7}
    probs = type_probabilities(poles)
    assert len(probs) == 16
    assert math.isclose(sum(probs.values()), 1.0)
    assert math.isclose(probs["ESE"], 0.9 * 0.8 * 0.65 * 0.7)
    assert math.isclose(probs["ILI"], 0.1 * 0.2 * 0.35 * 0.3)
    marginals = pole_probabilities(probs)
    assert all(math.isclose(marginals[d], poles[d]) for d in poles)


def test_certain_poles_give_one_type_with_probability_one() -> None:
    probs = type_probabilities(poles_of("LSE"))
    assert probs["LSE"] == 1.0
    assert sum(p for c, p in probs.items() if c != "LSE") == 0.0


@pytest.mark.parametrize(
    "bad",
    [
        {"EI": 0.5, "SN": 0.5, "LF": 0.5},
        {"EI": 0.5, "SN": 0.5, "LF": 0.5, "RI": 1.2},
        {"EI": 0.5, "SN": 0.5, "LF": 0.5, "RI": math.nan},
        {"EI": 0.5, "SN": 0.5, "LF": 0.5, "TF": 0.5},
    ],
)
def test_type_probabilities_refuse_incomplete_or_impossible_input(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        type_probabilities(bad)


def test_the_type_result_names_the_most_probable_type_runners_up_and_borderline_dichotomies() -> (
    None
):
    r = type_result({"EI": 0.9, "SN": 0.2, "LF": 0.3, "RI": 0.6})
    assert (r.code, round(r.probability, 4)) == ("ESE", round(0.9 * 0.8 * 0.7 * 0.6, 4))
    assert [x.code for x in r.runners_up] == ["SEE", "LSE", "SLE"]
    assert r.runners_up[0].probability >= r.runners_up[1].probability >= r.runners_up[2].probability
    assert r.borderline == ["LF", "RI"]  # 0.7 and 0.6 are below 0.75; 0.8 and 0.9 are not
    assert BORDERLINE_BELOW == 0.75
    assert next(iter(r.probabilities)) == "ESE" and len(r.probabilities) == 16


def test_expected_fit_is_the_probability_weighted_mean_of_the_matrix_scores() -> None:
    m = default_matrix()
    probs = type_probabilities({"EI": 0.7, "SN": 0.4, "LF": 0.55, "RI": 0.2})
    rec = recommend(probs, m)
    for role in ROLES:
        want = sum(p * m.fit(code, role) for code, p in probs.items())
        assert math.isclose(rec.role(role).expected_fit, want)
    fits = [r.expected_fit for r in rec.roles]
    assert fits == sorted(fits, reverse=True)
    assert [r.rank for r in rec.roles] == [1, 2, 3, 4, 5]
    for a, b in zip(rec.roles, rec.roles[1:], strict=False):
        assert a.margin_to_next is not None
        assert math.isclose(a.margin_to_next, a.expected_fit - b.expected_fit)
    assert rec.roles[-1].margin_to_next is None


@pytest.mark.parametrize(
    ("code", "best", "placement"),
    [
        ("SLE", "closer", "hunter"),
        ("LIE", "hunter", "hunter"),
        ("ILE", "scout", "hunter"),
        ("ESI", "farmer", "farmer"),
        ("LSI", "sales_operations", "sales_operations"),
        ("ESE", "farmer", "farmer"),
    ],
)
def test_a_certain_type_gets_its_matrix_row_as_the_ranking(
    code: str, best: str, placement: str
) -> None:
    rec = rec_for(code)
    assert rec.best_role == best
    assert rec.placement == placement
    assert rec.role(best).expected_fit == default_matrix().fit(code, best)
    assert rec.group_probabilities[default_matrix().group_of(code)] == 1.0


def test_roles_closer_than_the_margin_are_too_close_to_call() -> None:
    assert TOO_CLOSE_POINTS == 5.0
    lse = rec_for("LSE")  # farmer 85, sales_operations 85
    assert lse.too_close_to_call
    first = lse.reasons()[0]
    assert isinstance(first, BestFit) and first.closeness == Closeness.TOO_CLOSE
    assert (first.role, first.gap, first.too_close_points) == ("farmer", 0, 5)
    sle = rec_for("SLE")  # closer 95, hunter 85
    assert not sle.too_close_to_call
    ese = rec_for("ESE")  # farmer 90, hunter and closer 85: exactly the margin is not too close
    assert ese.roles[0].margin_to_next == 5.0 and not ese.too_close_to_call


def test_the_vacancys_target_role_is_shown_first() -> None:
    rec = rec_for("SLE", target_role="farmer")
    assert rec.display_order[0] == "farmer"
    assert sorted(rec.display_order) == sorted(ROLES)
    assert rec.best_role == "closer"  # the ranking itself does not change
    hunter_vacancy = rec_for("ESI", target_role="hunter")
    assert set(hunter_vacancy.display_order[:3]) == {"scout", "hunter", "closer"}
    assert hunter_vacancy.display_order[3:] == ["farmer", "sales_operations"]
    assert rec_for("ESI", target_role="undecided").display_order == [
        r.role for r in hunter_vacancy.roles
    ]
    assert rec_for("ESI", target_role="closer").display_order[0] == "closer"
    with pytest.raises(ValueError, match="unknown target"):
        rec_for("ESI", target_role="ceo")


def test_a_universal_vacancy_warns_unless_the_candidate_is_very_likely_an_enthusiast() -> None:
    assert UNIVERSAL_ESE_MIN == 0.70
    sure_ese = rec_for("ESE", sure=0.95, target_role="universal")  # P(ESE) = 0.95^4 = 0.81
    assert sure_ese.universal_warning is None
    unsure_ese = rec_for("ESE", sure=0.9, target_role="universal")  # 0.9^4 = 0.66
    assert unsure_ese.universal_warning is not None
    assert math.isclose(unsure_ese.universal_warning.p_ese, 0.9**4)
    assert unsure_ese.reasons()[-1] == unsure_ese.universal_warning
    assert isinstance(unsure_ese.universal_warning, UniversalWarning)
    assert unsure_ese.display_order[:2] == ["farmer", "hunter"]
    assert rec_for("LIE", target_role="universal").universal_warning is not None
    assert rec_for("LIE", target_role="hunter").universal_warning is None


def test_disagreeing_extraversion_measures_are_flagged_only_when_both_are_sure() -> None:
    assert EXTRAVERSION_CONFIDENT == 0.70
    ext = rec_for("LIE", sure=0.9, ie_p_extravert=0.2)
    assert ext.extraversion is not None and ext.extraversion.disagree
    said = [r for r in ext.reasons() if isinstance(r, ExtraversionDisagrees)]
    assert said == [
        ExtraversionDisagrees(
            socionics_extravert=True,
            p_socionics=ext.extraversion.p_extravert_socionics,
            questionnaire_extravert=False,
            p_questionnaire=0.8,
        )
    ]
    agree = rec_for("LIE", sure=0.9, ie_p_extravert=0.8)
    assert agree.extraversion is not None and not agree.extraversion.disagree
    unsure = rec_for("LIE", sure=0.9, ie_p_extravert=0.35)  # 65% introvert: not sure enough
    assert unsure.extraversion is not None and not unsure.extraversion.disagree
    assert rec_for("LIE", sure=0.9).extraversion is None
    with pytest.raises(ValueError):
        rec_for("LIE", ie_p_extravert=1.5)


def test_the_shift_of_a_dichotomy_is_what_its_answers_moved_the_expected_fit() -> None:
    m = default_matrix()
    poles = {"EI": 0.9, "SN": 0.3, "LF": 0.6, "RI": 0.8}
    rec = recommend(type_probabilities(poles), m)
    for effect in rec.effects:
        coin = dict(poles, **{effect.dichotomy: 0.5})
        at_coin = recommend(type_probabilities(coin), m)
        for role in ROLES:
            moved = rec.role(role).expected_fit - at_coin.role(role).expected_fit
            assert math.isclose(effect.shift[role], moved, abs_tol=1e-9)
    assert rec.effects[0].dichotomy == "EI"  # the surest dichotomy with the biggest contrasts
    assert rec.effects[0].pole == "E" and math.isclose(rec.effects[0].probability, 0.9)


def test_the_explanation_names_the_dichotomies_that_pushed_the_result() -> None:
    rec = rec_for("SEI", sure=0.85)
    reasons = rec.reasons()
    assert len(reasons) >= 2
    assert isinstance(reasons[0], BestFit) and reasons[0].role == "farmer"
    pushes = [r for r in reasons if isinstance(r, DichotomyPush)]
    introversion = next(r for r in pushes if r.dichotomy == "EI")
    assert introversion.pole == "I" and math.isclose(introversion.probability, 0.85)
    assert introversion.raised >= 2 and introversion.raised_role == "farmer"
    # Each named dichotomy moved some role by at least EFFECT_MIN_POINTS.
    assert all(r.raised >= 2 or r.lowered >= 2 for r in pushes)


def test_a_borderline_dichotomy_says_what_the_other_pole_would_change() -> None:
    poles = poles_of("ESI", 0.9) | {"EI": 0.4}  # 60% introvert: borderline
    rec = recommend(type_probabilities(poles), default_matrix())
    ei = next(e for e in rec.effects if e.dichotomy == "EI")
    extravert = recommend(type_probabilities(poles | {"EI": 1.0}), default_matrix())
    assert ei.best_role_if_flipped == extravert.best_role == "hunter"
    borderline = [r for r in rec.reasons() if isinstance(r, Borderline)]
    assert [(r.dichotomy, r.pole, r.other_pole) for r in borderline] == [("EI", "I", "E")]
    assert borderline[0].best_if_flipped == "hunter" and not borderline[0].still_best
    poles = poles_of("SLE", 0.9) | {"EI": 0.55}
    rec = recommend(type_probabilities(poles), default_matrix())
    flipped = next(r for r in rec.reasons() if isinstance(r, Borderline))
    assert (flipped.pole, flipped.other_pole) == ("E", "I")
    assert flipped.best_if_flipped != rec.best_role and not flipped.still_best


def test_no_role_fits_well_for_a_type_not_for_sales() -> None:
    rec = rec_for("ILI", sure=0.9)
    assert rec.no_good_fit
    assert rec.group_probabilities["not_for_sales"] > 0.6
    assert any(isinstance(r, NoGoodFit) and r.below == 40 for r in rec.reasons())
    assert not rec_for("SEI", sure=0.9).no_good_fit


def test_farmer_ranks_high_for_client_types_and_the_enthusiast_only() -> None:
    assert farmer_ranks_high(rec_for("ESI", 0.85))
    assert farmer_ranks_high(rec_for("LSE", 0.85))
    assert farmer_ranks_high(rec_for("ESE", 0.85))
    assert not farmer_ranks_high(rec_for("SLE", 0.85))
    assert not farmer_ranks_high(rec_for("ILE", 0.85))


def test_a_recommendation_round_trips_through_json_with_its_matrix_version() -> None:
    rec = rec_for("EIE", sure=0.8, target_role="hunter", ie_p_extravert=0.3)
    again = Recommendation.model_validate_json(rec.model_dump_json())
    assert again == rec
    assert rec.matrix_version == default_matrix().version
    assert rec.matrix_hash == default_matrix().content_hash()


def test_an_edited_matrix_changes_the_recommendation() -> None:
    raw = yaml.safe_load(MATRIX_FILE.read_text(encoding="utf-8"))
    raw["version"] = "acme-1"
    raw["types"]["SLE"]["fit"]["scout"] = 99
    edited = matrix_from_dict(raw)
    rec = recommend(type_probabilities(poles_of("SLE")), edited)
    assert rec.best_role == "scout"
    assert rec.matrix_version == "acme-1"
    assert rec.matrix_hash != default_matrix().content_hash()


def test_recommend_refuses_probabilities_that_do_not_sum_to_one() -> None:
    probs = type_probabilities(poles_of("SLE", 0.8))
    probs["SLE"] += 0.1
    with pytest.raises(ValueError, match="sum to 1"):
        recommend(probs, default_matrix())
    probs.pop("SLE")
    with pytest.raises(ValueError, match="each of the 16 types"):
        recommend(probs, default_matrix())


def test_certain_poles_leave_no_dichotomy_borderline() -> None:
    r = type_result({d: CERTAIN[p] for d, p in get_type("IEE").poles.items()})
    assert r.code == "IEE" and r.probability == 1.0 and r.borderline == []
