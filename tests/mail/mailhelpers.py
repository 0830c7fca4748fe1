"""A real SMTP server on 127.0.0.1 for the mail tests (aiosmtpd in a thread)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope

from app.mail.compose import EmailContent, render_invitation_email
from app.mail.message import build_message, parse_message

EXPIRES = datetime(2026, 12, 15, 9, 30, tzinfo=UTC)
LINK = "https://rolefit.example/i/tok-3f9a?lang=ru&src=mail"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Collector:
    """Keeps what it receives; ``rcpt_reply``/``data_reply`` make the server refuse instead."""

    def __init__(self, *, rcpt_reply: str | None = None, data_reply: str | None = None) -> None:
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply
        self.envelopes: list[Envelope] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        out = []
        for envelope in self.envelopes:
            content = envelope.original_content or envelope.content
            assert isinstance(content, bytes)
            out.append(parse_message(content))
        return out


def password_is(user: str, password: str) -> Callable[..., AuthResult]:
    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False)

    return authenticator


@contextmanager
def smtp_server(handler: Collector, **kwargs: Any) -> Iterator[Controller]:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def invitation(language: str = "ru", **overrides: Any) -> EmailContent:
    values: dict[str, Any] = {
        "language": language,
        "candidate_name": "Анна Смирнова" if language == "ru" else "Anna Smith",
        "vacancy_title": "Менеджер по работе с клиентами"
        if language == "ru"
        else "Key account manager",
        "company_name": "ООО «Северный ветер»" if language == "ru" else "North Wind Ltd",
        "link": LINK,
        "expires_at": EXPIRES,
        "contact_email": "hr@northwind.example",
        "kind": "invitation",
        "minutes": 21,
    }
    values.update(overrides)
    return render_invitation_email(**values)


def invitation_message(language: str = "ru", to: str = "anna@example.ru") -> EmailMessage:
    content = invitation(language)
    return build_message(
        sender="Подбор персонала <jobs@northwind.example>",
        to_email=to,
        to_name="Анна Смирнова",
        content=content,
    )
