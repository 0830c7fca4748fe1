"""Export, erasure and retention of one candidate's data.

Which tables hold a candidate's data is read from the metadata: every table with a foreign key
to ``candidates`` or ``invitations``. A table added later is exported and erased without a code
change; ``KEPT`` lists the ones whose rows survive an erasure, and why.

What an erasure keeps (and why):
- the candidate row, emptied (name replaced, email and phone removed): ids elsewhere stay valid;
- the invitation row without its link token, with the consent time and consent version: proof
  that consent was given for what was processed before;
- results and fit records: scores without identifiers, for the statistics and norms (not for
  an employee, erased on request or after leaving: their assessment goes too, as the employee
  consent text promises);
- an employee's deals, without the employee (``employee_id`` set to null): the company's sales,
  no longer anyone's. The export includes them while they are the employee's;
- an ``erasures`` row and an audit event: who erased, when, and why; no personal data;
- webhook events about the candidate's invitations (they carry no foreign key: ``subject_id``),
  with their payload replaced by ``{"erased": true}``, so the expiry sweep does not announce the
  invitation again; deliveries not yet made are deleted, so nothing is sent or retried after
  the erasure.

Emails written to the outbox folder (when no SMTP server is set) are deleted with their rows.
"""

from __future__ import annotations

import contextlib
import secrets
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlmodel import Session, col

from app.audit.service import record
from app.invitations.keys import sync_table_keys
from app.models import (
    Candidate,
    Employee,
    Erasure,
    Invitation,
    OutgoingEmail,
    User,
    Vacancy,
    WebhookDelivery,
    WebhookEvent,
    metadata,
)
from app.security.hashes import hash_token

ERASED_NAME = "—"
# Rows referring to an invitation that an erasure keeps: scores without identifiers.
KEPT = {"invitations", "results", "fit_records"}


class NoSuchCandidate(Exception):
    pass


def candidate_tables() -> tuple[list[tuple[Table, str]], list[tuple[Table, str]]]:
    """(table, column) pairs referring to candidates.id and to invitations.id."""
    by_candidate, by_invitation = [], []
    for table in metadata.sorted_tables:
        for fk in table.foreign_keys:
            target = fk.column.table.name
            if target == "candidates":
                by_candidate.append((table, fk.parent.name))
            elif target == "invitations":
                by_invitation.append((table, fk.parent.name))
    return by_candidate, by_invitation


def _tables_referring_to(target: str) -> list[tuple[Table, str]]:
    return [
        (table, fk.parent.name)
        for table in metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == target
    ]


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _rows(session: Session, table: Table, column: str, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    result = session.execute(
        select(table).where(table.c[column].in_(ids)).order_by(*table.primary_key)
    )
    return [{k: _json(v) for k, v in row._mapping.items()} for row in result]


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def export_candidate(session: Session, *, candidate_id: int, actor: User | None) -> dict[str, Any]:
    """Everything stored about one candidate, table by table, as JSON-ready data (logged)."""
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NoSuchCandidate(candidate_id)
    cand_table = Candidate.__table__  # type: ignore[attr-defined]
    data: dict[str, Any] = {
        "format": "rolefit-candidate-export/1",
        "candidate": _rows(session, cand_table, "id", [candidate_id])[0],
        "tables": {},
    }
    by_candidate, by_invitation = candidate_tables()
    for table, column in by_candidate:
        data["tables"][table.name] = _rows(session, table, column, [candidate_id])
    invitation_ids = [row["id"] for row in data["tables"].get("invitations", [])]
    for table, column in by_invitation:
        rows = _rows(session, table, column, invitation_ids)
        data["tables"].setdefault(table.name, []).extend(rows)
    # An employee's deals are about them too (who sold what, and when).
    employee_ids = [row["id"] for row in data["tables"].get("employees", [])]
    for table, column in _tables_referring_to("employees"):
        data["tables"].setdefault(table.name, []).extend(
            _rows(session, table, column, employee_ids)
        )
    # The link token's hash is a credential, not data about the person (a replaced link's too).
    for row in [*data["tables"].get("invitations", []), *data["tables"].get("replaced_links", [])]:
        row.pop("token_hash", None)
        row.pop("token_nonce", None)
    record(
        session, actor=actor, action="data.export", object_type="candidate", object_id=candidate_id
    )
    return data


def erase_assessments(
    session: Session, *, invitation_ids: list[int], keep: set[str] | frozenset[str]
) -> dict[str, int]:
    """Delete what these invitations gathered (every table referring to them but ``keep``),
    kill their links and scrub their webhooks; the row counts removed, by table."""
    if not invitation_ids:
        return {}
    _, by_invitation = candidate_tables()
    inv = Invitation.__table__  # type: ignore[attr-defined]
    # Emails written to the outbox folder (no SMTP server set) are files, not rows.
    removed: dict[str, int] = {
        "outbox_files": _delete_outbox_files(session, invitation_ids=invitation_ids)
    }
    for table, column in by_invitation:
        if table.name in keep:
            continue
        # SET NULL links (e.g. sent emails) are personal too: the rows go, not just the link.
        n = _count(session.execute(delete(table).where(table.c[column].in_(invitation_ids))))
        removed[table.name] = removed.get(table.name, 0) + n
    # A random token hash: the old link stops working and cannot be rebuilt.
    for invitation_id in invitation_ids:
        values: dict[str, Any] = {"token_hash": hash_token(secrets.token_urlsafe(32))}
        if "token_nonce" in inv.c:
            values["token_nonce"] = None
        session.execute(update(inv).where(inv.c.id == invitation_id).values(**values))
    removed.update(_scrub_webhooks(session, invitation_ids=invitation_ids))
    return removed


def is_employee(session: Session, *, candidate_id: int) -> bool:
    found = session.execute(
        select(col(Employee.id)).where(col(Employee.candidate_id) == candidate_id)
    ).first()
    return found is not None


def erase_candidate(
    session: Session,
    *,
    candidate_id: int,
    actor: User | None,
    reason: str = "request",
    keep_scores: bool = True,
) -> Erasure:
    """Delete the candidate's personal data; keep the proof of consent, and anonymous scores
    unless ``keep_scores`` is off or the person is an employee (whose assessment, they were
    promised, goes)."""
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NoSuchCandidate(candidate_id)
    if is_employee(session, candidate_id=candidate_id):
        # The employee consent promises the assessment goes on withdrawal and after leaving;
        # an erasure, asked for or due, cannot keep more than a withdrawal does.
        keep_scores = False
    by_candidate, _ = candidate_tables()
    inv = Invitation.__table__  # type: ignore[attr-defined]
    invitation_ids = list(
        session.execute(select(inv.c.id).where(inv.c.candidate_id == candidate_id)).scalars()
    )
    kept = KEPT if keep_scores else {"invitations"}
    removed = erase_assessments(session, invitation_ids=invitation_ids, keep=kept)
    for table, column in by_candidate:
        if table.name in kept:
            continue
        n = _count(session.execute(delete(table).where(table.c[column] == candidate_id)))
        removed[table.name] = removed.get(table.name, 0) + n
    candidate.name = ERASED_NAME
    candidate.email = None
    candidate.phone = None
    session.add(candidate)
    # The name changed, and decisions may have gone with the personal data: the table's
    # copied keys (the name among them) follow.
    sync_table_keys(session, invitation_ids=invitation_ids)
    erasure = Erasure(
        candidate_id=candidate_id,
        reason=reason,
        erased_by_id=actor.id if actor else None,
        removed=removed,
    )
    session.add(erasure)
    session.flush()
    record(
        session,
        actor=actor,
        action="data.erase",
        object_type="candidate",
        object_id=candidate_id,
        details={"reason": reason, "removed": removed, "scores_kept": keep_scores},
    )
    return erasure


def withdraw_assessment(
    session: Session,
    *,
    employee: Employee,
    actor: User | None,
    now: datetime,
    via: str = "admin",
) -> dict[str, int]:
    """An employee withdraws consent: the answers, results and fit records of their
    assessment links (the team's links, and the assessment that counts for them) are deleted,
    as the employee consent text promises. The employee (name, role, dates, deals) stays: that
    is employment data, not the assessment. The invitation rows stay, link dead, as the record
    of the consent given and withdrawn. Recorded as ``employee.withdraw``; returns the counts."""
    inv = Invitation.__table__  # type: ignore[attr-defined]
    vac = Vacancy.__table__  # type: ignore[attr-defined]
    ids = set(
        session.execute(
            select(inv.c.id)
            .join(vac, vac.c.id == inv.c.vacancy_id)
            .where(inv.c.candidate_id == employee.candidate_id, vac.c.kind == "team")
        ).scalars()
    )
    if employee.invitation_id is not None:
        ids.add(employee.invitation_id)
    invitation_ids = sorted(ids)
    removed = erase_assessments(
        session, invitation_ids=invitation_ids, keep={"invitations", "employees"}
    )
    if invitation_ids:
        session.execute(
            update(inv)
            .where(
                inv.c.id.in_(invitation_ids),
                inv.c.completed_at.is_(None),
                inv.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    employee.invitation_id = None
    session.add(employee)
    sync_table_keys(session, invitation_ids=invitation_ids)
    session.flush()
    record(
        session,
        actor=actor,
        action="employee.withdraw",
        object_type="employee",
        object_id=employee.id,
        details={"removed": removed, "via": via},
    )
    return removed


def _delete_outbox_files(session: Session, *, invitation_ids: list[int]) -> int:
    paths = session.execute(
        select(col(OutgoingEmail.outbox_path)).where(
            col(OutgoingEmail.invitation_id).in_(invitation_ids),
            col(OutgoingEmail.outbox_path).is_not(None),
        )
    ).scalars()
    deleted = 0
    for path in paths:
        with contextlib.suppress(FileNotFoundError):  # an admin may have cleared the folder
            Path(str(path)).unlink()
            deleted += 1
    return deleted


def _scrub_webhooks(session: Session, *, invitation_ids: list[int]) -> dict[str, int]:
    """Events about these invitations lose their payload; their unsent deliveries go."""
    events = WebhookEvent.__table__  # type: ignore[attr-defined]
    deliveries = WebhookDelivery.__table__  # type: ignore[attr-defined]
    about = select(events.c.id).where(events.c.subject_id.in_(invitation_ids))
    cancelled = _count(
        session.execute(
            delete(deliveries).where(
                deliveries.c.event_id.in_(about), deliveries.c.status != "delivered"
            )
        )
    )
    scrubbed = _count(
        session.execute(
            update(events)
            .where(events.c.subject_id.in_(invitation_ids))
            .values(payload={"erased": True})
        )
    )
    return {"webhook_deliveries": cancelled, "webhook_events": scrubbed}


def due_for_retention(session: Session, *, days: int, now: datetime) -> list[int]:
    """Candidates whose every vacancy closed more than ``days`` ago and who are not erased yet."""
    cutoff = now - timedelta(days=days)
    inv = Invitation.__table__  # type: ignore[attr-defined]
    vac = Vacancy.__table__  # type: ignore[attr-defined]
    era = Erasure.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        select(inv.c.candidate_id, vac.c.archived_at).join(vac, vac.c.id == inv.c.vacancy_id)
    ).all()
    open_or_recent: set[int] = set()
    closed: set[int] = set()
    for candidate_id, archived_at in rows:
        if archived_at is None or archived_at > cutoff:
            open_or_recent.add(candidate_id)
        else:
            closed.add(candidate_id)
    erased = set(session.execute(select(era.c.candidate_id)).scalars())
    # A hired candidate's data follows the employee rule below, not their vacancy's.
    employed = set(session.execute(select(col(Employee.candidate_id))).scalars())
    return sorted(closed - open_or_recent - erased - employed)


def leavers_due(session: Session, *, days: int, now: datetime) -> list[int]:
    """Candidate ids of employees whose end date is more than ``days`` days before ``now``."""
    cutoff: date = (now - timedelta(days=days)).date()
    return sorted(
        session.execute(
            select(col(Employee.candidate_id)).where(
                col(Employee.ended_on).is_not(None), col(Employee.ended_on) < cutoff
            )
        ).scalars()
    )


def apply_retention(
    session: Session, *, days: int, now: datetime, leaver_days: int | None = None
) -> list[int]:
    """Erase every candidate due under the retention policy, and (``leaver_days`` given) every
    employee who left that long ago, their assessment included; returns the candidate ids."""
    due = due_for_retention(session, days=days, now=now)
    for candidate_id in due:
        erase_candidate(session, candidate_id=candidate_id, actor=None, reason="retention")
    leavers = leavers_due(session, days=leaver_days, now=now) if leaver_days is not None else []
    for candidate_id in leavers:
        # The employee row goes with the personal data, so a leaver is never due twice.
        erase_candidate(
            session, candidate_id=candidate_id, actor=None, reason="retention", keep_scores=False
        )
    return sorted(due + leavers)
