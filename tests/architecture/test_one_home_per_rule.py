"""Rules written once: a second copy of one of these is how two pages came to disagree."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Migrations keep the rule as it was when they were written, on purpose.
SOURCES = [
    p
    for folder in ("app", "questionnaires", "socionics")
    for p in (ROOT / folder).rglob("*.py")
    if "migrations" not in p.parts
]


def _places(pattern: str) -> list[str]:
    found = re.compile(pattern)
    return sorted(
        str(path.relative_to(ROOT))
        for path in SOURCES
        if found.search(path.read_text(encoding="utf-8"))
    )


def test_the_languages_are_listed_once() -> None:
    assert _places(r"(?m)^\s*LANGUAGES\s*[:=]") == ["questionnaires/schema.py"]


def test_the_quality_levels_are_ordered_once() -> None:
    assert _places(r'"good",\s*"doubtful",\s*"unusable"') == ["questionnaires/result.py"]


def test_the_bidi_controls_are_listed_once() -> None:
    assert _places(r"\\u202a\\u202b") == ["app/text.py"]


def test_the_invitation_status_rule_is_written_once() -> None:
    # Each status's test on the dates stands in one list, app.models._status_tests.
    assert _places(r"(?m)^\s*\(InvitationStatus\.expired,") == ["app/models.py"]
    assert _places(r"expires_at\)? <= now") == ["app/models.py"]


def test_email_and_webhooks_share_one_outbox() -> None:
    # Claiming with a lease (row locks skipped by other instances) is written once, in
    # app/outbox.py; the mailer and the webhook sender both call it.
    assert _places(r"skip_locked") == ["app/outbox.py"]
    assert _places(r"outbox\.claim\(") == ["app/invitations/mailer.py", "app/webhooks/service.py"]
    assert _places(r"outbox\.retry_at\(") == ["app/mail/queue.py", "app/webhooks/service.py"]


def test_a_staff_router_is_built_in_one_place() -> None:
    # The unit of work, CSRF, the staff login and the area's action: auth.permissions.staff_router.
    found = _places(r"Depends\(csrf_protect\),\s*Depends\(require_(staff|integrations)\)")
    assert found == ["app/auth/permissions.py"]


def test_the_largest_id_is_written_once() -> None:
    assert _places(r"(?m)^\s*(RowId|MAX_ID)\s*=|= 2\*\*31") == ["app/db.py"]
