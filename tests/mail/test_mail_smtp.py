"""Sending through a real SMTP server started on 127.0.0.1 for each test."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.mail.queue import deliver
from app.mail.transport import MailError, SmtpSettings, send_smtp
from tests.mail.mailhelpers import (
    LINK,
    Collector,
    free_port,
    invitation_message,
    password_is,
    smtp_server,
)


def settings_for(port: int, **overrides: object) -> SmtpSettings:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "use_tls": "none",
        "sender": "Подбор персонала <jobs@northwind.example>",
        "timeout": 5.0,
    }
    values.update(overrides)
    return SmtpSettings(**values)  # type: ignore[arg-type]


def test_an_invitation_arrives_whole_through_a_real_smtp_server() -> None:
    handler = Collector()
    with smtp_server(handler) as server:
        send_smtp(invitation_message("ru"), settings_for(server.port))
    assert len(handler.envelopes) == 1
    envelope = handler.envelopes[0]
    assert envelope.mail_from == "jobs@northwind.example"
    assert envelope.rcpt_tos == ["anna@example.ru"]

    received = handler.messages()[0]
    assert received["To"].addresses[0].display_name == "Анна Смирнова"
    assert received["To"].addresses[0].addr_spec == "anna@example.ru"
    assert received["From"].addresses[0].display_name == "Подбор персонала"
    assert received["Subject"] == (
        "ООО «Северный ветер»: приглашение пройти опросник по вакансии "
        "«Менеджер по работе с клиентами»"
    )
    assert received["Message-ID"] and received["Date"]
    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(("plain",))
    html = received.get_body(("html",))
    assert text is not None and html is not None
    assert LINK in text.get_content()
    assert LINK.replace("&", "&amp;") in html.get_content()
    assert "14 декабря 2026" in text.get_content()


def test_a_4xx_reply_is_a_transient_failure() -> None:
    handler = Collector(data_reply="451 4.3.0 Mailbox temporarily unavailable")
    with smtp_server(handler) as server, pytest.raises(MailError) as caught:
        send_smtp(invitation_message(), settings_for(server.port))
    assert caught.value.transient is True
    assert caught.value.code == 451
    assert "451" in str(caught.value)


def test_a_5xx_reply_is_a_permanent_failure() -> None:
    handler = Collector(rcpt_reply="550 5.1.1 No such user here")
    with smtp_server(handler) as server, pytest.raises(MailError) as caught:
        send_smtp(invitation_message(), settings_for(server.port))
    assert caught.value.transient is False
    assert caught.value.code == 550
    assert "anna@example.ru" in str(caught.value)
    assert handler.envelopes == []


def test_a_refused_connection_is_a_transient_failure() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(MailError) as caught:
        send_smtp(invitation_message(), settings_for(port))
    assert caught.value.transient is True
    assert f"127.0.0.1:{port}" in str(caught.value)


def test_a_server_that_never_answers_is_a_transient_failure() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts the TCP connection but never greets
        port = silent.getsockname()[1]
        with pytest.raises(MailError) as caught:
            send_smtp(invitation_message(), settings_for(port, timeout=0.5))
    assert caught.value.transient is True


def test_starttls_required_but_not_offered_is_a_clear_permanent_error() -> None:
    handler = Collector()
    with smtp_server(handler) as server, pytest.raises(MailError) as caught:
        send_smtp(invitation_message(), settings_for(server.port, use_tls="starttls"))
    assert caught.value.transient is False
    assert "does not offer STARTTLS" in str(caught.value)
    assert "SMTP_TLS" in str(caught.value)
    assert handler.envelopes == []


def test_a_wrong_password_is_a_permanent_failure() -> None:
    handler = Collector()
    with (
        smtp_server(
            handler, authenticator=password_is("robot", "right"), auth_require_tls=False
        ) as server,
        pytest.raises(MailError) as caught,
    ):
        send_smtp(invitation_message(), settings_for(server.port, user="robot", password="wrong"))
    assert caught.value.transient is False
    assert caught.value.code == 535
    assert "wrong" not in str(caught.value)  # the password is never echoed
    assert handler.envelopes == []


def test_the_right_password_sends() -> None:
    handler = Collector()
    with smtp_server(
        handler, authenticator=password_is("robot", "right"), auth_require_tls=False
    ) as server:
        send_smtp(invitation_message(), settings_for(server.port, user="robot", password="right"))
    assert len(handler.envelopes) == 1


def test_settings_never_show_the_password() -> None:
    assert "s3cret" not in repr(settings_for(25, user="robot", password="s3cret"))


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Certificate]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    yield Certificate(cert, key)


def test_starttls_with_login_sends(certificate: Certificate) -> None:
    handler = Collector()
    with smtp_server(
        handler,
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=password_is("robot", "right"),
    ) as server:
        send_smtp(
            invitation_message(),
            settings_for(
                server.port,
                use_tls="starttls",
                user="robot",
                password="right",
                ssl_context=certificate.client_context(),
            ),
        )
    assert len(handler.envelopes) == 1


def test_an_untrusted_certificate_is_a_permanent_failure(certificate: Certificate) -> None:
    handler = Collector()
    with (
        smtp_server(handler, tls_context=certificate.server_context()) as server,
        pytest.raises(MailError) as caught,
    ):
        # The system's CAs do not trust the test's self-signed certificate.
        send_smtp(invitation_message(), settings_for(server.port, use_tls="starttls"))
    assert caught.value.transient is False
    assert "TLS" in str(caught.value)
    assert handler.envelopes == []


def test_implicit_tls_sends(certificate: Certificate) -> None:
    handler = Collector()
    with smtp_server(handler, ssl_context=certificate.server_context()) as server:
        send_smtp(
            invitation_message(),
            settings_for(server.port, use_tls="ssl", ssl_context=certificate.client_context()),
        )
    assert len(handler.envelopes) == 1


def test_deliver_sends_through_smtp_when_configured(tmp_path: Path) -> None:
    handler = Collector()
    with smtp_server(handler) as server:
        outcome = deliver(invitation_message(), smtp=settings_for(server.port), outbox_dir=tmp_path)
    assert outcome.status == "sent" and outcome.delivered
    assert len(handler.envelopes) == 1
    assert list(tmp_path.iterdir()) == []


def test_deliver_reports_a_failure_without_raising(tmp_path: Path) -> None:
    handler = Collector(data_reply="451 4.7.1 Greylisted, try again later")
    with smtp_server(handler) as server:
        outcome = deliver(invitation_message(), smtp=settings_for(server.port), outbox_dir=tmp_path)
    assert outcome.status == "failed" and not outcome.delivered
    assert outcome.transient is True
    assert outcome.error is not None and "Greylisted" in outcome.error
