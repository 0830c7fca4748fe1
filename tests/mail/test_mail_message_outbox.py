"""The RFC 5322 message, the outbox folder and the retry schedule."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import compat32
from pathlib import Path
from typing import Any

import pytest

from app.mail.message import (
    HeaderError,
    build_message,
    header_text,
    message_bytes,
    parse_message,
)
from app.mail.queue import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    DeliveryOutcome,
    deliver,
    next_attempt_at,
    retry_at,
)
from app.mail.transport import find_outbox, list_outbox, read_outbox, write_outbox
from tests.mail.mailhelpers import LINK, invitation, invitation_message

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


# --- the message --------------------------------------------------------------------------------


def test_a_long_cyrillic_subject_and_name_survive_encoding_with_every_space() -> None:
    content = invitation("ru", vacancy_title="Менеджер по работе с ключевыми клиентами " * 4)
    long_name = "Александра Константиновна Преображенская-Верхнеднепровская " * 3
    msg = build_message(
        sender="Отдел подбора персонала ООО «Северный ветер» <jobs@northwind.example>",
        to_email="a@example.ru",
        to_name=long_name,
        content=content,
    )
    raw = message_bytes(msg)
    header_block = raw.split(b"\r\n\r\n")[0]
    assert header_block.isascii()
    assert all(len(line) <= 78 for line in header_block.split(b"\r\n"))
    back = parse_message(raw)
    assert back["Subject"] == content.subject
    # Decoded per RFC 2047, as mail clients do (see header_text for Python's own quirk).
    raw_headers = message_from_bytes(raw, policy=compat32)
    assert header_text(raw_headers["To"]) == f"{long_name.strip()} <a@example.ru>"
    assert header_text(raw_headers["From"]) == (
        "Отдел подбора персонала ООО «Северный ветер» <jobs@northwind.example>"
    )


def test_the_message_has_both_parts_a_message_id_and_a_date() -> None:
    msg = build_message(
        sender="jobs@northwind.example",
        to_email="anna@example.com",
        to_name=None,
        content=invitation("en"),
        reply_to="hr@northwind.example",
        now=NOW,
    )
    back = parse_message(message_bytes(msg))
    assert [p.get_content_type() for p in back.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in back.iter_parts())
    assert back["Message-ID"].endswith("@northwind.example>")
    assert back["Date"].datetime == NOW
    assert back["Reply-To"] == "hr@northwind.example"
    assert back["Auto-Submitted"] == "auto-generated"
    assert LINK in back.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_an_internationalised_domain_goes_out_as_punycode() -> None:
    msg = build_message(
        sender="jobs@northwind.example",
        to_email="anna@почта.рф",
        to_name=None,
        content=invitation("ru"),
    )
    assert msg["To"].addresses[0].domain == "xn--80a1acny.xn--p1ai"


@pytest.mark.parametrize(
    "field",
    ["to_email", "to_name", "sender", "subject", "reply_to"],
)
@pytest.mark.parametrize("breaker", ["\r\n", "\n", "\r"])
def test_a_line_break_in_any_header_value_is_rejected(field: str, breaker: str) -> None:
    values: dict[str, Any] = {
        "sender": "jobs@northwind.example",
        "to_email": "anna@example.com",
        "to_name": "Anna",
        "reply_to": "hr@northwind.example",
    }
    content = invitation("en")
    evil = f"x{breaker}Bcc: victim@example.com"
    if field == "subject":
        content = type(content)(subject="Hi" + evil, text=content.text, html=content.html)
    else:
        values[field] = values[field] + evil
    with pytest.raises(HeaderError, match="line break"):
        build_message(content=content, **values)


@pytest.mark.parametrize("address", ["", "anna", "a@b@c.ru", "an na@example.com", "@example.com"])
def test_a_malformed_recipient_is_rejected(address: str) -> None:
    with pytest.raises(HeaderError):
        build_message(
            sender="jobs@northwind.example",
            to_email=address,
            to_name=None,
            content=invitation("en"),
        )


# --- the outbox ---------------------------------------------------------------------------------


def test_the_outbox_round_trip_keeps_the_message(tmp_path: Path) -> None:
    msg = invitation_message("ru")
    path = write_outbox(msg, tmp_path / "outbox", now=NOW)
    assert path.parent == tmp_path / "outbox"
    assert path.name.startswith("20261126T120000000000Z-") and path.suffix == ".eml"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left

    entries = list_outbox(tmp_path / "outbox")
    assert len(entries) == 1
    entry = entries[0]
    assert entry.path == path
    assert entry.to == "Анна Смирнова <anna@example.ru>"
    assert entry.subject == str(msg["Subject"])
    assert entry.date is not None

    back = read_outbox(path)
    assert back.message_id == msg["Message-ID"]
    assert back.to == "Анна Смирнова <anna@example.ru>"
    assert back.sender == "Подбор персонала <jobs@northwind.example>"
    assert back.subject == entry.subject and back.date == entry.date
    assert LINK in back.text and "14 декабря 2026" in back.text
    assert LINK.replace("&", "&amp;") in back.html
    assert message_bytes(back.message) == message_bytes(msg)


def test_the_outbox_lists_newest_first_and_ignores_other_files(tmp_path: Path) -> None:
    names = []
    for minutes in (0, 5, 2):
        names.append(
            write_outbox(invitation_message(), tmp_path, now=NOW + timedelta(minutes=minutes))
        )
    (tmp_path / ".tmp123.tmp").write_bytes(b"half a message")
    (tmp_path / "notes.txt").write_text("not mail")
    listed = [e.path for e in list_outbox(tmp_path)]
    assert listed == [names[1], names[2], names[0]]


def test_a_missing_outbox_is_empty(tmp_path: Path) -> None:
    assert list_outbox(tmp_path / "never-created") == []


def test_find_outbox_accepts_only_names_of_outbox_files(tmp_path: Path) -> None:
    path = write_outbox(invitation_message(), tmp_path / "outbox", now=NOW)
    (tmp_path / "secret.eml").write_text("x")
    assert find_outbox(tmp_path / "outbox", path.name) == path
    for name in ("../secret.eml", "/etc/passwd", "secret.eml", path.name + "/", "", ".."):
        assert find_outbox(tmp_path / "outbox", name) is None
    assert find_outbox(tmp_path / "outbox", "20261126T120000000000Z-gone.eml") is None


def test_deliver_without_smtp_writes_to_the_outbox(tmp_path: Path) -> None:
    outcome = deliver(invitation_message(), smtp=None, outbox_dir=tmp_path / "outbox")
    assert outcome.status == "outboxed" and outcome.delivered
    assert outcome.path is not None and outcome.path.exists()
    assert [e.path for e in list_outbox(tmp_path / "outbox")] == [outcome.path]


def test_an_unwritable_outbox_is_a_transient_failure(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the folder should be")
    outcome = deliver(invitation_message(), smtp=None, outbox_dir=blocker)
    assert outcome.status == "failed" and outcome.transient
    assert outcome.error is not None and outcome.error.startswith("outbox:")


# --- the retry schedule -------------------------------------------------------------------------


def test_the_backoff_schedule_grows_then_gives_up() -> None:
    rng = random.Random(7)
    delays = []
    for attempts in range(1, MAX_ATTEMPTS + 1):
        at = next_attempt_at(attempts, NOW, rng=rng)
        delays.append(None if at is None else at - NOW)
    assert delays[-1] is None  # the 6th failure is the last
    assert MAX_ATTEMPTS == 6
    nominal = [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=6),
    ]
    assert list(RETRY_DELAYS) == nominal
    for delay, base in zip(delays[:-1], nominal, strict=True):
        assert delay is not None
        assert base * 0.8 <= delay <= base * 1.2


def test_jitter_spreads_retries_of_emails_that_failed_together() -> None:
    rng = random.Random(1)
    times = {next_attempt_at(3, NOW, rng=rng) for _ in range(100)}
    assert len(times) > 90
    assert min(t for t in times if t) < NOW + timedelta(minutes=28)
    assert max(t for t in times if t) > NOW + timedelta(minutes=32)


def test_attempts_start_at_one() -> None:
    with pytest.raises(ValueError):
        next_attempt_at(0, NOW)


def test_only_transient_failures_are_retried() -> None:
    rng = random.Random(3)
    transient = DeliveryOutcome("failed", transient=True, error="451")
    permanent = DeliveryOutcome("failed", transient=False, error="550")
    assert retry_at(transient, attempts=1, now=NOW, rng=rng) is not None
    assert retry_at(transient, attempts=MAX_ATTEMPTS, now=NOW, rng=rng) is None
    assert retry_at(permanent, attempts=1, now=NOW, rng=rng) is None
    assert retry_at(DeliveryOutcome("sent"), attempts=1, now=NOW) is None
    assert retry_at(DeliveryOutcome("outboxed"), attempts=1, now=NOW) is None
