"""New questionnaire versions in a running product: results scored with an older version keep
it and read the same, and a candidate who started on an older version finishes on the current
one (introversion_extraversion: 1.0.0, then 2.0.0 rewrote items, then 2.1.0 added a check)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app import cli
from app.candidate.service import save_answers
from app.db import utcnow
from app.invitations.invite import Person
from app.invitations.service import create_invitation
from app.models import Answer, Invitation, Result
from app.reports.build import build_report
from questionnaires.engine import score
from questionnaires.loader import questionnaire_version
from tests.factories import answers_for, ie_questionnaire, make_vacancy
from tests.webflow import QID, answer_everything, consent, token_of


def invite(db: Session, settings) -> tuple[Invitation, str]:
    invitation, link = create_invitation(
        db,
        settings=settings,
        vacancy=make_vacancy(db),
        invitee=Person("Anna", email="anna@example.com", language="en"),
        created_by=None,
    )
    db.commit()
    return invitation, token_of(link)


def test_a_candidate_who_answered_1_0_0_is_asked_the_new_items_and_scored_on_the_current(
    client: TestClient, db: Session, settings
) -> None:
    invitation, token = invite(db, settings)
    consent(client, token)
    old = questionnaire_version(QID, "1.0.0")
    old_answers = answers_for(old, extravert=True)
    # Every 1.0.0 item answered before the upgrade; ie04 and ie08 were gone from 2.0.0 on.
    save_answers(db, invitation=invitation, questionnaire_id=QID, answers=old_answers, now=utcnow())
    db.commit()
    current = ie_questionnaire()
    assert {"ie04", "ie08"} <= set(old_answers) - {i.id for i in current.items}

    # The flow sends them back to the first page that holds a new (unanswered) item.
    r = client.get(f"/a/{token}/next", follow_redirects=False)
    assert r.headers["location"] == f"/a/{token}/q/{QID}/1"
    answers = answers_for(current, extravert=True) | {
        i: v for i, v in old_answers.items() if i in {item.id for item in current.items}
    }
    answer_everything(client, token, answers)

    db.expire_all()
    row = db.exec(select(Result).where(Result.invitation_id == invitation.id)).one()
    assert row.questionnaire_version == current.version == "2.1.0"
    expected = score(current, answers)
    assert row.data["scales"]["extraversion"]["raw"] == expected.scales["extraversion"].raw
    # The old answers stay stored (the candidate's data), unscored.
    kept = db.exec(select(Answer.item_id).where(Answer.invitation_id == invitation.id)).all()
    assert {"ie04", "ie08"} <= set(kept)


def test_a_result_scored_with_1_0_0_reads_the_same_after_the_upgrade(db: Session, settings) -> None:
    invitation, _ = invite(db, settings)
    old = questionnaire_version(QID, "1.0.0")
    stored = score(old, answers_for(old, extravert=False))
    now = utcnow()
    db.add(
        Result(
            invitation_id=invitation.id,
            questionnaire_id=QID,
            questionnaire_version="1.0.0",
            data=stored.model_dump(mode="json"),
            seconds_taken=420,
            quality_level=stored.quality.level,
            created_at=now,
        )
    )
    invitation.started_at = invitation.completed_at = now
    db.add(invitation)
    db.commit()
    assert invitation.id is not None

    report = build_report(db, invitation_id=invitation.id, language="en")
    assert [(t.id, t.version) for t in report.questionnaires] == [(QID, "1.0.0")]
    ei = stored.dichotomies["EI"]
    assert report.extraversion is not None
    assert report.extraversion.raw == stored.scales["extraversion"].raw
    assert (report.extraversion.pole, report.extraversion.p_high) == (ei.pole, ei.p_high)


def test_a_candidate_who_answered_2_0_0_is_asked_only_the_new_attention_check(
    client: TestClient, db: Session, settings
) -> None:
    invitation, token = invite(db, settings)
    consent(client, token)
    old = questionnaire_version(QID, "2.0.0")
    old_answers = answers_for(old, extravert=True)
    save_answers(db, invitation=invitation, questionnaire_id=QID, answers=old_answers, now=utcnow())
    db.commit()
    current = ie_questionnaire()
    assert {i.id for i in current.items} - set(old_answers) == {"ie_ac3"}

    # Sent to the page that holds the new check; finishing scores on 2.1.0, the same answers
    # to the scored items giving the same score as on 2.0.0.
    last = len(current.pages())
    assert "ie_ac3" in current.pages()[last - 1]
    r = client.get(f"/a/{token}/next", follow_redirects=False)
    assert r.headers["location"] == f"/a/{token}/q/{QID}/{last}"
    answers = old_answers | {"ie_ac3": 2}
    answer_everything(client, token, answers)

    db.expire_all()
    row = db.exec(select(Result).where(Result.invitation_id == invitation.id)).one()
    assert row.questionnaire_version == "2.1.0"
    # (The test client answers in no time: "too fast" is expected, a failed check is not.)
    assert "attention_failed" not in {f["code"] for f in row.data["quality"]["flags"]}
    before = score(old, old_answers)
    assert row.data["scales"]["extraversion"]["raw"] == before.scales["extraversion"].raw
    assert row.data["dichotomies"]["EI"]["p_high"] == before.dichotomies["EI"].p_high


def test_serving_works_out_the_same_scoring_versions_at_start_up() -> None:
    """``rolefit serve`` calls ``scoring.warm_up``: the first finish would otherwise read the
    archived questionnaire files inside the candidates' writer (bench/load)."""
    from app.scoring import service as scoring
    from questionnaires.loader import product_questionnaires, same_scoring_versions

    catalog = product_questionnaires()
    same_scoring_versions.cache_clear()
    scoring.warm_up(catalog)
    info = same_scoring_versions.cache_info()
    assert info.currsize == len(catalog)
    for q in catalog.values():
        assert q.version in same_scoring_versions(q.id, q.version)
    assert same_scoring_versions.cache_info().misses == info.misses  # all answered from cache
    assert "scoring.warm_up(questionnaires)" in Path(cli.__file__).read_text()
