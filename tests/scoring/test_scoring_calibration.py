"""Calibration from stored responses: the prior until a scale has 200 complete responses, the
sample from then on; each result records which it used. Also the statistics (page and CLI)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.candidate.service import save_answers, submit
from app.cli import main
from app.db import utcnow
from app.invitations.invite import invite_candidate
from app.scoring.service import calibration_for, clear_calibration_cache
from app.stats.service import norm_samples, questionnaire_statistics
from questionnaires.engine import item_gain
from questionnaires.loader import questionnaire_version
from questionnaires.psychometrics import MIN_SAMPLE
from questionnaires.result import Result as EngineResult
from questionnaires.schema import Questionnaire
from tests.factories import make_user, make_vacancy
from tests.fitflow import IE, questionnaire
from tests.htmlq import parse
from tests.webflow import STAFF_PASSWORD, login


def synthetic_answers(rng: random.Random, q: Questionnaire | None = None) -> dict[str, int]:
    """One respondent with a latent trait: every item leans the same way, with noise."""
    q = q or questionnaire(IE)
    theta = rng.gauss(0, 1)
    answers = {}
    for item in q.items:
        if item.attention_check is not None:
            answers[item.id] = item.attention_check.expected
            continue
        gains = item_gain(q, item, "extraversion")
        keyed = min(max(round(3 + 1.1 * theta + rng.gauss(0, 0.9)), 1), 5)
        answers[item.id] = keyed if gains[0] < gains[-1] else 6 - keyed
    return answers


def store(
    db: Session, settings, *, n: int, seed: int = 7, q: Questionnaire | None = None
) -> list[EngineResult]:
    """``n`` candidates' answer sets saved and submitted through the candidate service (with the
    current extraversion questionnaire, or ``q``: an archived version, as results stored before
    an upgrade were)."""
    rng = random.Random(seed)
    vacancy = make_vacancy(db)
    q = q or questionnaire(IE)
    out = []
    for i in range(n):
        new = invite_candidate(
            db, settings=settings, vacancy=vacancy, name=f"C{i}", language="ru" if i % 3 else "en"
        )
        now = utcnow()
        save_answers(
            db,
            invitation=new.invitation,
            questionnaire_id=IE,
            answers=synthetic_answers(rng, q),
            now=now,
        )
        sub = submit(db, invitation=new.invitation, q=q, now=now)
        assert sub.result is not None
        out.append(sub.result)
    db.commit()
    return out


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_calibration_cache()
    yield
    clear_calibration_cache()


def test_calibration_switches_from_the_prior_to_the_sample_at_200_results(
    db: Session, settings
) -> None:
    results = store(db, settings, n=MIN_SAMPLE + 1)
    # The 200th result was scored with 199 stored: the prior.
    before = results[MIN_SAMPLE - 1].dichotomies["EI"].calibration
    assert before is not None and before.source == "prior" and before.n == 0
    # The 201st with 200 stored: the sample.
    after = results[MIN_SAMPLE].dichotomies["EI"].calibration
    assert after is not None and after.source == "sample" and after.n == MIN_SAMPLE
    assert 0 < after.reliability < 1


def test_the_cached_calibration_is_reused_until_enough_new_results(db: Session, settings) -> None:
    store(db, settings, n=MIN_SAMPLE)
    q = questionnaire(IE)
    first = calibration_for(db, q=q)
    assert first is not None and first["extraversion"].n == MIN_SAMPLE
    store(db, settings, n=5, seed=8)
    assert calibration_for(db, q=q) is first  # 5 new results: not worth a recomputation
    store(db, settings, n=45, seed=9)  # 250 stored: 50 more than the cached 200
    again = calibration_for(db, q=q)
    assert again is not None and again["extraversion"].n == MIN_SAMPLE + 50


def test_results_of_a_version_that_scores_the_same_count_towards_the_sample(
    db: Session, settings
) -> None:
    # introversion_extraversion 2.1.0 only added an attention check to 2.0.0: the 200 results
    # stored with 2.0.0 before the upgrade calibrate the first result scored with 2.1.0.
    old = questionnaire_version(IE, "2.0.0")
    stored = store(db, settings, n=MIN_SAMPLE, q=old)
    assert {r.questionnaire_version for r in stored} == {"2.0.0"}
    [first] = store(db, settings, n=1, seed=8)
    assert first.questionnaire_version == questionnaire(IE).version == "2.1.0"
    calibration = first.dichotomies["EI"].calibration
    assert calibration is not None and calibration.source == "sample"
    assert calibration.n == MIN_SAMPLE
    # The norms a report compares with hold both versions' results, whichever version it reads.
    for version in ("2.0.0", "2.1.0"):
        samples = norm_samples(db, questionnaire_id=IE, version=version, language="ru")
        # store() answers in Russian unless i % 3 == 0; the one 2.1.0 result (i = 0) in English
        assert len(samples["extraversion"]) == sum(1 for i in range(MIN_SAMPLE) if i % 3)
    # The statistics (page and rolefit stats) pool them too, and say so.
    [stats] = questionnaire_statistics(db, catalog={IE: questionnaire(IE)})
    assert (stats.versions, stats.results) == (("2.0.0", "2.1.0"), MIN_SAMPLE + 1)


def test_results_of_a_version_that_scores_differently_do_not(db: Session, settings) -> None:
    # 1.0.0 had other items: its results say nothing about 2.1.0's scale.
    store(db, settings, n=MIN_SAMPLE, q=questionnaire_version(IE, "1.0.0"))
    [first] = store(db, settings, n=1, seed=8)
    calibration = first.dichotomies["EI"].calibration
    assert calibration is not None and calibration.source == "prior"
    assert norm_samples(db, questionnaire_id=IE, version="2.1.0", language="ru") == {}


def test_rolefit_stats_prints_alpha(
    db: Session,
    settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database_url: str,
    capsys,
) -> None:
    store(db, settings, n=40)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "alpha" in out and "95% CI (Feldt)" in out
    row = next(
        line
        for line in out.splitlines()
        if line.startswith("introversion_extraversion") and " all " in line
    )
    alpha = float(row.split()[8])
    assert 0.5 < alpha < 1


def test_the_admin_stats_page_shows_alpha_with_its_interval_and_item_total(
    client: TestClient, db: Session, settings
) -> None:
    store(db, settings, n=40)
    admin = make_user(db, email="admin@example.com", password=STAFF_PASSWORD, role="admin")
    login(client, admin.email, STAFF_PASSWORD)
    r = client.get("/admin/stats")
    assert r.status_code == 200
    page = parse(r.text)
    table = page.one("table", **{"data-questionnaire": IE})
    row = table.one("tr", **{"data-scale": "extraversion", "data-language": "all"})
    assert 0.5 < float(row.one("td", class_="alpha").text) < 1
    low, high = (float(x) for x in row.one("td", class_="alpha-ci").text.split("–"))
    assert low < float(row.one("td", class_="alpha").text) < high
    assert table.find_all("tr", **{"data-language": "ru"})  # per language too
    details = page.one("details", **{"data-scale": "extraversion"})
    assert len(details.find_all("tr")) > 10


def test_the_stats_page_is_for_admins_only(staff: TestClient) -> None:
    assert staff.get("/admin/stats").status_code == 403


def correlated_socionics_answers(rng: random.Random) -> dict[str, int]:
    """A socionics respondent whose extraversion and intuition traits correlate (0.6)."""
    from tests.fitflow import SOC

    q = questionnaire(SOC)
    e = rng.gauss(0, 1)
    theta = {
        "extraversion_s": e,
        "intuition": 0.6 * e + 0.8 * rng.gauss(0, 1),
        "logic": rng.gauss(0, 1),
        "rationality": rng.gauss(0, 1),
    }
    answers = {}
    for item in q.items:
        if item.attention_check is not None:
            answers[item.id] = item.attention_check.expected
            continue
        for scale, t in theta.items():
            gains = item_gain(q, item, scale)
            if gains and max(gains) > min(gains):
                order = sorted(range(len(gains)), key=lambda i: gains[i])  # low pole first
                level = min(
                    max(round((len(gains) - 1) / 2 + 1.2 * t + rng.gauss(0, 0.9)), 0),
                    len(gains) - 1,
                )
                answers[item.id] = order[level] + 1
                break
        else:
            answers[item.id] = 1
    return answers


def test_type_probabilities_use_the_trait_correlation_of_stored_responses_once_there_are_200(
    db: Session, settings
) -> None:
    from app.models import FitRecord
    from app.scoring.service import correlation_for, type_result_of
    from questionnaires.selfknowledge import self_knowledge
    from socionics.recommend import type_result
    from tests.fitflow import SOC

    rng = random.Random(11)
    vacancy = make_vacancy(db)
    vacancy.questionnaire_ids = [SOC]
    db.add(vacancy)
    db.commit()
    q = questionnaire(SOC)
    results, invitations = [], []
    for i in range(MIN_SAMPLE + 1):
        new = invite_candidate(db, settings=settings, vacancy=vacancy, name=f"S{i}", language="ru")
        now = utcnow()
        answers = correlated_socionics_answers(rng)
        save_answers(db, invitation=new.invitation, questionnaire_id=SOC, answers=answers, now=now)
        sub = submit(db, invitation=new.invitation, q=q, now=now)
        assert sub.result is not None
        results.append(sub.result)
        invitations.append(new.invitation)
    db.commit()
    # Below 200 stored results: no correlation, the letters' self-descriptions independent.
    assert results[MIN_SAMPLE - 1].self_view_correlation is None
    latent = correlation_for(db, q=q)
    assert latent is not None and latent["extraversion_s"]["intuition"] > 0.3
    last = results[MIN_SAMPLE]
    corr = last.self_view_correlation
    assert corr is not None and 0 < corr["EI"]["SN"] < latent["extraversion_s"]["intuition"]
    # Every surface takes the type from one function, which uses the stored correlation.
    order = ["EI", "SN", "LF", "RI"]
    poles = {d: last.dichotomies[d].p_high for d in order}
    want = type_result(
        poles,
        correlation=[[corr[a][b] for b in order] for a in order],
        unaware_share=self_knowledge().unaware_share,
    )
    got = type_result_of(last)
    assert got is not None and got.probabilities == want.probabilities
    independent = type_result(poles, unaware_share=self_knowledge().unaware_share)
    assert got.probabilities != independent.probabilities
    record = db.exec(
        select(FitRecord).where(FitRecord.invitation_id == invitations[MIN_SAMPLE].id)
    ).one()
    assert record.type_probability == pytest.approx(got.probability)
