"""A vacancy's new placement re-computes its finished candidates' fit for it (issue 15: the
vacancy is edited on its page or through the API), with the matrix each record was made with."""

from __future__ import annotations

from sqlmodel import Session, select

from app.candidate.service import finish, record_consent, save_answers
from app.config import Settings
from app.db import utcnow
from app.invitations.invite import invite_candidate
from app.models import FitRecord, Invitation
from app.staff.service import create_vacancy, update_vacancy
from questionnaires.loader import product_questionnaires
from tests.factories import ensure_organisation
from tests.fitflow import SOC, socionics_answers


def test_a_new_placement_refits_with_the_records_own_matrix(
    db: Session, settings: Settings
) -> None:
    ensure_organisation(db)
    vacancy = create_vacancy(
        db, title="Sales", placement="farmer", language="en", questionnaire_ids=[SOC]
    )
    new = invite_candidate(
        db, settings=settings, vacancy=vacancy, name="Ivan", email=None, language="en"
    )
    now = utcnow()
    record_consent(db, invitation=new.invitation, now=now)
    save_answers(
        db,
        invitation=new.invitation,
        questionnaire_id=SOC,
        answers=socionics_answers("LIE"),
        now=now,
    )
    finish(db, invitation=new.invitation, catalog=product_questionnaires(), now=now)
    db.commit()
    before = db.exec(select(FitRecord)).one()
    old_fit, old_version = before.target_fit, before.matrix_version_id
    old_data = dict(before.data)

    assert update_vacancy(db, vacancy=vacancy, placement="hunter") == ["placement"]
    db.commit()
    db.expire_all()
    after = db.exec(select(FitRecord)).one()
    roles = {r["role"]: r["expected_fit"] for r in after.data["roles"]}
    assert after.matrix_version_id == old_version
    assert after.target_fit == roles["hunter"] != old_fit
    assert old_data["target_roles"] != after.data["target_roles"]
    # The table's copied sort key follows.
    inv = db.get(Invitation, new.invitation.id)
    assert inv is not None and inv.sort_fit == after.target_fit
