"""POST /api/v1/deals: a CRM integration sends deals in batches; a batch sent twice adds nothing."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.models import AuditEvent, Deal
from app.outcomes.service import add_employee

BATCH = {
    "source": "bitrix24",
    "deals": [
        {
            "crm_id": "501",
            "responsible": "olga@example.com",
            "outcome": "won",
            "amount": "125000.50",
            "company": "ООО Лес",
            "created_on": "2026-03-01",
            "closed_on": "2026-03-10",
            "products": ["Бумага"],
        },
        {
            "crm_id": "502",
            "responsible": "Пётр Иванов",
            "outcome": "open",
            "qualified": True,
            "created_on": "2026-03-02",
        },
    ],
}


def test_a_batch_is_stored_once_and_matched_to_the_team(api: TestClient, db: Session) -> None:
    olga = add_employee(
        db,
        name="Ольга",
        email="olga@example.com",
        role="hunter",
        team="",
        started_on=date(2025, 1, 1),
    )
    db.commit()
    r = api.post("/api/v1/deals", json=BATCH)
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 2, "updated": 0, "unchanged": 0, "unmatched": {"Пётр Иванов": 1}}
    again = api.post("/api/v1/deals", json=BATCH)
    assert again.json()["unchanged"] == 2 and again.json()["created"] == 0
    deals = db.exec(select(Deal).order_by(Deal.crm_id)).all()
    assert [(d.crm_id, d.employee_id, str(d.amount)) for d in deals] == [
        ("501", olga.id, "125000.50"),
        ("502", None, "0.00"),
    ]
    audit = db.exec(select(AuditEvent).where(AuditEvent.action == "deals.import")).all()
    assert len(audit) == 2 and audit[0].details["created"] == 2


def test_a_batch_with_a_broken_deal_stores_nothing(api: TestClient, db: Session) -> None:
    broken = {
        "source": "bitrix24",
        "deals": [
            BATCH["deals"][0],
            {**BATCH["deals"][0], "outcome": "lost", "closed_on": None},
            BATCH["deals"][0],
        ],
    }
    r = api.post("/api/v1/deals", json=broken)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"deals[1].closed_on"}
    assert db.exec(select(func.count()).select_from(Deal)).one() == 0


def test_the_same_id_twice_in_one_batch_keeps_the_later_deal(api: TestClient, db: Session) -> None:
    first = BATCH["deals"][0]
    later = {**first, "amount": "777.00"}
    r = api.post("/api/v1/deals", json={"source": "bitrix24", "deals": [first, later]})
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1
    assert [str(d.amount) for d in db.exec(select(Deal)).all()] == ["777.00"]


def test_a_read_key_cannot_import_deals(reader: TestClient) -> None:
    assert reader.post("/api/v1/deals", json=BATCH).status_code == 403
