"""Sending a message: through SMTP, or into an outbox folder when no SMTP server is configured.

SMTP failures are ``MailError``s that say whether trying again later can help (``transient``):
no connection, a timeout, a dropped connection or a 4xx reply are transient; a 5xx reply, a
refused login, a TLS failure or a server that lacks what the settings require are permanent
(they need a person to fix the address or the settings, not another attempt).

The outbox holds one ``.eml`` file per message, named ``<UTC timestamp>-<Message-ID>.eml``,
so a directory listing sorts by time; any mail client opens them.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.policy import compat32
from email.utils import parseaddr, parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import Literal

from app.mail.message import header_text, message_bytes, parse_message

TlsMode = Literal["none", "starttls", "ssl"]
OUTBOX_SUFFIX = ".eml"
_OUTBOX_NAME = re.compile(r"^[0-9]{8}T[0-9]{12}Z-[A-Za-z0-9._-]{1,80}\.eml$")


class MailError(Exception):
    """Sending failed; ``transient`` says whether a later attempt may succeed."""

    def __init__(self, message: str, *, transient: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.code = code


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    use_tls: TlsMode = "starttls"
    user: str | None = None
    password: str | None = None
    # The envelope sender and the From header: "addr@host" or "Name <addr@host>".
    sender: str = ""
    timeout: float = 30.0
    # None: the system's trusted CAs. Tests pass a context that trusts their own certificate.
    ssl_context: ssl.SSLContext | None = None

    def __repr__(self) -> str:  # never print the password into a log
        return (
            f"SmtpSettings(host={self.host!r}, port={self.port}, use_tls={self.use_tls!r}, "
            f"user={self.user!r}, sender={self.sender!r}, timeout={self.timeout})"
        )


@dataclass(frozen=True)
class OutboxEntry:
    path: Path
    to: str
    subject: str
    date: datetime | None


@dataclass(frozen=True)
class OutboxMessage:
    path: Path
    sender: str
    to: str
    subject: str
    date: datetime | None
    message_id: str
    text: str
    # The HTML part as sent; show it in a sandboxed iframe (srcdoc), never inline in a page.
    html: str
    message: EmailMessage


def send_smtp(msg: EmailMessage, settings: SmtpSettings) -> None:
    """Send one message; raises ``MailError`` (never another exception) on failure."""
    where = f"{settings.host}:{settings.port}"
    context = settings.ssl_context or _system_tls_context()
    try:
        server: smtplib.SMTP
        if settings.use_tls == "ssl":
            server = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with server:
            server.ehlo()
            if settings.use_tls == "starttls":
                if not server.has_extn("starttls"):
                    raise MailError(
                        f"the SMTP server at {where} does not offer STARTTLS, which SMTP_TLS="
                        "starttls requires; use SMTP_TLS=ssl for port 465, or SMTP_TLS=none "
                        "only on a trusted network",
                        transient=False,
                    )
                server.starttls(context=context)
                server.ehlo()
            if settings.user:
                server.login(settings.user, settings.password or "")
            server.send_message(msg, from_addr=_envelope_sender(settings))
    except MailError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(
            f"the SMTP server at {where} refused the login for SMTP_USER={settings.user!r} "
            f"({_reply(exc.smtp_code, exc.smtp_error)})",
            transient=False,
            code=exc.smtp_code,
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(f"{rcpt}: {_reply(c, m)}" for rcpt, (c, m) in exc.recipients.items())
        raise MailError(
            f"recipient refused by {where}: {detail}",
            transient=all(400 <= code < 500 for code in codes),
            code=codes[0] if codes else None,
        ) from exc
    except smtplib.SMTPResponseException as exc:
        # SMTPSenderRefused, SMTPDataError, SMTPHeloError, ...: the reply code decides.
        raise MailError(
            f"the SMTP server at {where} answered {_reply(exc.smtp_code, exc.smtp_error)}",
            transient=400 <= exc.smtp_code < 500,
            code=exc.smtp_code,
        ) from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise MailError(
            f"the SMTP server at {where} closed the connection ({exc})", transient=True
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise MailError(
            f"the SMTP server at {where} does not support what this message needs ({exc})",
            transient=False,
        ) from exc
    except smtplib.SMTPException as exc:
        raise MailError(f"SMTP error with {where}: {exc}", transient=False) from exc
    except ssl.SSLError as exc:  # before OSError: a certificate problem will not fix itself
        raise MailError(f"TLS with {where} failed: {exc}", transient=False) from exc
    except TimeoutError as exc:
        raise MailError(
            f"no answer from {where} within {settings.timeout:g} s", transient=True
        ) from exc
    except OSError as exc:  # refused, unreachable, unknown host (DNS may be down for a while)
        raise MailError(f"cannot connect to {where}: {exc}", transient=True) from exc


def write_outbox(msg: EmailMessage, outbox_dir: Path, *, now: datetime | None = None) -> Path:
    """Write the message to ``outbox_dir`` atomically (a reader never sees half a file)."""
    outbox_dir.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", str(msg.get("Message-ID", "")).strip("<> "))
    slug = slug.strip("-.")[:80] or "message"
    path = outbox_dir / f"{stamp}-{slug}{OUTBOX_SUFFIX}"
    fd, tmp = tempfile.mkstemp(dir=outbox_dir, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(message_bytes(msg))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def list_outbox(outbox_dir: Path) -> list[OutboxEntry]:
    """The outbox, newest first; an outbox that does not exist yet is empty."""
    if not outbox_dir.is_dir():
        return []
    entries = []
    parser = BytesHeaderParser()
    for path in sorted(outbox_dir.glob(f"*{OUTBOX_SUFFIX}"), reverse=True):
        if path.name.startswith("."):
            continue
        try:
            with path.open("rb") as fh:
                headers = parser.parse(fh)
        except OSError:  # removed meanwhile, or unreadable: the rest of the list still shows
            continue
        entries.append(
            OutboxEntry(
                path=path,
                to=header_text(headers.get("To")),
                subject=header_text(headers.get("Subject")),
                date=_date(headers.get("Date")),
            )
        )
    return entries


def find_outbox(outbox_dir: Path, name: str) -> Path | None:
    """The outbox file called ``name``, or None: for a URL that names a file, so that no
    path from a request ever leaves the outbox folder."""
    if not _OUTBOX_NAME.fullmatch(name):
        return None
    path = outbox_dir / name
    return path if path.is_file() else None


def read_outbox(path: Path) -> OutboxMessage:
    """An outbox file decoded for the staff interface (headers as a person reads them)."""
    data = path.read_bytes()
    raw = BytesParser(policy=compat32).parsebytes(data, headersonly=True)
    msg = parse_message(data)
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    return OutboxMessage(
        path=path,
        sender=header_text(raw.get("From")),
        to=header_text(raw.get("To")),
        subject=header_text(raw.get("Subject")),
        date=_date(raw.get("Date")),
        message_id=str(raw.get("Message-ID", "")),
        text=str(text.get_content()) if text is not None else "",
        html=str(html.get_content()) if html is not None else "",
        message=msg,
    )


@cache
def _system_tls_context() -> ssl.SSLContext:
    # Loading the system's CA store takes ~50 ms; once per process is enough.
    return ssl.create_default_context()


def _envelope_sender(settings: SmtpSettings) -> str | None:
    """MAIL_FROM's address (where bounces go); None lets smtplib take the From header."""
    return parseaddr(settings.sender)[1] or None


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {text}".strip()


def _date(value: object) -> datetime | None:
    if value is None:
        return None
    try:
        return parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None
