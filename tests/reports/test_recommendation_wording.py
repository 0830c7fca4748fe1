"""The recommendation's reasons in words: every kind of reason reads as a whole sentence in
English and Russian, with Babel's plural forms, and a fit record stored with its sentences
(before the reasons were structured) still reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.reports.wording import explanation, reason_text
from socionics.recommend import (
    REASON_KINDS,
    BestFit,
    Borderline,
    Closeness,
    DichotomyPush,
    ExtraversionDisagrees,
    NoGoodFit,
    NotForSales,
    PlacementOfRoles,
    Reason,
    Recommendation,
    TargetFit,
    UniversalTarget,
    UniversalWarning,
)

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
RELEASE = Path(__file__).resolve().parents[1] / "upgrade" / "release_7dda273.json"


def _best(gap: int, closeness: Closeness = Closeness.CLEAR) -> BestFit:
    return BestFit(
        role="closer",
        fit=95,
        runner_up="hunter",
        gap=gap,
        closeness=closeness,
        placement="hunter",
    )


def _push(raised: int, lowered: int) -> DichotomyPush:
    return DichotomyPush(
        dichotomy="EI",
        pole="I",
        probability=0.85,
        raised_role="farmer",
        raised=raised,
        lowered_role="scout",
        lowered=lowered,
    )


def _borderline(still_best: bool) -> Borderline:
    return Borderline(
        dichotomy="EI",
        pole="I",
        probability=0.6,
        other_pole="E",
        best_if_flipped="farmer" if still_best else "hunter",
        still_best=still_best,
    )


# (reason, English, Russian): the sentences as the report printed them before the words
# moved out of socionics/recommend.py.
SENTENCES: list[tuple[Reason, str, str]] = [
    (
        _best(10),
        "Best fit: closer, expected fit 95 of 100, 10 points ahead of hunter.",
        "Лучше всего подходит роль «клозер»: ожидаемое соответствие 95 из 100, "
        "на 10 баллов выше, чем у роли «охотник».",
    ),
    (
        _best(3, Closeness.SAME_PLACEMENT),
        "Best fit: closer, expected fit 95 of 100, 3 points ahead of hunter. That is less than "
        "5 points, but both roles belong to the same placement, hunter (active sales).",
        "Лучше всего подходит роль «клозер»: ожидаемое соответствие 95 из 100, на 3 балла "
        "выше, чем у роли «охотник». Это меньше 5 баллов, но обе роли относятся к одному "
        "направлению — «охотник (активные продажи)».",
    ),
    (
        _best(0, Closeness.TOO_CLOSE),
        "Best fit: closer, expected fit 95 of 100, 0 points ahead of hunter. That is less than "
        "5 points: too close to call.",
        "Лучше всего подходит роль «клозер»: ожидаемое соответствие 95 из 100, на 0 баллов "
        "выше, чем у роли «охотник». Это меньше 5 баллов: выбрать между ними по тесту нельзя.",
    ),
    (
        PlacementOfRoles(placement="hunter", roles=("closer", "hunter"), best_role="closer"),
        "The recommended placement is hunter (active sales) because its roles (closer, hunter) "
        "are one department, and closer is the best of them.",
        "Рекомендовано направление «охотник (активные продажи)», потому что его роли "
        "(«клозер», «охотник») составляют один отдел, а лучшая из них — «клозер».",
    ),
    (
        NoGoodFit(below=40, p_not_for_sales=0.62),
        "No role fits well: even the best is below 40 of 100. Probability of a type the matrix "
        "marks as not for sales: 60%.",
        "Ни одна роль не подходит хорошо: даже лучшая ниже 40 из 100. Вероятность типа, "
        "который матрица относит к «не для продаж»: 60%.",
    ),
    (
        NotForSales(p_not_for_sales=0.71),
        "No sales role is suitable: with probability 70% the type is one the matrix marks as "
        "not for sales.",
        "Подходящей роли в продажах нет: с вероятностью 70% тип относится к тем, что матрица "
        "отмечает «не для продаж».",
    ),
    (
        _push(15, 12),
        "Introversion (85% sure) raised the expected fit for farmer (client manager) by "
        "15 points and lowered it for scout by 12 points.",
        "Интроверсия (уверенность 85%) повысила соответствие роли «фермер (клиентский "
        "менеджер)» на 15 баллов и понизила соответствие роли «разведчик» на 12 баллов.",
    ),
    (
        _push(3, 0),
        "Introversion (85% sure) raised the expected fit for farmer (client manager) by 3 points.",
        "Интроверсия (уверенность 85%) повысила соответствие роли «фермер (клиентский "
        "менеджер)» на 3 балла.",
    ),
    (
        _push(0, 21),
        "Introversion (85% sure) lowered the expected fit for scout by 21 points.",
        "Интроверсия (уверенность 85%) понизила соответствие роли «разведчик» на 21 балл.",
    ),
    (
        _borderline(still_best=True),
        "Extraversion / introversion is borderline (60% introversion); with extraversion the "
        "best fit would still be farmer (client manager).",
        "Дихотомия «Экстраверсия / интроверсия» на границе (60% — интроверсия); при полюсе "
        "«экстраверсия» лучшей всё равно осталась бы роль «фермер (клиентский менеджер)».",
    ),
    (
        _borderline(still_best=False),
        "Extraversion / introversion is borderline (60% introversion); with extraversion the "
        "best fit would be hunter instead.",
        "Дихотомия «Экстраверсия / интроверсия» на границе (60% — интроверсия); при полюсе "
        "«экстраверсия» лучшей была бы роль «охотник».",
    ),
    (
        UniversalTarget(hunter_fit=60, farmer_fit=90),
        "The vacancy combines hunting and farming: expected fit 60 for hunter and 90 for "
        "farmer (client manager).",
        "Вакансия совмещает поиск и ведение клиентов: ожидаемое соответствие 60 для роли "
        "«охотник» и 90 для роли «фермер (клиентский менеджер)».",
    ),
    (
        TargetFit(role="farmer", fit=25, rank=4, of=5, placement=None),
        "The vacancy's role, farmer (client manager): expected fit 25 of 100, rank 4 of 5.",
        "Роль вакансии — «фермер (клиентский менеджер)»: ожидаемое соответствие 25 из 100, "
        "место 4 из 5.",
    ),
    (
        TargetFit(role="hunter", fit=85, rank=2, of=5, placement="hunter"),
        "The vacancy is for hunter (active sales); of its roles hunter fits best: expected fit "
        "85 of 100, rank 2 of 5.",
        "Вакансия — «охотник (активные продажи)»; из её ролей лучше всего подходит «охотник»: "
        "ожидаемое соответствие 85 из 100, место 2 из 5.",
    ),
    (
        ExtraversionDisagrees(
            socionics_extravert=True,
            p_socionics=0.9,
            questionnaire_extravert=False,
            p_questionnaire=0.8,
        ),
        "The two questionnaires disagree on extraversion: the socionics one says extravert "
        "(90%), the introversion/extraversion one says introvert (80%). Check this in the "
        "interview before relying on the recommendation.",
        "Два опросника расходятся в оценке экстраверсии: соционический показывает экстраверта "
        "(90%), опросник интроверсии/экстраверсии — интроверта (80%). Проверьте это на "
        "собеседовании, прежде чем опираться на рекомендацию.",
    ),
    (
        UniversalWarning(p_ese=0.66),
        "The book warns that a universal manager who both wins and keeps clients is a mistake: "
        "either new sales or repeat sales suffer. The one exception is the Enthusiast (ESE); "
        "this candidate is an Enthusiast with probability 65%.",
        "Книга предупреждает: универсальный менеджер, который и привлекает, и ведёт клиентов, "
        "— ошибка, страдают либо новые продажи, либо повторные. Исключение — Энтузиаст (ЭСЭ); "
        "вероятность, что кандидат — Энтузиаст: 65%.",
    ),
]


def test_every_kind_of_reason_has_a_sentence_here() -> None:
    assert {type(reason) for reason, _en, _ru in SENTENCES} == set(REASON_KINDS)


@pytest.mark.parametrize(("reason", "en", "ru"), SENTENCES)
def test_every_reason_reads_as_before_in_both_languages(reason: Reason, en: str, ru: str) -> None:
    assert reason_text(reason, "en") == en
    assert reason_text(reason, "ru") == ru
    assert not CYRILLIC.search(en) and "%(" not in en and "%(" not in ru


@pytest.mark.parametrize(
    ("n", "en", "ru"),
    [
        (1, "1 point", "1 балл"),
        (2, "2 points", "2 балла"),
        (5, "5 points", "5 баллов"),
        (11, "11 points", "11 баллов"),
        (12, "12 points", "12 баллов"),
        (21, "21 points", "21 балл"),
        (22, "22 points", "22 балла"),
    ],
)
def test_points_take_the_russian_plural_of_the_number(n: int, en: str, ru: str) -> None:
    assert f"{en} ahead of hunter." in reason_text(_best(n), "en")
    assert f"на {ru} выше" in reason_text(_best(n), "ru")
    both = _push(n, n)
    assert f"by {en} and lowered it for scout by {en}." in reason_text(both, "en")
    assert reason_text(both, "ru").endswith(f"на {ru}.")


def test_a_fit_record_stored_with_its_sentences_still_reads() -> None:
    """Records of release 0.1.0 hold the sentences as text: the reasons come from the stored
    numbers, in today's words, and the best fit reads as it was stored."""
    records = json.loads(RELEASE.read_text(encoding="utf-8"))["tables"]["fit_records"]
    assert records
    for row in records:
        data = row["data"] if isinstance(row["data"], dict) else json.loads(row["data"])
        assert "explanation" in data
        rec = Recommendation.model_validate(data)
        for language in ("en", "ru"):
            sentences = explanation(rec, language)
            assert sentences[0] == data["explanation"][0][language]
            assert all(s.endswith(".") and "%(" not in s for s in sentences)
            assert [bool(CYRILLIC.search(s)) for s in sentences] == [language == "ru"] * len(
                sentences
            )
