"""The audit log: who viewed, exported, changed or deleted what, and when.

``record`` appends one event; nothing in the application updates or deletes one (and database
triggers refuse it, see the migration). It goes into the session of the change it describes,
so the request's unit of work (``app/db.py``) commits the event and the change together or
neither. A staff route takes ``audit: StaffAudit`` (``app/auth/deps.py``), which knows the
session, the user and the client's address, and names the action and the object::

    audit("vacancy.update", vacancy, details={"fields": changed})

The object's type and id, and the vacancy it belongs to, follow from the model (``Audit``).

Keep personal data out of ``details`` (ids, not names): the log outlives an erased candidate.

Actions not done by a logged-in person (an API key, the command line) pass ``actor=None`` and an
``actor_label`` ("API key rf_AbCdE (ATS sync)", "command line"); it is stored where a person's
email would be, so the admin page shows it and its "who" filter finds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from app.i18n import N_
from app.models import (
    ApiKey,
    AuditEvent,
    Employee,
    Invitation,
    MatrixVersion,
    Organisation,
    User,
    Vacancy,
    WebhookEndpoint,
)

# The actions the application records; the admin page filters by them.
ACTIONS = [
    "report.view",
    "report.export_pdf",
    "vacancy.export_zip",
    "vacancy.export_csv",
    "vacancy.export_xlsx",
    "candidates.compare",
    "decision.record",
    "vacancy.create",
    "vacancy.assign",
    "vacancy.unassign",
    "invitation.create",
    "invitation.revoke",
    "invitation.resend",
    "invitation.extend",
    "invitation.remind",
    "invitation.import",
    "user.create",
    "user.role",
    "user.deactivate",
    "user.activate",
    "user.login_locked",
    "user.unlock",
    "user.password_change",
    "user.session_end",
    "matrix.edit",
    "matrix.rescore",
    "data.export",
    "data.erase",
    "api_key.create",
    "api_key.revoke",
    "webhook.create",
    "webhook.enable",
    "webhook.disable",
    "webhook.test",
    "vacancy.update",
    "vacancy.close",
    "vacancy.reopen",
    "organisation.update",
    "text.update",
    "experience.view",
    "employee.create",
    "employee.update",
    "employee.import",
    "employee.invite",
    "employee.withdraw",
    "deals.import",
    "deals.resolve",
    "deals.mapping_save",
    "evidence.export_pdf",
    "evidence.reject",
]
# What each action is called on the audit page, in words (the codes stay in the database).
ACTION_NAMES: dict[str, str] = {
    "report.view": N_("Report viewed"),
    "report.export_pdf": N_("Report downloaded as PDF"),
    "vacancy.export_zip": N_("Vacancy exported as ZIP"),
    "vacancy.export_csv": N_("Vacancy exported as CSV"),
    "vacancy.export_xlsx": N_("Vacancy exported as Excel"),
    "candidates.compare": N_("Candidates compared"),
    "decision.record": N_("Decision recorded"),
    "vacancy.create": N_("Vacancy created"),
    "vacancy.assign": N_("Hiring manager assigned"),
    "vacancy.unassign": N_("Hiring manager removed"),
    "invitation.create": N_("Invitation created"),
    "invitation.revoke": N_("Link revoked"),
    "invitation.resend": N_("New link issued"),
    "invitation.extend": N_("Link extended"),
    "invitation.remind": N_("Reminder sent"),
    "invitation.import": N_("Candidates imported from CSV"),
    "user.create": N_("User created"),
    "user.role": N_("User's role changed"),
    "user.deactivate": N_("User deactivated"),
    "user.activate": N_("User reactivated"),
    "user.login_locked": N_("Logins slowed after failed attempts"),
    "user.unlock": N_("Failed logins cleared"),
    "user.password_change": N_("Password changed"),
    "user.session_end": N_("Session on another device ended"),
    "matrix.edit": N_("Role-fit matrix changed"),
    "matrix.rescore": N_("Results re-scored"),
    "data.export": N_("Personal data exported"),
    "data.erase": N_("Personal data erased"),
    "api_key.create": N_("API key created"),
    "api_key.revoke": N_("API key revoked"),
    "webhook.create": N_("Webhook added"),
    "webhook.enable": N_("Webhook enabled"),
    "webhook.disable": N_("Webhook disabled"),
    "webhook.test": N_("Test event sent"),
    "vacancy.update": N_("Vacancy changed"),
    "vacancy.close": N_("Vacancy closed"),
    "vacancy.reopen": N_("Vacancy reopened"),
    "organisation.update": N_("Company details changed"),
    "text.update": N_("Consent or email text changed"),
    "experience.view": N_("Candidate feedback viewed"),
    "employee.create": N_("Employee added"),
    "employee.update": N_("Employee changed"),
    "employee.import": N_("Team imported from a CSV file"),
    "employee.invite": N_("Assessment link sent to an employee"),
    "employee.withdraw": N_("Employee's consent withdrawn: assessment erased"),
    "deals.import": N_("Deals imported"),
    "deals.resolve": N_("CRM name matched to an employee"),
    "deals.mapping_save": N_("CRM column mapping saved"),
    "evidence.export_pdf": N_("Evidence downloaded as PDF"),
    "evidence.reject": N_("Proposed matrix rejected"),
}
# What each object_type is called on the audit page (a test finds every object_type recorded).
OBJECT_NAMES: dict[str, str] = {
    "api_key": N_("API key"),
    "candidate": N_("Candidate"),
    "deals": N_("Deals"),
    "employee": N_("Employee"),
    "invitation": N_("Invitation"),
    "matrix": N_("Role-fit matrix"),
    "organisation": N_("Organisation"),
    "team": N_("Sales team"),
    "text": N_("Consent or email text"),
    "user": N_("User"),
    "vacancy": N_("Vacancy"),
    "webhook_endpoint": N_("Webhook"),
}
PAGE_SIZE = 50


def client_ip(request: Request | None) -> str | None:
    if request is None or request.client is None:
        return None
    return request.client.host[:64]


def record(
    session: Session,
    *,
    actor: User | None,
    actor_label: str = "",
    action: str,
    object_type: str,
    object_id: int | str | None = None,
    vacancy_id: int | None = None,
    details: dict[str, Any] | None = None,
    request: Request | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        actor_email=actor.email if actor else actor_label[:254],
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        vacancy_id=vacancy_id,
        details=details or {},
        ip=client_ip(request),
    )
    session.add(event)
    session.flush()
    return event


# How the log names an object, by its model.
OBJECT_TYPES: dict[type[Any], str] = {
    User: "user",
    Vacancy: "vacancy",
    Invitation: "invitation",
    ApiKey: "api_key",
    WebhookEndpoint: "webhook_endpoint",
    Employee: "employee",
    Organisation: "organisation",
    MatrixVersion: "matrix",
}
Target = (
    User | Vacancy | Invitation | ApiKey | WebhookEndpoint | Employee | Organisation | MatrixVersion
)


@dataclass(frozen=True)
class Audit:
    """The audit log as one request (or one command) writes it: the session, who acts and from
    where are given once; each call names the action and its object.

    ``audit("invitation.revoke", invitation)`` stores object type "invitation", its id and its
    vacancy; objects that are not rows (a text version, a deals import) pass ``object_type``
    and ``object_id`` instead of a target."""

    session: Session
    actor: User | None
    request: Request | None = None
    actor_label: str = ""  # who acted when it is not a person (an API key, the command line)
    details_base: dict[str, Any] = field(default_factory=dict)  # added to every event

    def __call__(
        self,
        action: str,
        target: Target | None = None,
        *,
        object_type: str | None = None,
        object_id: int | str | None = None,
        vacancy_id: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        if target is not None:
            object_type = object_type or OBJECT_TYPES[type(target)]
            object_id = target.id if object_id is None else object_id
            if vacancy_id is None and isinstance(target, Vacancy):
                vacancy_id = target.id
            elif vacancy_id is None and isinstance(target, Invitation):
                vacancy_id = target.vacancy_id
        if object_type is None:
            raise ValueError(f"{action}: an audit event needs a target or an object_type")
        return record(
            self.session,
            actor=self.actor,
            actor_label=self.actor_label,
            action=action,
            object_type=object_type,
            object_id=object_id,
            vacancy_id=vacancy_id,
            details={**self.details_base, **(details or {})},
            request=self.request,
        )


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # part of the actor's email
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    page: int = 1


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int


def search(session: Session, *, where: AuditFilter, page_size: int = PAGE_SIZE) -> AuditPage:
    """Events matching ``where``, newest first, one page of them."""
    conditions: list[ColumnElement[bool]] = []
    if where.actor:
        pattern = "%" + where.actor.lower().replace("%", "").replace("_", "") + "%"
        conditions.append(func.lower(col(AuditEvent.actor_email)).like(pattern))
    if where.action:
        conditions.append(col(AuditEvent.action) == where.action)
    if where.object_type:
        conditions.append(col(AuditEvent.object_type) == where.object_type)
    if where.object_id:
        conditions.append(col(AuditEvent.object_id) == where.object_id)
    if where.since is not None:
        conditions.append(col(AuditEvent.at) >= where.since)
    if where.until is not None:
        conditions.append(col(AuditEvent.at) < where.until)
    total = session.exec(select(func.count()).select_from(AuditEvent).where(*conditions)).one()
    pages = max(1, -(-total // page_size))
    page = min(max(1, where.page), pages)
    events = session.exec(
        select(AuditEvent)
        .where(*conditions)
        .order_by(col(AuditEvent.id).desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return AuditPage(events=list(events), total=total, page=page, pages=pages)
