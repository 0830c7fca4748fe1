"""The email queue and its worker: invitations become queued emails; the worker delivers them
through a real SMTP server (aiosmtpd) or into the outbox, retries transient failures, gives up
on permanent ones, and queues automatic reminders. Includes the issue's "done when": 100
candidates from one CSV, each with an email in their language."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.config import Settings
from app.db import utcnow
from app.invitations.invite import Person
from app.invitations.mailer import claim_due, retry_now, run_due_emails
from app.invitations.service import (
    bulk_invite,
    create_invitation,
    queue_due_reminders,
    remind,
    revoke,
)
from app.mail.message import parse_message
from app.mail.transport import list_outbox, read_outbox
from app.models import EmailStatus, Invitation, OutgoingEmail, Vacancy
from tests.factories import make_user, make_vacancy
from tests.mail.mailhelpers import Collector, free_port, smtp_server


def smtp(settings: Settings, port: int) -> Settings:
    return settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_tls": "none", "smtp_timeout": 5}
    )


def hundred_csv() -> bytes:
    lines = ["ФИО;Электронная почта;Язык"]
    for i in range(100):
        lang = "рус" if i % 2 else "англ"
        domain = "example.ru" if i % 2 else "example.com"
        lines.append(f"Кандидат {i};candidate{i}@{domain};{lang}")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def test_a_hundred_candidates_from_one_csv_get_an_outbox_email_each_in_their_language(
    db: Session, settings: Settings
) -> None:
    user = make_user(db)
    vacancy = make_vacancy(db, title="Охотник / Hunter", language="ru")
    report = bulk_invite(
        db, settings=settings, vacancy=vacancy, data=hundred_csv(), created_by=user
    )
    db.commit()
    assert report.error is None and report.rejected == []
    assert len(report.created) == 100 and report.emails_queued == 100
    assert run_due_emails(db, settings=settings) == 100
    rows = db.exec(select(OutgoingEmail)).all()
    assert {r.status for r in rows} == {EmailStatus.outboxed}
    entries = list_outbox(settings.outbox_path)
    assert len(entries) == 100
    for entry in entries:
        message = read_outbox(entry.path)
        number = int(message.to.split("candidate")[1].split("@")[0])
        if number % 2:
            assert message.text.startswith(f"Здравствуйте, Кандидат {number}!")
        else:
            assert message.text.startswith(f"Hello Кандидат {number},")
        assert f"{settings.base_url}/a/" in message.text
    # A second run sends nothing again.
    assert run_due_emails(db, settings=settings) == 0


def test_the_link_in_the_email_opens_the_candidates_invitation(
    db: Session, settings: Settings, client
) -> None:
    vacancy = make_vacancy(db)
    _invitation, link = create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("Ivan", email="ivan@example.com", language="en"),
        created_by=None,
    )
    db.commit()
    run_due_emails(db, settings=settings)
    message = read_outbox(list_outbox(settings.outbox_path)[0].path)
    assert link in message.text
    assert client.get(link.removeprefix(settings.base_url)).status_code == 200


def test_emails_go_through_a_real_smtp_server_when_configured(
    db: Session, settings: Settings
) -> None:
    vacancy = make_vacancy(db, language="ru")
    for n, lang in enumerate(["ru", "en"]):
        create_invitation(
            db,
            settings=settings,
            vacancy=vacancy,
            invitee=Person(f"Анна {n}", email=f"anna{n}@example.com", language=lang),
            created_by=None,
        )
    db.commit()
    handler = Collector()
    with smtp_server(handler) as server:
        assert run_due_emails(db, settings=smtp(settings, server.port)) == 2
    received = handler.messages()
    assert len(received) == 2
    stored = {r.message_id for r in db.exec(select(OutgoingEmail)).all()}
    assert {m["Message-ID"] for m in received} == stored
    subjects = sorted(str(m["Subject"]) for m in received)
    assert any("приглашение" in s for s in subjects) and any("invitation" in s for s in subjects)
    assert {r.status for r in db.exec(select(OutgoingEmail)).all()} == {EmailStatus.sent}
    assert not Path(settings.outbox_path).exists()


def test_a_transient_failure_is_retried_later_with_the_same_message_id(
    db: Session, settings: Settings
) -> None:
    vacancy = make_vacancy(db)
    create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("A", email="a@example.com", language="en"),
        created_by=None,
    )
    db.commit()
    now = utcnow()
    down = smtp(settings, free_port())  # nothing listens there: connection refused
    run_due_emails(db, settings=down, now=now)
    row = db.exec(select(OutgoingEmail)).one()
    assert row.status == EmailStatus.queued and row.attempts == 1
    assert row.last_error and "cannot connect" in row.last_error
    assert row.next_attempt_at is not None and row.next_attempt_at > now
    assert run_due_emails(db, settings=down, now=now) == 0  # not due yet
    handler = Collector()
    with smtp_server(handler) as server:
        later = row.next_attempt_at + timedelta(seconds=1)
        assert run_due_emails(db, settings=smtp(settings, server.port), now=later) == 1
    db.refresh(row)
    assert row.status == EmailStatus.sent and row.attempts == 2
    assert handler.messages()[0]["Message-ID"] == row.message_id


def test_a_permanent_failure_is_visible_and_can_be_retried_by_hand(
    db: Session, settings: Settings
) -> None:
    vacancy = make_vacancy(db)
    create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("B", email="b@example.com", language="en"),
        created_by=None,
    )
    db.commit()
    refusing = Collector(rcpt_reply="550 5.1.1 no such mailbox")
    with smtp_server(refusing) as server:
        run_due_emails(db, settings=smtp(settings, server.port))
    row = db.exec(select(OutgoingEmail)).one()
    assert row.status == EmailStatus.failed and row.next_attempt_at is None
    assert "550" in (row.last_error or "")
    retry_now(db, email=row)
    db.commit()
    handler = Collector()
    with smtp_server(handler) as server:
        assert run_due_emails(db, settings=smtp(settings, server.port)) == 1
    db.refresh(row)
    assert row.status == EmailStatus.sent


def test_a_row_stuck_in_sending_goes_back_to_the_queue(db: Session, settings: Settings) -> None:
    vacancy = make_vacancy(db)
    create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("C", email="c@example.com", language="en"),
        created_by=None,
    )
    db.commit()
    now = utcnow()
    assert len(claim_due(db, now=now)) == 1
    assert claim_due(db, now=now) == []  # claimed rows are not claimed twice
    assert claim_due(db, now=now + timedelta(minutes=5)) == []  # still within its lease
    # Past the lease (a worker killed mid-send): claimed again, and then sent.
    assert len(claim_due(db, now=now + timedelta(minutes=11))) == 1
    assert run_due_emails(db, settings=settings, now=now + timedelta(minutes=22)) == 1


def test_revoking_cancels_an_unsent_email(db: Session, settings: Settings) -> None:
    vacancy = make_vacancy(db)
    invitation, _ = create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("D", email="d@example.com", language="en"),
        created_by=None,
    )
    revoke(db, invitation=invitation)
    db.commit()
    assert run_due_emails(db, settings=settings) == 0
    assert db.exec(select(OutgoingEmail)).one().status == EmailStatus.failed


def _idle(db: Session, invitation: Invitation, days: int) -> None:
    invitation.created_at = utcnow() - timedelta(days=days)
    db.add(invitation)
    db.commit()


def _invite(db: Session, settings: Settings, vacancy: Vacancy, name: str, email: str | None):
    """An English invitation made through the service, as the staff pages make them."""
    return create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person(name, email=email, language="en"),
        created_by=None,
    )


def test_automatic_reminders_go_to_idle_candidates_only_up_to_the_limit(
    db: Session, settings: Settings
) -> None:
    settings = settings.model_copy(update={"reminder_after_days": 3, "max_reminders": 2})
    vacancy = make_vacancy(db)

    idle, idle_link = _invite(db, settings, vacancy, "Idle", "idle@example.com")
    _fresh, _ = _invite(db, settings, vacancy, "Fresh", "fresh@example.com")
    active, _ = _invite(db, settings, vacancy, "Active", "active@example.com")
    no_email, _ = _invite(db, settings, vacancy, "NoMail", None)
    for inv in (idle, active, no_email):
        _idle(db, inv, days=4)
    active.last_activity_at = utcnow() - timedelta(days=1)
    db.add(active)
    db.commit()
    now = utcnow()
    assert queue_due_reminders(db, settings=settings, now=now) == 1
    db.commit()
    reminder = db.exec(select(OutgoingEmail).where(OutgoingEmail.kind == "reminder")).one()
    assert reminder.to_email == "idle@example.com"
    # The reminder carries the same link as the invitation: it still works.
    assert idle_link in parse_message(reminder.message).get_body(("plain",)).get_content()
    assert queue_due_reminders(db, settings=settings, now=now) == 0  # just reminded

    def reminded_at(when) -> list[str]:
        before = {r.id for r in db.exec(select(OutgoingEmail)).all()}
        queue_due_reminders(db, settings=settings, now=when)
        db.commit()
        rows = db.exec(select(OutgoingEmail)).all()
        return sorted(r.to_email for r in rows if r.id not in before)

    # Four days on, everyone with an address is idle; the idle one gets its second reminder.
    later = reminded_at(now + timedelta(days=4))
    assert later == ["active@example.com", "fresh@example.com", "idle@example.com"]
    # Another four days: the idle one has had its two; the others get their second.
    assert reminded_at(now + timedelta(days=8)) == ["active@example.com", "fresh@example.com"]
    assert reminded_at(now + timedelta(days=12)) == []
    off = settings.model_copy(update={"reminder_after_days": 0})
    assert queue_due_reminders(db, settings=off, now=now + timedelta(days=30)) == 0


def test_a_manual_reminder_needs_an_active_link_and_an_address(
    db: Session, settings: Settings
) -> None:
    from app.invitations.service import ActionRefused

    vacancy = make_vacancy(db)
    no_email, _ = _invite(db, settings, vacancy, "N", None)
    with pytest.raises(ActionRefused):
        remind(db, settings=settings, invitation=no_email, created_by=None)
    revoked, _ = _invite(db, settings, vacancy, "R", "r@example.com")
    revoke(db, invitation=revoked)
    with pytest.raises(ActionRefused):
        remind(db, settings=settings, invitation=revoked, created_by=None)


def test_a_refused_address_is_masked_in_the_log(
    db: Session, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    from app.invitations.service import create_invitation as invite

    invite(
        db,
        settings=settings,
        vacancy=make_vacancy(db),
        invitee=Person("B", email="bogdana.k@example.com", language="en"),
        created_by=None,
    )
    db.commit()
    refusing = Collector(rcpt_reply="550 5.1.1 <bogdana.k@example.com> no such mailbox")
    with caplog.at_level("WARNING"), smtp_server(refusing) as server:
        run_due_emails(db, settings=smtp(settings, server.port))
    assert "failed" in caplog.text and "550" in caplog.text
    # A log line outlives the candidate's erasure: the address is masked.
    assert "bogdana.k@example.com" not in caplog.text
    assert "b***@example.com" in caplog.text
