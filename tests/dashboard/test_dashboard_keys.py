"""The candidate table's copied sort keys stay in step with their sources (candidate's name,
fit record, results, current decision) through the real writers, and pages stay in order
across the boundary between candidates with a key and those without."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.api.keys import create_api_key
from app.dashboard.service import TableQuery, candidate_table
from app.db import utcnow
from app.decisions.service import record_decision
from app.invitations.keys import QUALITY_RANK
from app.invitations.service import set_open_link
from app.models import Candidate, FitRecord, Invitation
from app.privacy.service import ERASED_NAME, apply_retention, erase_candidate
from tests.dashboard.test_dashboard import _fit
from tests.exports.test_exports import complete, vacancy_with_both
from tests.factories import make_invitation, make_user, make_vacancy
from tests.htmlq import csrf_of
from tests.webflow import import_csv


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

    def pages(size: int = 3, **params: str) -> list[int]:
        out: list[int] = []
        count = -(-7 // size)
        for page in range(1, count + 1):
            query = TableQuery.parse({**params, "page": str(page)})
            result = candidate_table(
                db, vacancy_id=vacancy.id, query=query, now=now, page_size=size
            )
            assert result.total == 7 and result.pages == count
            out += [r.invitation_id for r in result.rows]
        return out

    # Highest fit first, ties newest first, then the ones without a fit, newest first.
    by_fit = [ids[5], ids[2], ids[0], ids[4], ids[6], ids[3], ids[1]]
    # Pages of 3 cross the boundary inside a page; pages of 2 and 4 start right at it.
    assert pages(sort="fit") == pages(2, sort="fit") == pages(4, sort="fit") == by_fit
    assert pages(sort="fit", dir="asc") == [ids[4], ids[0], ids[2], ids[5], ids[1], ids[3], ids[6]]
    # Statuses in the order of their codes: completed, expired, invited, revoked, started.
    by_status = pages(sort="status", dir="asc")
    assert by_status == [ids[0], ids[2], ids[4], ids[5], ids[1], ids[6], ids[3]]
    assert pages(sort="status") == [ids[3], ids[6], ids[1], ids[5], ids[4], ids[2], ids[0]]


def stale_names(db: Session) -> list[tuple[object, ...]]:
    """Invitations whose copied name is not their candidate's name."""
    db.expire_all()
    rows = db.exec(
        select(Invitation.id, Invitation.sort_name, Candidate.name).join(
            Candidate, col(Candidate.id) == col(Invitation.candidate_id)
        )
    ).all()
    return [tuple(r) for r in rows if r[1] != r[2]]


def test_the_name_key_follows_every_way_a_name_is_typed_and_erased(
    app: FastAPI, staff: TestClient, db: Session, settings
) -> None:
    vacancy = make_vacancy(db)
    assert vacancy.id is not None
    # The staff form.
    csrf = csrf_of(staff.get(f"/vacancies/{vacancy.id}").text)
    data = {"name": "Борис", "email": "", "language": "en", "csrf_token": csrf}
    assert staff.post(f"/vacancies/{vacancy.id}/invitations", data=data).status_code == 200
    # The CSV import.
    r = import_csv(staff, vacancy.id, "name\nАлла\nян\n".encode())
    assert r.status_code == 200
    # The API.
    admin = make_user(db, email="ada@example.com", role="admin")
    key = create_api_key(db, name="k", scope="read_write", created_by=admin).secret
    set_open_link(db, vacancy=vacancy, enabled=True)
    db.commit()
    api = TestClient(app, headers={"Authorization": f"Bearer {key}"})
    people = {"candidates": [{"name": "Zoe"}, {"name": "anna"}]}
    assert api.post(f"/api/v1/vacancies/{vacancy.id}/invitations", json=people).status_code < 300
    # Open registration.
    join = {"name": "Фёдор", "email": "f@example.com", "language": "en", "consent": "yes"}
    r = TestClient(app).post(f"/join/{vacancy.open_token}", data=join, follow_redirects=False)
    assert r.status_code == 303

    invitations = db.exec(select(Invitation).where(Invitation.vacancy_id == vacancy.id)).all()
    assert len(invitations) == 6
    assert stale_names(db) == []

    def by_name(descending: bool) -> list[str]:
        query = TableQuery(sort="name", descending=descending)
        page = candidate_table(db, vacancy_id=vacancy.id, query=query, now=utcnow())
        return [r.name for r in page.rows]

    def in_database_order(descending: bool) -> list[str]:
        # The database's own order of the names (its collation), as the sort must give.
        order = col(Candidate.name).desc() if descending else col(Candidate.name).asc()
        return list(db.exec(select(Candidate.name).order_by(order)).all())

    assert by_name(False) == in_database_order(False)
    assert by_name(True) == in_database_order(True)

    # Erasure renames the candidate: the copy follows, and the table sorts the erased row
    # where the database sorts its new name.
    erase_candidate(db, candidate_id=invitations[0].candidate_id, actor=admin)
    db.commit()
    assert stale_names(db) == []
    assert db.get(Invitation, invitations[0].id).sort_name == ERASED_NAME  # type: ignore[union-attr]
    assert by_name(False) == in_database_order(False)

    # So does erasure by the retention policy.
    old = make_vacancy(db, title="Closed long ago")
    gone = make_invitation(db, settings, vacancy=old, name="Gone").invitation
    old.archived_at = utcnow() - timedelta(days=200)
    db.add(old)
    db.commit()
    assert apply_retention(db, days=180, now=utcnow()) == [gone.candidate_id]
    db.commit()
    assert stale_names(db) == []
    assert db.get(Invitation, gone.id).sort_name == ERASED_NAME  # type: ignore[union-attr]
