"""The database work of each candidate request, as one job for the writer (``app.writer``).

Every route in ``routes.py`` hands its reads and writes to the writer in one job and renders
what comes back on the event loop. So a candidate's request takes no worker thread (where it
queued behind the others for the interpreter's lock under load) and shares one transaction
with every other request waiting at that moment (bench/load).

A job returns what to show, or ``Go`` to send the candidate on, and raises like any other
code when it refuses: ``LinkProblem`` (which names whom to contact), ``HTTPException``,
``Refused`` for an autosave. The writer runs each job in a savepoint of its own, so a job that
raises leaves no write behind and costs the other jobs of its batch nothing. The hot jobs read
the link as one narrow row and run statements built once with bound parameters: building them
per request cost more than running them. Finishing reuses the scoring services through an ORM
session joined to the job's transaction (``_session``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from fastapi import HTTPException
from sqlalchemy import Connection, bindparam, func, select, update
from sqlmodel import Session, col

from app.candidate.service import (
    FIELD_PREFIX,
    InvalidAnswers,
    PageRef,
    all_answers,
    answer_ms,
    find_page,
    finish,
    flow_pages,
    lock_invitation,
    parse_answers,
    record_page,
    upsert_answers,
)
from app.config import LANGUAGES, Settings
from app.db import Prepared
from app.experience.service import COMMENT_MAX
from app.invitations.service import contact_for
from app.models import (
    AssessmentRating,
    Candidate,
    Employee,
    Invitation,
    InvitationStatus,
    ReplacedLink,
    Result,
    User,
    Vacancy,
    closed_to_candidate,
    invitation_status,
)
from app.organisation.service import Brand, Consent, consent_for, organisation, saved_consent
from app.privacy.service import withdraw_assessment
from app.security.hashes import hash_token
from app.text import strip_bidi
from app.web.errors import LinkProblem
from questionnaires.schema import Questionnaire

_INVITATIONS = Invitation.__table__  # type: ignore[attr-defined]
_LINK_COLUMNS = (
    "id",
    "candidate_id",
    "language",
    "questionnaire_ids",
    "vacancy_id",
    "created_by_id",
    "consent_at",
    "started_at",
    "completed_at",
    "revoked_at",
    "expires_at",
)
_LINK = Prepared(
    select(*(_INVITATIONS.c[name] for name in _LINK_COLUMNS)).where(
        _INVITATIONS.c.token_hash == bindparam("token_hash")
    )
)
_REPLACED_LINKS = ReplacedLink.__table__  # type: ignore[attr-defined]
# The invitation a replaced link belonged to: its language, for the "replaced" page.
_REPLACED = (
    select(_INVITATIONS.c.language)
    .join(_REPLACED_LINKS, _REPLACED_LINKS.c.invitation_id == _INVITATIONS.c.id)
    .where(_REPLACED_LINKS.c.token_hash == bindparam("token_hash"))
)
_LANGUAGE = (
    update(_INVITATIONS)
    .where(_INVITATIONS.c.id == bindparam("iid"))
    .values(language=bindparam("language"))
)
_CONSENT = (
    update(_INVITATIONS)
    .where(_INVITATIONS.c.id == bindparam("iid"), _INVITATIONS.c.consent_at.is_(None))
    .values(consent_at=bindparam("at"), consent_version=bindparam("version"))
)
_OPENED = (
    update(_INVITATIONS)
    .where(_INVITATIONS.c.id == bindparam("iid"), _INVITATIONS.c.opened_at.is_(None))
    .values(opened_at=bindparam("at"))
)
# Marks the invitation active, only while it is not completed. The one write that is also the
# lock: on PostgreSQL it holds the invitation's row until commit (a finish in another tab
# waits, or has already made it match nothing); on SQLite it takes the database's write lock.
# So no answer lands after the result was scored.
_TOUCH = Prepared(
    update(_INVITATIONS)
    .where(_INVITATIONS.c.id == bindparam("iid"), _INVITATIONS.c.completed_at.is_(None))
    .values(
        last_activity_at=bindparam("at"),
        started_at=func.coalesce(_INVITATIONS.c.started_at, bindparam("at")),
    )
)
# Whether a vacancy is closed; asked only for links whose candidate has not yet agreed
# (``closed_to_candidate``), so the answers' hot path never runs it.
_VACANCIES = Vacancy.__table__  # type: ignore[attr-defined]
_VACANCY_CLOSED = select(_VACANCIES.c.archived_at.is_not(None)).where(
    _VACANCIES.c.id == bindparam("vid")
)
_UNUSABLE = (InvitationStatus.completed, InvitationStatus.expired, InvitationStatus.revoked)


@dataclass(frozen=True)
class Link:
    """What a candidate's request needs of the invitation behind the link."""

    id: int
    candidate_id: int
    language: str
    questionnaire_ids: list[str]
    vacancy_id: int
    created_by_id: int | None
    consent_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime


@dataclass(frozen=True)
class Go:
    """Redirect to ``/a/<token><path>``. A value, not an exception: a job that sends the
    candidate on may have written (consent, a language switch), and an exception would roll
    its savepoint back."""

    path: str = ""


def _session(conn: Connection) -> Session:
    """An ORM session on the job's connection, in a savepoint of its own: a failed flush rolls
    back that savepoint only (not the batch under the other jobs), and so does closing the
    session, so a job that writes through it ends with ``commit()``, which releases it into
    the job's transaction."""
    return Session(bind=conn, join_transaction_mode="create_savepoint")


def _problem(conn: Connection, link: Link, reason: str, settings: Settings) -> LinkProblem:
    problem = LinkProblem(reason, lang=link.language)
    with _session(conn) as session:
        problem.contact = contact_for(session, settings=settings, created_by_id=link.created_by_id)
    return problem


def _not_in_force(conn: Connection, token_hash: str | None, settings: Settings) -> LinkProblem:
    """A link no invitation has now: one that "New link" replaced says so, in the candidate's
    language, with the organisation to write to; any other is "not valid"."""
    replaced = conn.execute(_REPLACED, {"token_hash": token_hash}).first() if token_hash else None
    if replaced is None:
        return LinkProblem("unknown", lang=settings.default_language)
    problem = LinkProblem("replaced", lang=replaced.language)
    with _session(conn) as session:
        org = organisation(session)
    if org is not None:
        problem.organisation = org.name
        problem.contact = org.contact_email
    else:
        problem.contact = settings.contact_email or None
    return problem


def open_link(
    conn: Connection,
    token: str,
    *,
    settings: Settings,
    now: datetime,
    allow_completed: bool = False,
    lang: str | None = None,
) -> Link:
    """The link's invitation (``LinkProblem`` when it cannot be used); ``lang`` (a page's
    ?lang=) switches the invitation's language."""
    row = None
    token_hash = hash_token(token) if 20 <= len(token) <= 100 else None
    if token_hash is not None:
        row = _LINK.first(conn, {"token_hash": token_hash})
    if row is None:
        raise _not_in_force(conn, token_hash, settings)
    link = Link(**dict(zip(_LINK_COLUMNS, row, strict=True)))
    status = invitation_status(link, now)
    if status in _UNUSABLE and not (allow_completed and status == InvitationStatus.completed):
        raise _problem(conn, link, status.value, settings)
    if link.consent_at is None:
        closed = bool(conn.execute(_VACANCY_CLOSED, {"vid": link.vacancy_id}).scalar())
        if closed_to_candidate(vacancy_closed=closed, consent_at=link.consent_at):
            raise _problem(conn, link, "vacancy_closed", settings)
    if lang in LANGUAGES and lang != link.language:
        conn.execute(_LANGUAGE, {"iid": link.id, "language": lang})
        link = replace(link, language=lang)
    return link


def _started(
    conn: Connection, token: str, *, settings: Settings, now: datetime, lang: str | None = None
) -> Link | Go:
    """An open link with consent; without consent, back to the welcome page."""
    link = open_link(conn, token, settings=settings, now=now, lang=lang)
    if link.consent_at is None:
        return Go()
    return link


# --- the welcome page and consent ----------------------------------------------------------


@dataclass(frozen=True)
class Welcome:
    link: Link
    vacancy_title: str | None
    inviter: str | None
    contact: str | None
    brand: Brand
    consent: Consent
    employee: bool = False  # a current employee's link: the employee consent text


def _is_team(vacancy: Vacancy | None) -> bool:
    return vacancy is not None and vacancy.kind == "team"


def welcome(
    conn: Connection, *, token: str, settings: Settings, now: datetime, lang: str | None = None
) -> Welcome | Go:
    """``GET /a/<t>``: what the welcome page says; after consent, on to the questions."""
    link = open_link(conn, token, settings=settings, now=now, lang=lang)
    if link.consent_at is not None:
        return Go("/next")
    # The funnel's "opened" step: the first view of the welcome page; matches nothing after.
    conn.execute(_OPENED, {"iid": link.id, "at": now})
    return welcome_page(conn, link=link, settings=settings)


def welcome_page(conn: Connection, *, link: Link, settings: Settings) -> Welcome:
    """What the welcome page shows. Everything but the link is the same for every link of one
    vacancy, inviter and language, and is read once per transaction: candidates invited
    together open their links together, and their welcome jobs share the writer's batch, where
    each read the organisation, the vacancy, the inviter and the consent text through the ORM
    (about a millisecond a job; 50 at once set the load benchmark's page p99, bench/load).
    Within one transaction the rows read are the batch's own snapshot to go by anyway."""
    key = (link.vacancy_id, link.created_by_id, link.language)
    shared = _per_transaction(conn, "welcome")
    known = shared.get(key)
    if known is None:
        known = shared[key] = _welcome_page(conn, link=link, settings=settings)
    return replace(known, link=link)


def _per_transaction(conn: Connection, name: str) -> dict[Any, Any]:
    """A dict that lives as long as ``conn``'s current transaction (the writer's batch)."""
    transaction = conn.get_transaction()
    memo: tuple[Any, dict[str, dict[Any, Any]]] | None = conn.info.get("rolefit.per_transaction")
    if memo is None or memo[0] is not transaction:
        memo = (transaction, {})
        conn.info["rolefit.per_transaction"] = memo
    return memo[1].setdefault(name, {})


def _welcome_page(conn: Connection, *, link: Link, settings: Settings) -> Welcome:
    with _session(conn) as session:
        org = organisation(session)
        if org is None:
            # A consent that names no operator is no consent: the link waits for the admin.
            problem = LinkProblem("no_organisation", lang=link.language)
            problem.contact = contact_for(
                session, settings=settings, created_by_id=link.created_by_id
            )
            raise problem
        vacancy = session.get(Vacancy, link.vacancy_id)
        inviter = session.get(User, link.created_by_id) if link.created_by_id else None
        contact = contact_for(session, settings=settings, created_by_id=link.created_by_id)
        employee = _is_team(vacancy)
        kind = "employee_consent" if employee else "consent"
        return Welcome(
            link=link,
            vacancy_title=vacancy.title if vacancy and not employee else None,
            inviter=(inviter.full_name or inviter.email) if inviter else None,
            contact=contact,
            brand=Brand(org.name, org.logo is not None),
            consent=consent_for(session, settings, org=org, language=link.language, kind=kind),
            employee=employee,
        )


def give_consent(
    conn: Connection,
    *,
    token: str,
    agreed: bool,
    settings: Settings,
    now: datetime,
    shown_version: str | None = None,
) -> Welcome | Go:
    """``POST /a/<t>/consent``: record it and go on; without the box ticked, the
    welcome page again (the route shows it with the error)."""
    link = open_link(conn, token, settings=settings, now=now)
    page = welcome_page(conn, link=link, settings=settings)
    if not agreed:
        return page
    # The version shown on the page the candidate ticked, if it still exists; else the one in
    # force (which the page showed unless an admin saved a new one in between).
    with _session(conn) as session:
        label = page.consent.label
        if shown_version and shown_version != label:
            shown = saved_consent(session, shown_version)
            if shown is not None and shown.kind == page.consent.kind:
                label = shown_version
    conn.execute(_CONSENT, {"iid": link.id, "at": now, "version": label})
    return Go("/next")


# --- the questions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """The link, its pages and every answer so far."""

    link: Link
    pages: list[PageRef]
    answers: dict[str, dict[str, int]]


def flow(
    conn: Connection,
    *,
    token: str,
    catalog: Mapping[str, Questionnaire],
    settings: Settings,
    now: datetime,
    allow_completed: bool = False,
    lang: str | None = None,
) -> Flow | Go:
    """``GET /a/<t>/next`` and ``/review``: the flow of a started link; ``Go`` to the welcome
    page without consent, to ``/done`` once completed (when ``allow_completed``)."""
    link = open_link(
        conn, token, settings=settings, now=now, allow_completed=allow_completed, lang=lang
    )
    if link.completed_at is not None:
        return Go("/done")
    if link.consent_at is None:
        return Go()
    pages = flow_pages(link.questionnaire_ids, catalog)
    return Flow(link, pages, all_answers(conn, invitation_id=link.id))


def _page_of(
    conn: Connection,
    token: str,
    catalog: Mapping[str, Questionnaire],
    qid: str,
    page: int,
    *,
    settings: Settings,
    now: datetime,
    lang: str | None = None,
) -> tuple[Link, list[PageRef], PageRef] | Go:
    """A started link's question page: the link, its flow and the page; 404 for a page that
    is not in its flow."""
    link = _started(conn, token, settings=settings, now=now, lang=lang)
    if isinstance(link, Go):
        return link
    pages = flow_pages(link.questionnaire_ids, catalog)
    ref = find_page(pages, qid, page)
    if ref is None:
        raise HTTPException(status_code=404)
    return link, pages, ref


@dataclass(frozen=True)
class OpenPage:
    """A question page's data: the flow and the page."""

    flow: Flow
    ref: PageRef


def open_page(
    conn: Connection,
    *,
    token: str,
    catalog: Mapping[str, Questionnaire],
    qid: str,
    page: int,
    settings: Settings,
    now: datetime,
    lang: str | None = None,
) -> OpenPage | Go:
    """``GET /a/<t>/q/<qid>/<page>``: the page's data; the time it was shown is recorded."""
    found = _page_of(conn, token, catalog, qid, page, settings=settings, now=now, lang=lang)
    if isinstance(found, Go):
        return found
    link, pages, ref = found
    answers = all_answers(conn, invitation_id=link.id)
    record_page(
        conn,
        invitation_id=link.id,
        questionnaire_id=qid,
        page=page - 1,
        kind="view",
        now=now,
        first=link.started_at is None,
    )
    return OpenPage(Flow(link, pages, answers), ref)


def store_page(
    conn: Connection,
    *,
    token: str,
    catalog: Mapping[str, Questionnaire],
    qid: str,
    page: int,
    form: Mapping[str, object],
    settings: Settings,
    now: datetime,
) -> tuple[list[PageRef], PageRef] | Go:
    """``POST /a/<t>/q/<qid>/<page>``, the page's form: its answers and the page's "save" time;
    the flow and the page, for where to go next."""
    found = _page_of(conn, token, catalog, qid, page, settings=settings, now=now)
    if isinstance(found, Go):
        return found
    link, pages, ref = found
    try:
        answers = parse_answers(catalog[qid], form)
    except InvalidAnswers as exc:
        raise HTTPException(status_code=422) from exc
    q = catalog[qid]
    # The optional self-descriptions are shown on (and posted with) the questionnaire's last page.
    shown = set(ref.item_ids)
    if ref.page == len(q.pages()):
        shown |= {sd.id for sd in q.self_descriptions}
    if set(answers) - shown:
        raise HTTPException(status_code=422)
    if _TOUCH.execute(conn, {"iid": link.id, "at": now}).rowcount == 0:
        raise LinkProblem("completed", lang=link.language)  # finished in another tab
    if answers:
        upsert_answers(
            conn,
            invitation_id=link.id,
            questionnaire_id=qid,
            answers=answers,
            now=now,
            item_ms={},
        )
    record_page(
        conn, invitation_id=link.id, questionnaire_id=qid, page=page - 1, kind="save", now=now
    )
    return pages, ref


def save_one(
    db: Connection,
    *,
    invitation_id: int,
    language: str,
    q: Questionnaire,
    item_id: str,
    value: object,
    now: datetime,
    ms: object = None,
) -> None:
    """One answer saved as it is given; ``InvalidAnswers`` for anything not valid,
    ``LinkProblem("completed")`` once the assessment is finished (see ``_TOUCH``). ``ms`` is
    the browser's answer time: junk is dropped, never an error. Nothing is written before
    either refusal."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidAnswers("value must be a whole number")
    answers = parse_answers(q, {FIELD_PREFIX + item_id: str(value)})
    bounded = answer_ms(ms)
    if _TOUCH.execute(db, {"iid": invitation_id, "at": now}).rowcount == 0:
        raise LinkProblem("completed", lang=language)
    upsert_answers(
        db,
        invitation_id=invitation_id,
        questionnaire_id=q.id,
        answers=answers,
        now=now,
        item_ms={item_id: bounded} if bounded is not None else {},
    )


class Refused(Exception):
    """Why an autosave was not stored: the JSON ``error`` and the HTTP status."""

    def __init__(self, error: str, status_code: int) -> None:
        super().__init__(error)
        self.error, self.status_code = error, status_code


def store_autosave(
    conn: Connection,
    *,
    token: str,
    catalog: Mapping[str, Questionnaire],
    qid: object,
    item_id: object,
    value: object,
    ms: object,
    settings: Settings,
    now: datetime,
) -> None:
    """``POST /a/<t>/save``: one answer as it is clicked; ``Refused`` says why it was not."""
    try:
        link = open_link(conn, token, settings=settings, now=now)
    except LinkProblem as problem:
        raise Refused(problem.reason, problem.status_code) from problem
    if link.consent_at is None:
        raise Refused("consent", 409)
    if not isinstance(qid, str) or not isinstance(item_id, str):
        raise Refused("body", 400)
    if qid not in link.questionnaire_ids or qid not in catalog:
        raise Refused("questionnaire", 404)
    try:
        save_one(
            conn,
            invitation_id=link.id,
            language=link.language,
            q=catalog[qid],
            item_id=item_id,
            value=value,
            now=now,
            ms=ms,
        )
    except InvalidAnswers as exc:
        raise Refused("answer", 422) from exc
    except LinkProblem as exc:  # finished meanwhile (another tab)
        raise Refused("completed", 410) from exc


# --- the end -------------------------------------------------------------------------------


def finish_assessment(
    conn: Connection,
    *,
    token: str,
    catalog: Mapping[str, Questionnaire],
    settings: Settings,
    now: datetime,
) -> Go:
    """``POST /a/<t>/finish``: score what was answered and complete the invitation, then the
    thank-you page (also when another tab finished first: one result per questionnaire)."""
    link = open_link(conn, token, settings=settings, now=now, allow_completed=True)
    if link.completed_at is None and link.consent_at is None:
        return Go()
    if link.completed_at is None:
        with _session(conn) as session:
            invitation = session.get(Invitation, link.id)
            if invitation is not None and lock_invitation(session, invitation):
                finish(session, invitation=invitation, catalog=catalog, now=now)
                if _is_team(session.get(Vacancy, invitation.vacancy_id)):
                    # An employee's link: the result counts for them on the team page and
                    # the evidence page, never in a hiring table.
                    employee = session.scalars(
                        select(Employee).where(
                            col(Employee.candidate_id) == invitation.candidate_id
                        )
                    ).first()
                    if employee is not None:
                        employee.invitation_id = invitation.id
                        session.add(employee)
                session.commit()
    return Go("/done")


@dataclass(frozen=True)
class Done:
    link: Link
    feedback: bool  # the vacancy offers the candidate a note on their style
    results: list[dict[str, Any]]  # the engine's results, in the invitation's order
    name: str
    brand: Brand | None = None
    rated: bool = False
    employee: bool = False  # a current employee's link: they may withdraw here


def done(
    conn: Connection,
    *,
    token: str,
    settings: Settings,
    now: datetime,
    lang: str | None = None,
    with_results: bool = False,
) -> Done | Go:
    """``GET /a/<t>/done`` (and, ``with_results``, ``/feedback``): a completed link's end."""
    link = open_link(conn, token, settings=settings, now=now, allow_completed=True, lang=lang)
    if link.completed_at is None:
        return Go("/next")
    with _session(conn) as session:
        vacancy = session.get(Vacancy, link.vacancy_id)
        feedback = bool(vacancy and vacancy.feedback_enabled)
        employee = _is_team(vacancy)
        org = organisation(session)
        brand = Brand(org.name, org.logo is not None) if org else None
        rated = (
            session.scalars(
                select(col(AssessmentRating.id)).where(
                    col(AssessmentRating.invitation_id) == link.id
                )
            ).first()
            is not None
        )
        if not (with_results and feedback):
            return Done(link, feedback, [], "", brand, rated, employee)
        results = session.scalars(select(Result).where(col(Result.invitation_id) == link.id)).all()
        order = {qid: n for n, qid in enumerate(link.questionnaire_ids)}
        ordered = sorted(results, key=lambda r: order.get(r.questionnaire_id, 99))
        candidate = session.get(Candidate, link.candidate_id)
        return Done(
            link,
            feedback,
            [r.data for r in ordered],
            candidate.name if candidate else "",
            brand,
            rated,
            employee,
        )


def rate(
    conn: Connection,
    *,
    token: str,
    rating: object,
    comment: object,
    settings: Settings,
    now: datetime,
) -> Go:
    """``POST /a/<t>/rating``: the optional "How was this assessment?", after completing.
    Given again, the answer replaces the first (one row per invitation)."""
    link = open_link(conn, token, settings=settings, now=now, allow_completed=True)
    if link.completed_at is None:
        return Go("/next")
    value = int(rating) if isinstance(rating, str) and rating in {"1", "2", "3", "4", "5"} else None
    text = strip_bidi(comment if isinstance(comment, str) else "").strip()[:COMMENT_MAX]
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))
    if value is None and not text:
        return Go("/done")  # nothing said: nothing stored
    with _session(conn) as session:
        row = session.scalars(
            select(AssessmentRating).where(col(AssessmentRating.invitation_id) == link.id)
        ).first()
        if row is None:
            row = AssessmentRating(invitation_id=link.id, created_at=now)
        row.rating, row.comment, row.created_at = value, text, now
        session.add(row)
        session.commit()
    return Go("/done")


@dataclass(frozen=True)
class Withdrawn:
    """The page after an employee withdrew consent (the link no longer opens after it)."""

    language: str
    brand: Brand | None
    contact: str | None


def withdraw(
    conn: Connection, *, token: str, confirmed: bool, settings: Settings, now: datetime
) -> Withdrawn | Go:
    """``POST /a/<t>/withdraw``: an employee withdraws consent from their link; their answers
    and result are erased at once. Only the team's links offer it (404 for a candidate's)."""
    link = open_link(conn, token, settings=settings, now=now, allow_completed=True)
    with _session(conn) as session:
        if not _is_team(session.get(Vacancy, link.vacancy_id)):
            raise HTTPException(status_code=404)
        if not confirmed:
            return Go("/done?confirm=1" if link.completed_at else "")
        employee = session.scalars(
            select(Employee).where(col(Employee.candidate_id) == link.candidate_id)
        ).first()
        org = organisation(session)
        brand = Brand(org.name, org.logo is not None) if org else None
        contact = org.contact_email if org else None
        if employee is not None:
            withdraw_assessment(session, employee=employee, actor=None, now=now, via="employee")
            session.commit()
        return Withdrawn(link.language, brand, contact)
