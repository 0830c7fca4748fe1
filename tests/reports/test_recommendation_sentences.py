"""The report's sentences and the one decision (decide) say nothing that contradicts itself:
the margin as printed, why the placement differs from the best role, the checklist rule, and
"no suitable sales role" / "not interpretable"."""

from __future__ import annotations

from app.reports.wording import explanation
from socionics.matrix import default_matrix
from socionics.model import get_type, types
from socionics.recommend import (
    NO_SUITABLE_ROLE,
    NOT_INTERPRETABLE,
    PLACED,
    TOO_CLOSE,
    Recommendation,
    decide,
    farmer_ranks_high,
    recommend,
    type_probabilities,
)


def _sure(code: str, p: float = 0.97) -> dict[str, float]:
    t = get_type(code)
    return {d: p if t.sign(d) > 0 else 1 - p for d in ("EI", "SN", "LF", "RI")}


def _rec(code: str, p: float = 0.97) -> Recommendation:
    return recommend(type_probabilities(_sure(code, p)), default_matrix())


def _mix(a: str, b: str, w: float) -> Recommendation:
    codes = [t.code for t in types()]
    probs = {c: (w if c == a else 0.0) + ((1 - w) if c == b else 0.0) for c in codes}
    return recommend(probs, default_matrix())


def test_the_margin_is_never_printed_as_five_and_called_less_than_five() -> None:
    """Mixtures of two types sweep the gap between the two best roles through 5 points."""
    seen_close = seen_clear = False
    for a, b in (("ESE", "ESI"), ("SLE", "ESI"), ("LSI", "ESI"), ("ESE", "SLE")):
        for step in range(1, 200):
            rec = _mix(a, b, step / 200)
            first = explanation(rec, "en")[0]
            printed = (
                int(first.split(" points ahead")[0].split()[-1])
                if "points ahead" in first
                else None
            )
            if printed is None:
                continue
            if "less than 5 points" in first:
                seen_close = True
                assert printed < 5, first
            else:
                seen_clear = True
                assert printed >= 5, first
            ru = explanation(rec, "ru")[0]
            assert ("меньше 5 баллов" in ru) == ("less than 5 points" in first)
    assert seen_close and seen_clear


def test_a_placement_that_differs_from_the_best_role_is_explained() -> None:
    rec = _rec("SLE")  # best role: closer; placement: hunter (the active department)
    assert rec.best_role == "closer"
    assert decide(rec, quality_level="good").placement == "hunter"
    en = " ".join(explanation(rec, "en"))
    assert "The recommended placement is hunter (active sales) because its roles" in en
    assert "closer is the best of them" in en
    ru = " ".join(explanation(rec, "ru"))
    assert "Рекомендовано направление «охотник (активные продажи)»" in ru
    # A farmer's best role is the placement itself: nothing to explain.
    assert "The recommended placement is" not in " ".join(explanation(_rec("ESI"), "en"))


def test_two_close_roles_of_one_placement_leave_the_placement_clear() -> None:
    for step in range(1, 100):
        rec = _mix("SLE", "LIE", step / 100)
        first, second = rec.roles[0], rec.roles[1]
        if rec.too_close_to_call and {first.role, second.role} <= {"scout", "hunter", "closer"}:
            assert "both roles belong to the same placement" in explanation(rec, "en")[0]
            assert decide(rec, quality_level="good").outcome == PLACED
            return
    raise AssertionError("no mixture put two active roles within 5 points")


def test_the_checklist_needs_farmer_first_or_second_and_a_fit_of_60() -> None:
    ili = _rec("ILI", 0.97)  # farmer second at about 20 of 100
    assert ili.role("farmer").rank <= 2 and ili.role("farmer").expected_fit < 60
    assert not farmer_ranks_high(ili)
    assert farmer_ranks_high(_rec("ESI"))  # farmer first, about 90
    for code in ("SLE", "LIE", "IEE"):  # farmer far down
        assert not farmer_ranks_high(_rec(code))
    # Rank 3 or lower never shows it, whatever the fit.
    for t in types():
        rec = _rec(t.code)
        farmer = rec.role("farmer")
        assert farmer_ranks_high(rec) == (farmer.rank <= 2 and farmer.expected_fit >= 60)


def test_decide_gives_one_outcome_for_each_case() -> None:
    ili = _rec("ILI")
    assert decide(ili, quality_level="good").outcome == NO_SUITABLE_ROLE
    assert decide(ili, quality_level="good").placement is None
    assert decide(ili, quality_level="good").code == NO_SUITABLE_ROLE
    esi = _rec("ESI")
    assert decide(esi, quality_level="doubtful").placement == "farmer"
    unusable = decide(esi, quality_level="unusable")
    assert (unusable.outcome, unusable.placement, unusable.shows_type) == (
        NOT_INTERPRETABLE,
        None,
        False,
    )
    # Between placements within 5 points: too close to call, the better one still named.
    for step in range(1, 200):
        rec = _mix("ESI", "SLE", step / 200)
        gap = rec.placements[0].expected_fit - rec.placements[1].expected_fit
        verdict = decide(rec, quality_level="good")
        if verdict.outcome in (NO_SUITABLE_ROLE,):
            continue
        assert (verdict.outcome == TOO_CLOSE) == (round(gap) < 5)
        assert verdict.placement == rec.placements[0].placement
