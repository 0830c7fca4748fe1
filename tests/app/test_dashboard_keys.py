"""The candidate table's copied sort keys stay in step with their sources (fit record,
results, current decision) through the real writers, and pages stay in order across the
boundary between candidates with a key and those without."""

from __future__ import annotations

from datetime import timedelta

from factories import make_invitation, make_user, make_vacancy
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from test_dashboard import _fit
from test_exports import complete, vacancy_with_both

from app.dashboard.keys import QUALITY_RANK
from app.dashboard.service import TableQuery, candidate_table
from app.db import utcnow
from app.decisions.service import record_decision
from app.models import FitRecord, Invitation
from app.privacy.service import erase_candidate


def keys(db: Session, invitation_id: int) -> tuple[object, ...]:
    db.expire_all()
    inv = db.get(Invitation, invitation_id)
    assert inv is not None
    return (inv.sort_placement, inv.sort_fit, inv.sort_quality, inv.sort_decision)


def test_scoring_decisions_and_erasure_keep_the_keys_in_step(
    staff: TestClient, db: Session, settings
) -> None:
    vacancy = vacancy_with_both(db)
    invitation_id = complete(staff, db, settings, vacancy, name="Анна")
    fit = db.exec(select(FitRecord).where(FitRecord.invitation_id == invitation_id)).one()
    expected = (fit.placement, fit.target_fit, QUALITY_RANK[fit.quality_level], None)
    assert fit.target_fit is not None  # the vacancy is for farmers: a target fit exists
    assert keys(db, invitation_id) == expected

    author = make_user(db, email="dora@example.com")
    invitation = db.get(Invitation, invitation_id)
    assert invitation is not None
    record_decision(db, invitation=invitation, author=author, decision="hold", note="")
    record_decision(db, invitation=invitation, author=author, decision="advance", note="")
    db.commit()
    assert keys(db, invitation_id) == (*expected[:3], "advance")

    erase_candidate(db, candidate_id=invitation.candidate_id, actor=author, reason="request")
    db.commit()
    # The anonymous scores stay; the decisions (notes are personal) go, and so does their key.
    assert keys(db, invitation_id) == (*expected[:3], None)


def test_pages_run_on_across_candidates_without_a_key(db: Session, settings) -> None:
    vacancy = make_vacancy(db)
    fits = [55.0, None, 80.0, None, 20.0, 80.0, None]
    ids = []
    for n, fit in enumerate(fits):
        new = make_invitation(db, settings, vacancy=vacancy, name=f"К{n}")
        assert new.invitation.id is not None
        ids.append(new.invitation.id)
        if fit is not None:
            new.invitation.completed_at = utcnow() - timedelta(minutes=n)
            db.add(new.invitation)
            db.commit()
            _fit(db, new.invitation.id, placement="farmer", fit=fit, quality="good")
    revoked = db.get(Invitation, ids[3])
    assert revoked is not None
    revoked.revoked_at = utcnow()
    db.add(revoked)
    db.commit()
    assert vacancy.id is not None
    now = utcnow()

    def pages(**params: str) -> list[int]:
        out: list[int] = []
        for page in (1, 2, 3):
            query = TableQuery.parse({**params, "page": str(page)})
            result = candidate_table(db, vacancy_id=vacancy.id, query=query, now=now, page_size=3)
            assert result.total == 7 and result.pages == 3
            out += [r.invitation_id for r in result.rows]
        return out

    # Highest fit first, ties newest first, then the ones without a fit, newest first.
    assert pages(sort="fit") == [ids[5], ids[2], ids[0], ids[4], ids[6], ids[3], ids[1]]
    assert pages(sort="fit", dir="asc") == [ids[4], ids[0], ids[2], ids[5], ids[1], ids[3], ids[6]]
    # Statuses in the order of their codes: completed, expired, invited, revoked, started.
    by_status = pages(sort="status", dir="asc")
    assert by_status == [ids[0], ids[2], ids[4], ids[5], ids[1], ids[6], ids[3]]
    assert pages(sort="status") == [ids[3], ids[6], ids[1], ids[5], ids[4], ids[2], ids[0]]
