"""The fit report end to end: a candidate answers both questionnaires through the web flow and
staff read the type, the ranked roles, the explanation, the warnings and the checklist."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import ChecklistAnswer, FitRecord, Vacancy
from app.reports.build import build_report
from tests.factories import make_invitation, make_vacancy
from tests.fitflow import IE, SOC, answer_questionnaire, finish, ie_answers, socionics_answers
from tests.htmlq import csrf_of, parse
from tests.webflow import consent, token_of


def both_vacancy(db: Session, *, placement: str = "farmer") -> Vacancy:
    vacancy = make_vacancy(db, placement=placement)
    vacancy.questionnaire_ids = [IE, SOC]
    db.add(vacancy)
    db.commit()
    return vacancy


def complete(
    client: TestClient,
    db: Session,
    settings,
    *,
    type_code: str,
    extravert: bool | None = None,
    placement: str = "farmer",
) -> int:
    """A candidate of ``type_code`` answers socionics (and the IE questionnaire when
    ``extravert`` is given) through the candidate's pages; returns the invitation id."""
    vacancy = both_vacancy(db, placement=placement)
    if extravert is None:
        vacancy.questionnaire_ids = [SOC]
        db.add(vacancy)
        db.commit()
    new = make_invitation(db, settings, vacancy=vacancy)
    token = token_of(new.link)
    consent(client, token)
    if extravert is not None:
        answer_questionnaire(client, token, IE, ie_answers(extravert=extravert))
    answer_questionnaire(client, token, SOC, socionics_answers(type_code))
    finish(client, token)
    assert new.invitation.id is not None
    return new.invitation.id


def test_a_candidate_who_answers_both_gets_type_roles_explanation_and_checklist(
    staff: TestClient, db: Session, settings
) -> None:
    invitation_id = complete(staff, db, settings, type_code="ESI", extravert=False)
    record = db.exec(select(FitRecord).where(FitRecord.invitation_id == invitation_id)).one()
    assert record.type_code == "ESI"
    assert record.placement == "farmer"

    r = staff.get(f"/invitations/{invitation_id}/report")
    assert r.status_code == 200
    page = parse(r.text)
    assert page.one(id="type-code").text.startswith("ESI")
    assert page.one("strong", **{"data-placement": "farmer"})
    rows = page.one("table", id="roles").find_all("tr", **{"data-role": "farmer"})
    assert rows and rows[0].find_all("td")[0].text == "1"  # ranked first, with its margin
    assert rows[0].find_all("td")[3].text.startswith("+")
    assert len(page.one(id="explanation").find_all("li")) >= 2
    assert page.one("section", id="checklist")
    assert len(page.one("section", id="checklist").find_all("fieldset")) == 7
    assert page.one(id="matrix-version").get("data-matrix-version") == str(record.matrix_version_id)
    assert page.one(id="disclaimer")
    assert len(page.find_all("figure", class_="chart")) == 4
    assert not page.find_all(id="ei-disagreement")


def test_the_checklist_is_stored_with_the_candidate(
    staff: TestClient, db: Session, settings, staff_user
) -> None:
    invitation_id = complete(staff, db, settings, type_code="SEI")
    page = staff.get(f"/invitations/{invitation_id}/report")
    r = staff.post(
        f"/invitations/{invitation_id}/checklist",
        data={
            "csrf_token": csrf_of(page.text),
            "checked-listener": "yes",
            "comment-listener": "Let me finish every question.",
            "comment-introverted": "Quiet at first.",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    rows = {a.trait_id: a for a in db.exec(select(ChecklistAnswer)).all()}
    assert rows["listener"].checked and rows["listener"].comment == "Let me finish every question."
    assert not rows["introverted"].checked and rows["introverted"].author_id == staff_user.id
    report = build_report(db, invitation_id=invitation_id, language="en")
    listener = next(i for i in report.checklist if i.trait_id == "listener")
    assert listener.checked and listener.author == staff_user.email


def test_a_too_long_comment_is_refused_and_the_form_keeps_what_was_typed(
    staff: TestClient, db: Session, settings
) -> None:
    invitation_id = complete(staff, db, settings, type_code="ESI")
    page = staff.get(f"/invitations/{invitation_id}/report")
    r = staff.post(
        f"/invitations/{invitation_id}/checklist",
        data={
            "csrf_token": csrf_of(page.text),
            "checked-listener": "yes",
            "comment-listener": "x" * 2001,
            "comment-introverted": "kept",
        },
    )
    assert r.status_code == 422
    form = parse(r.text)
    assert form.one("textarea", id="comment-introverted").text == "kept"
    assert form.one("textarea", id="comment-listener").get("aria-invalid") == "true"
    assert form.one("input", id="checked-listener").get("checked") is not None
    assert db.exec(select(ChecklistAnswer)).all() == []


def test_the_checklist_needs_a_csrf_token(staff: TestClient, db: Session, settings) -> None:
    invitation_id = complete(staff, db, settings, type_code="ESI")
    r = staff.post(f"/invitations/{invitation_id}/checklist", data={"checked-listener": "yes"})
    assert r.status_code in (400, 403)
    assert db.exec(select(ChecklistAnswer)).all() == []


def test_a_universal_vacancy_warns_for_a_non_enthusiast(
    staff: TestClient, db: Session, settings
) -> None:
    invitation_id = complete(staff, db, settings, type_code="LIE", placement="universal")
    page = parse(staff.get(f"/invitations/{invitation_id}/report").text)
    assert page.find_all(id="universal-warning")
    assert not page.find_all("section", id="checklist")  # farmer does not rank high for LIE


def test_a_universal_vacancy_does_not_warn_for_a_clear_enthusiast(
    staff: TestClient, db: Session, settings
) -> None:
    invitation_id = complete(staff, db, settings, type_code="ESE", placement="universal")
    page = parse(staff.get(f"/invitations/{invitation_id}/report").text)
    assert page.one(id="type-code").text.startswith("ESE")
    assert not page.find_all(id="universal-warning")


def test_the_two_extraversion_measures_disagreeing_is_flagged(
    staff: TestClient, db: Session, settings
) -> None:
    # Socionics says extravert (ESE); the introversion/extraversion questionnaire, introvert.
    invitation_id = complete(staff, db, settings, type_code="ESE", extravert=False)
    page = parse(staff.get(f"/invitations/{invitation_id}/report").text)
    assert page.find_all(id="ei-disagreement")


def test_an_extraversion_only_report_says_a_placement_needs_socionics(
    staff: TestClient, db: Session, settings
) -> None:
    vacancy = make_vacancy(db)  # the model's default: the extraversion questionnaire only
    new = make_invitation(db, settings, vacancy=vacancy)
    token = token_of(new.link)
    consent(staff, token)
    answer_questionnaire(staff, token, IE, ie_answers(extravert=True))
    finish(staff, token)
    r = staff.get(f"/invitations/{new.invitation.id}/report")
    assert r.status_code == 200
    page = parse(r.text)
    assert page.find_all(id="needs-socionics")
    assert page.one(id="extraversion")
    assert len(page.find_all("figure", class_="chart")) == 1  # the gauge
    assert db.exec(select(FitRecord)).all() == []


def test_the_report_speaks_the_staff_language(staff: TestClient, db: Session, settings) -> None:
    invitation_id = complete(staff, db, settings, type_code="ESI")
    page = parse(staff.get(f"/invitations/{invitation_id}/report?lang=ru").text)
    assert "Рекомендуемое" in page.one(id="answer").text
    assert page.one(id="explanation").text != ""


def test_unusable_answers_show_the_retake_first_and_the_scores_only_when_asked(
    staff: TestClient, db: Session, settings
) -> None:
    from app.models import Result

    invitation_id = complete(staff, db, settings, type_code="ESI", extravert=False)
    results = db.exec(select(Result).where(Result.invitation_id == invitation_id)).all()
    for level, warned in (("unusable", True), ("good", False)):
        for r in results:
            r.quality_level = level
            db.add(r)
        db.commit()
        text = staff.get(f"/invitations/{invitation_id}/report").text
        page = parse(text)
        assert bool(page.find_all(id="unusable-warning")) is warned, level
        if warned:
            # The reason and the next step first; the scores only behind "show them anyway",
            # and no placement anywhere on the page.
            retake = page.one(id="unusable-warning")
            assert "ask for a retake" in retake.text and "Next step" in retake.text
            folded = page.one("details", id="scores-anyway")
            assert folded.one("summary").text == "Show the scores anyway"
            assert folded.one("section", id="answer")
            assert text.index('id="unusable-warning"') < text.index('id="scores-anyway"')
            assert not page.find_all("strong", **{"data-placement": "farmer"})
        else:
            assert page.one("strong", **{"data-placement": "farmer"})
            assert not page.find_all("details", id="scores-anyway")


def test_the_time_taken_is_shown_only_when_it_was_measured(
    staff: TestClient, db: Session, settings
) -> None:
    from app.models import Result

    invitation_id = complete(staff, db, settings, type_code="ESI", extravert=False)
    results = db.exec(select(Result).where(Result.invitation_id == invitation_id)).all()
    for seconds, shown in ((125, "2 min 5 s"), (0, None)):
        for r in results:
            r.seconds_taken = seconds
            db.add(r)
        db.commit()
        page = parse(staff.get(f"/invitations/{invitation_id}/report?lang=en").text)
        versions = page.one(id="versions").text
        assert (shown in versions) if shown else (" min " not in versions), versions
