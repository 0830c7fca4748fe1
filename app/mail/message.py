"""Building the RFC 5322 message for an email, and turning it into bytes and back.

The message is built once, when the email is queued, and stored as bytes, so every retry
sends the same message with the same Message-ID (the recipient's server can drop duplicates).
"""

from __future__ import annotations

import email.policy
from datetime import UTC, datetime
from email.header import Header, decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid, parseaddr

from app.mail.compose import EmailContent


class HeaderError(ValueError):
    """A header value that cannot be sent: a line break in it, or not an address."""


class _Policy(EmailPolicy):
    """``email.policy.SMTP``, except that non-ASCII headers are encoded by ``email.header.Header``.

    Python 3.11's folder moves the space between two words out of the encoded-words when it
    folds a long header, and a decoder then drops it (RFC 2047 ignores whitespace between
    encoded-words): a long Russian subject arrived as "Менеджер поработе". ``Header`` keeps
    every space inside an encoded-word. Fixed upstream later (python/cpython#144156 and kin);
    this keeps 3.11 correct.
    """

    def fold(self, name: str, value: str) -> str:
        legacy = self._legacy(name, value)
        return super().fold(name, value) if legacy is None else legacy

    def fold_binary(self, name: str, value: str) -> bytes:
        legacy = self._legacy(name, value)
        return super().fold_binary(name, value) if legacy is None else legacy.encode("ascii")

    def _legacy(self, name: str, value: str) -> str | None:
        text = str(value)
        if text.isascii():
            return None
        addresses = getattr(value, "addresses", None)
        if addresses is None:
            body = self._encode(name, text)
        elif all(a.addr_spec.isascii() for a in addresses):
            body = f",{self.linesep} ".join(self._mailbox(name, a) for a in addresses)
        else:
            return None  # a non-ASCII mailbox needs SMTPUTF8; leave it to the standard path
        return f"{name}: {body}{self.linesep}"

    def _mailbox(self, name: str, address: Address) -> str:
        if not address.display_name:
            return address.addr_spec
        phrase = self._encode(name, address.display_name)
        # The first line carries "Name: " too; keep every line within 78 characters.
        last = phrase.rsplit(self.linesep, 1)[-1]
        width = len(last) + (len(name) + 2 if self.linesep not in phrase else 0)
        gap = " " if width + len(address.addr_spec) + 3 <= 78 else f"{self.linesep} "
        return f"{phrase}{gap}<{address.addr_spec}>"

    def _encode(self, name: str, text: str) -> str:
        return Header(text, "utf-8", header_name=name).encode(linesep=self.linesep)


SMTP_POLICY = _Policy(linesep="\r\n")


def build_message(
    *,
    sender: str,
    to_email: str,
    to_name: str | None,
    content: EmailContent,
    reply_to: str | None = None,
    now: datetime | None = None,
    sender_name: str | None = None,
) -> EmailMessage:
    """A multipart/alternative UTF-8 message (plain text first, then HTML).

    ``sender`` is ``addr@host`` or ``Display Name <addr@host>`` (as MAIL_FROM is written).
    Display names may be Cyrillic: they are encoded per RFC 2047 when serialised. Any CR or LF
    in a header value raises ``HeaderError`` rather than being silently folded away.
    """
    for label, value in (
        ("sender", sender),
        ("recipient", to_email),
        ("recipient name", to_name or ""),
        ("subject", content.subject),
        ("reply-to", reply_to or ""),
        ("sender name", sender_name or ""),
    ):
        if "\r" in value or "\n" in value:
            raise HeaderError(f"line break in the {label} header value")
    from_name, from_addr = parseaddr(sender)
    # The organisation's name replaces MAIL_FROM's: the address stays the server's own.
    from_name = sender_name or from_name
    from_address = _address(from_name, from_addr)
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = from_address
    msg["To"] = _address(to_name or "", to_email)
    if reply_to:
        msg["Reply-To"] = _address("", reply_to)
    msg["Subject"] = content.subject
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=from_address.domain or "localhost")
    # RFC 3834: tells vacation responders and ticket systems not to answer.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(content.text, subtype="plain", charset="utf-8")
    msg.add_alternative(content.html, subtype="html", charset="utf-8")
    return msg


def header_text(value: object) -> str:
    """A raw header value decoded per RFC 2047, for showing to a person.

    Used instead of the parsed ``msg["To"]``: Python 3.11's address parser keeps the whitespace
    between adjacent encoded-words of a display name, which RFC 2047 (and mail clients) drop,
    so a long Cyrillic name that was folded would be shown with stray spaces.
    """
    if value is None:
        return ""
    try:
        return str(make_header(decode_header(str(value))))
    except (UnicodeError, LookupError, ValueError):
        return str(value)


def message_bytes(msg: EmailMessage) -> bytes:
    """The message as CRLF-terminated bytes, as it goes over SMTP and into an .eml file."""
    return msg.as_bytes(policy=SMTP_POLICY)


def parse_message(data: bytes) -> EmailMessage:
    message = BytesParser(policy=email.policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)  # guaranteed by policy.default
    return message


def _address(display_name: str, addr_spec: str) -> Address:
    addr_spec = addr_spec.strip()
    if addr_spec.count("@") != 1 or any(ch.isspace() for ch in addr_spec):
        raise HeaderError(f"not an email address: {addr_spec!r}")
    local, domain = addr_spec.split("@")
    if not local or not domain:
        raise HeaderError(f"not an email address: {addr_spec!r}")
    try:
        # Internationalised domains go out as punycode, which every SMTP server accepts.
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise HeaderError(f"not a valid domain: {domain!r}") from exc
    try:
        return Address(display_name=display_name.strip(), username=local, domain=domain)
    except (ValueError, IndexError) as exc:  # the header parser's way of saying "malformed"
        raise HeaderError(f"not an email address: {addr_spec!r}") from exc
