"""The scoring service learns the self-knowledge lean from this installation's own stored
results with a self-description, from MIN_SELF_DESCRIPTIONS on, and not before."""

from __future__ import annotations

import random

import pytest
from sqlmodel import Session

from app.candidate.service import save_answers, submit
from app.db import utcnow
from app.invitations.invite import invite_candidate
from app.scoring.service import calibration_for, clear_calibration_cache, self_knowledge_for
from questionnaires.engine import score
from questionnaires.result import Result as EngineResult
from questionnaires.selfknowledge import MIN_SELF_DESCRIPTIONS
from questionnaires.simulate import leaning_answers, self_description_answers
from tests.factories import make_vacancy
from tests.fitflow import SOC, questionnaire


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_calibration_cache()
    yield
    clear_calibration_cache()


def store(db: Session, settings, *, n: int, seed: int, describe: bool = True) -> list[EngineResult]:
    """``n`` socionics results through the candidate service; each candidate (if ``describe``)
    also answers the self-description questions, this population saying N more often than its
    answers suggest."""
    rng = random.Random(seed)
    q = questionnaire(SOC)
    vacancy = make_vacancy(db)
    out = []
    for i in range(n):
        new = invite_candidate(db, settings=settings, vacancy=vacancy, name=f"S{i}", language="en")
        lean = {d.id: rng.random() < 0.5 for d in q.dichotomies}
        answers = leaning_answers(
            q, {d.scale: lean[d.id] for d in q.dichotomies}, rng=rng, consistency=0.7
        )
        if describe:
            answers |= self_description_answers(q, lean, rng=rng, towards_high={"SN": 0.4})
        now = utcnow()
        save_answers(db, invitation=new.invitation, questionnaire_id=SOC, answers=answers, now=now)
        sub = submit(db, invitation=new.invitation, q=q, now=now)
        assert sub.result is not None
        out.append(sub.result)
    db.commit()
    return out


def test_the_service_switches_to_learned_values_at_the_minimum_and_not_before(
    db: Session, settings
) -> None:
    results = store(db, settings, n=MIN_SELF_DESCRIPTIONS + 1, seed=11)
    # The 200th result was scored with 199 self-descriptions stored: shipped tau, no lean.
    before = results[MIN_SELF_DESCRIPTIONS - 1].dichotomies["SN"].self_knowledge
    assert before is not None and (before.source, before.lean, before.n) == ("shipped", 0.0, 0)
    # The 201st with 200: learned, and this population's lean towards N is found.
    after = results[MIN_SELF_DESCRIPTIONS].dichotomies["SN"]
    assert after.self_knowledge is not None and after.self_knowledge.source == "learned"
    assert after.self_knowledge.n == MIN_SELF_DESCRIPTIONS
    assert after.self_knowledge.lean > 0.3
    learned = self_knowledge_for(db, q=questionnaire(SOC))
    assert after.self_knowledge_sd == pytest.approx(learned["SN"].tau)


def test_a_learned_lean_towards_n_raises_p_n_for_the_same_answers(db: Session, settings) -> None:
    store(db, settings, n=MIN_SELF_DESCRIPTIONS, seed=12)
    q = questionnaire(SOC)
    learned = self_knowledge_for(db, q=q)
    assert learned["SN"].beta > 0.3
    rng = random.Random(1)
    for _ in range(5):
        lean = {d.scale: rng.random() < 0.5 for d in q.dichotomies}
        answers = leaning_answers(q, lean, rng=rng, consistency=0.6)
        shipped = score(q, answers).dichotomies["SN"].p_high
        own = score(q, answers, learned=learned).dichotomies["SN"].p_high
        assert shipped is not None and own is not None and own > shipped


def test_results_without_self_descriptions_teach_nothing(db: Session, settings) -> None:
    results = store(db, settings, n=MIN_SELF_DESCRIPTIONS + 1, seed=13, describe=False)
    assert self_knowledge_for(db, q=questionnaire(SOC)) == {}
    last = results[-1].dichotomies["SN"].self_knowledge
    assert last is not None and last.source == "shipped"


def test_stored_self_descriptions_do_not_change_the_stored_result(db: Session, settings) -> None:
    q = questionnaire(SOC)
    rng = random.Random(4)
    lean = {d.id: rng.random() < 0.5 for d in q.dichotomies}
    items = leaning_answers(q, {d.scale: lean[d.id] for d in q.dichotomies}, rng=rng)
    said = self_description_answers(q, lean, rng=rng)
    vacancy = make_vacancy(db)
    got = []
    for name, answers in (("with", {**items, **said}), ("without", items)):
        new = invite_candidate(db, settings=settings, vacancy=vacancy, name=name, language="ru")
        now = utcnow()
        save_answers(db, invitation=new.invitation, questionnaire_id=SOC, answers=answers, now=now)
        sub = submit(db, invitation=new.invitation, q=q, now=now)
        assert sub.result is not None and not sub.missing
        got.append(sub.result)
    assert got[0] == got[1]


def test_results_without_self_descriptions_do_not_recompute_every_time_and_the_switch_is_on_time(
    db: Session, settings
) -> None:
    q = questionnaire(SOC)
    store(db, settings, n=MIN_SELF_DESCRIPTIONS, seed=14, describe=False)
    cached = calibration_for(db, q=q)
    store(db, settings, n=1, seed=15, describe=False)
    assert calibration_for(db, q=q) is cached  # one more result without any: no re-reading
    results = store(db, settings, n=MIN_SELF_DESCRIPTIONS + 1, seed=16)
    before = results[MIN_SELF_DESCRIPTIONS - 1].dichotomies["SN"].self_knowledge
    assert before is not None and before.source == "shipped"
    after = results[MIN_SELF_DESCRIPTIONS].dichotomies["SN"].self_knowledge
    assert after is not None and after.source == "learned" and after.n == MIN_SELF_DESCRIPTIONS
