"""The report names the self-knowledge in force for the socionics letters: learned from N of
the installation's own candidates' self-descriptions, or not yet (questionnaires/README.md,
"Uncertainty")."""

from __future__ import annotations

from app.i18n import translations
from app.reports.build import _learned_from
from questionnaires.engine import score
from questionnaires.selfknowledge import Learned
from tests.fitflow import SOC, questionnaire, socionics_answers

LEARNED_SENTENCE = (
    "Here the letters’ percentages use what was learned from %(num)s of your own candidates’ "
    "descriptions of themselves (the optional last questions of the questionnaire), as in that "
    "check."
)


def test_learned_from_needs_all_four_letters_learned_and_names_the_fewest():
    q = questionnaire(SOC)
    answers = socionics_answers("ILE")
    assert _learned_from(score(q, answers)) is None  # a new installation: shipped values
    assert _learned_from(None) is None
    own = {
        d.id: Learned(tau=0.5, beta=0.1, base=0.5, n=200 + 10 * k)
        for k, d in enumerate(q.dichotomies)
    }
    assert _learned_from(score(q, answers, learned=own)) == 200
    del own["RI"]
    assert _learned_from(score(q, answers, learned=own)) is None


def test_the_learned_sentence_reads_right_in_russian_for_every_count():
    ru = translations("ru")
    assert "описал себя 201 ваш собственный кандидат" in ru.ngettext(
        LEARNED_SENTENCE, LEARNED_SENTENCE, 201
    ) % {"num": 201}
    assert "описали себя 203 ваших собственных кандидата" in ru.ngettext(
        LEARNED_SENTENCE, LEARNED_SENTENCE, 203
    ) % {"num": 203}
    assert "описали себя 250 ваших собственных кандидатов" in ru.ngettext(
        LEARNED_SENTENCE, LEARNED_SENTENCE, 250
    ) % {"num": 250}
