"""The building blocks of issue 5 together: one CSV of 100 candidates, one email each, in each
candidate's language, through a real SMTP server and through the outbox."""

from __future__ import annotations

from pathlib import Path

from app.bulk.csv_import import parse_invitations_csv
from app.mail.compose import render_invitation_email
from app.mail.message import build_message
from app.mail.queue import deliver
from app.mail.transport import SmtpSettings, list_outbox, read_outbox
from tests.mail.mailhelpers import EXPIRES, Collector, smtp_server


def hundred_candidates_csv() -> bytes:
    lines = ["ФИО;Электронная почта;Язык"]
    for i in range(100):
        if i % 2:
            lines.append(f"Кандидат {i};candidate{i}@example.ru;рус")
        else:
            lines.append(f"Candidate {i};candidate{i}@example.com;англ")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def send_all(smtp: SmtpSettings | None, outbox: Path) -> list[str]:
    parsed = parse_invitations_csv(hundred_candidates_csv(), default_language="ru")
    assert parsed.error is None and parsed.rejected == [] and len(parsed.rows) == 100
    statuses: list[str] = []
    for row in parsed.rows:
        assert row.email is not None
        content = render_invitation_email(
            language=row.language,
            candidate_name=row.name,
            vacancy_title="Hunter / Охотник",
            company_name="North Wind",
            link=f"https://rolefit.example/i/token-{row.line}",
            expires_at=EXPIRES,
            contact_email=None,
            kind="invitation",
            minutes=21,
        )
        msg = build_message(
            sender="jobs@northwind.example", to_email=row.email, to_name=row.name, content=content
        )
        statuses.append(deliver(msg, smtp=smtp, outbox_dir=outbox).status)
    return statuses


def test_a_hundred_candidates_from_one_csv_each_get_an_email_in_their_language(
    tmp_path: Path,
) -> None:
    handler = Collector()
    with smtp_server(handler) as server:
        smtp = SmtpSettings(host="127.0.0.1", port=server.port, use_tls="none", timeout=5)
        assert send_all(smtp, tmp_path) == ["sent"] * 100
    received = handler.messages()
    assert len(received) == 100
    for msg in received:
        to = msg["To"].addresses[0]
        number = int(to.username.removeprefix("candidate"))
        text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        if number % 2:
            assert to.domain == "example.ru"
            assert text.startswith(f"Здравствуйте, Кандидат {number}!")
        else:
            assert to.domain == "example.com"
            assert text.startswith(f"Hello Candidate {number},")
        assert f"https://rolefit.example/i/token-{number + 2}" in text  # row = index + 2
    assert list(tmp_path.iterdir()) == []


def test_without_smtp_the_hundred_emails_land_in_the_outbox(tmp_path: Path) -> None:
    assert send_all(None, tmp_path / "outbox") == ["outboxed"] * 100
    entries = list_outbox(tmp_path / "outbox")
    assert len(entries) == 100
    assert len({e.to for e in entries}) == 100
    russian = [e for e in entries if e.to.endswith("@example.ru>")]
    assert len(russian) == 50
    assert all(e.subject.startswith("North Wind: приглашение") for e in russian)
    assert "Здравствуйте" in read_outbox(russian[0].path).text
