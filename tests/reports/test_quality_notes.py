"""Answer-quality flags as report lines (app/reports/flags.py): each code once, saying what was
doubtful and where, in Russian and English."""

from __future__ import annotations

from app.reports.flags import doubtful_dimensions, quality_notes
from questionnaires.loader import product_questionnaires
from questionnaires.result import Quality, QualityFlag, Result

IE, SOC = "introversion_extraversion", "socionics_16"


def _result(qid: str, *flags: QualityFlag) -> Result:
    level = "unusable" if any(f.severity == "unusable" for f in flags) else "doubtful"
    return Result(
        questionnaire_id=qid,
        questionnaire_version="1.0.0",
        scales={},
        dichotomies={},
        quality=Quality(level=level if flags else "good", flags=list(flags)),
    )


def _fast(seconds: float, severity: str = "doubtful") -> QualityFlag:
    return QualityFlag(
        code="too_fast",
        severity=severity,
        detail="x",
        facts={"seconds": seconds, "source": "page"},
    )


def test_a_code_found_in_two_questionnaires_is_one_line_with_both_findings():
    catalog = product_questionnaires()
    notes = quality_notes(
        [(IE, _result(IE, _fast(1.4))), (SOC, _result(SOC, _fast(0.6, "unusable")))],
        catalog,
        "en",
    )
    assert [n.code for n in notes] == ["too_fast"]
    assert notes[0].severity == "unusable"
    text = notes[0].text
    assert text.startswith("Answered very fast: Introversion and extraversion: a median of 1.4 s")
    assert "Socionics questionnaire: 16 types: a median of 0.6 s" in text


def test_an_old_result_listing_too_fast_twice_gives_one_line():
    old = [
        QualityFlag(code="too_fast", severity="doubtful", detail="by page times"),
        QualityFlag(code="too_fast", severity="doubtful", detail="by item times"),
    ]
    notes = quality_notes([(IE, _result(IE, *old))], product_questionnaires(), "ru")
    assert [(n.code, n.text) for n in notes] == [("too_fast", "Ответы даны очень быстро.")]


def test_a_random_like_flag_names_the_dichotomy_in_the_readers_language():
    flag = QualityFlag(
        code="random_like",
        severity="doubtful",
        detail="x",
        scales=["intuition"],
        facts={"ratio": -6.2},
    )
    catalog = product_questionnaires()
    (en,) = quality_notes([(SOC, _result(SOC, flag))], catalog, "en")
    (ru,) = quality_notes([(SOC, _result(SOC, flag))], catalog, "ru")
    assert "the answers fit random clicking" in en.text and "(Sensing / Intuition)" in en.text
    assert "ответы больше похожи на случайные нажатия" in ru.text
    assert "(Сенсорика / Интуиция)" in ru.text
    # the interview then probes that dichotomy only
    assert doubtful_dimensions([(SOC, _result(SOC, flag))], catalog) == {"SN"}
    # a flag about the answers as a whole puts every dichotomy in doubt
    both = [(SOC, _result(SOC, flag)), (IE, _result(IE, _fast(1.5)))]
    assert doubtful_dimensions(both, catalog) is None


def test_every_flag_the_engine_raises_reads_as_a_sentence_in_both_languages():
    from questionnaires.engine import score
    from questionnaires.result import Timing

    q = product_questionnaires()[SOC]
    # everything wrong at once: fast, one answer throughout, attention checks missed, gaps
    answers = {i.id: 1 for i in q.items[: int(len(q.items) * 0.8)]}
    result = score(q, answers, timing=Timing(page_seconds=[3.0] * len(q.pages())))
    codes = {f.code for f in result.quality.flags}
    assert {"too_fast", "straight_lining", "attention_failed", "missing_answers"} <= codes
    for language in ("en", "ru"):
        notes = quality_notes([(SOC, result)], product_questionnaires(), language)
        assert {n.code for n in notes} == codes
        for n in notes:
            assert ": " in n.text and n.text.endswith("."), n.text
            assert "%(" not in n.text
