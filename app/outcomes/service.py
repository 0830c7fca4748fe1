"""The current team and its CRM results: employees, deal imports, and the evidence per role.

Services flush; the caller commits (CONTRIBUTING.md, "Who commits").
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
from sqlmodel import Session, col, select

from app.bulk.csv_import import FileError, Note, Rejected
from app.bulk.employees_csv import EmployeeRow, parse_employees_csv
from app.config import Settings
from app.db import utcnow
from app.i18n import N_
from app.invitations.invite import invite_candidate
from app.invitations.mailer import NoOrganisation, queue_email
from app.invitations.service import NO_ORGANISATION, contact_for
from app.matrix.service import current
from app.models import (
    Candidate,
    CrmMapping,
    CrmName,
    Deal,
    Employee,
    EmployeeRole,
    Invitation,
    Result,
    User,
    Vacancy,
)
from app.outcomes.crm import READY, DealRow, Mapping, Outcome, parse_deals
from app.outcomes.figures import (
    HEADLINE,
    Figures,
    figures,
    headline_by_person,
    period_of,
    standardised_within,
)
from app.outcomes.figures import Deal as FigureDeal
from app.scoring.service import EXTRAVERSION, SOCIONICS, calibration_for, pole_p_high
from app.staff.service import QUESTIONNAIRE_CHOICES
from app.text import plausible_email, strip_bidi
from questionnaires import joint
from questionnaires.engine import prior_calibration
from questionnaires.loader import product_questionnaires, same_scoring_versions
from questionnaires.psychometrics import MIN_SAMPLE
from questionnaires.result import Result as EngineResult
from socionics.evidence import (
    Interval,
    RoleEvidence,
    TopThirdShare,
    associations,
    fit_slope,
    role_evidence,
    top_third,
)
from socionics.model import get_type, type_codes
from socionics.recommend import BASE_DICHOTOMIES, type_probabilities

ROLES = tuple(r.value for r in EmployeeRole)


class EmployeeError(Exception):
    """A message id, translated where it is shown."""


def _name_key(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def add_employee(
    session: Session,
    *,
    name: str,
    email: str | None,
    role: str,
    team: str,
    started_on: date,
    ended_on: date | None = None,
    checked: bool = False,
) -> Employee:
    """A new employee; ``checked``: the caller knows the email is on no other employee."""
    name = strip_bidi(name).strip()
    if not name:
        raise EmployeeError(N_("Enter the employee's name."))
    if role not in ROLES:
        raise EmployeeError(N_("Choose the employee's role."))
    if ended_on is not None and ended_on < started_on:
        raise EmployeeError(N_("The end date is before the start date."))
    email = (email or "").strip().lower() or None
    if email is not None and not plausible_email(email):
        raise EmployeeError(N_("Enter a valid email address or leave it empty."))
    if email is not None and not checked and email in _team_by_email(session):
        # Deals and later team files find an employee by email: two would match neither.
        raise EmployeeError(N_("An employee with this email is already on the team."))
    person = Candidate(name=name[:200], email=email)
    session.add(person)
    session.flush()
    assert person.id is not None
    row = Employee(
        candidate_id=person.id,
        role=role,
        team=team.strip()[:100],
        started_on=started_on,
        ended_on=ended_on,
    )
    session.add(row)
    session.flush()
    if not checked:  # an import matches once, after its last row
        match_waiting_deals(session)
    return row


def employee_of(session: Session, *, candidate_id: int) -> Employee | None:
    """The team's row of this person, if they are on the team."""
    return session.exec(select(Employee).where(Employee.candidate_id == candidate_id)).first()


def hire(
    session: Session, *, invitation: Invitation, role: str, team: str, started_on: date
) -> Employee:
    """A hired candidate joins the team with the assessment they already took (someone on the
    team already stays as they are: their row is returned)."""
    if role not in ROLES:
        raise EmployeeError(N_("Choose the employee's role."))
    existing = employee_of(session, candidate_id=invitation.candidate_id)
    if existing is not None:
        return existing
    row = Employee(
        candidate_id=invitation.candidate_id,
        role=role,
        team=team.strip()[:100],
        started_on=started_on,
        invitation_id=invitation.id if invitation.completed_at is not None else None,
    )
    session.add(row)
    session.flush()
    match_waiting_deals(session)
    return row


# --- the team from a CSV file ----------------------------------------------------------------

TEAM_FILE_MAX_BYTES = 1_000_000
TEAM_FILE_MAX_ROWS = 2000


@dataclass
class TeamImport:
    """What a team file does (in the preview: would do): nothing is written while it is made."""

    new: list[EmployeeRow] = field(default_factory=list)
    # Rows naming an employee already on the team (by email), with the fields that change.
    updated: list[tuple[EmployeeRow, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    error: FileError | None = None
    # Rows found by exact name among employees with no email (added by hand): line -> employee.
    by_name: dict[int, int] = field(default_factory=dict)

    def audit_details(self) -> dict[str, Any]:
        """Counts only: the rows are personal data."""
        return {
            "created": len(self.new),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
        }


def _team_by_email(session: Session) -> dict[str, tuple[Employee, Candidate]]:
    rows = session.exec(
        select(Employee, Candidate).join(Candidate, col(Candidate.id) == Employee.candidate_id)
    ).all()
    return {person.email.casefold(): (e, person) for e, person in rows if person.email}


def _team_without_email(session: Session) -> dict[str, list[tuple[Employee, Candidate]]]:
    """Employees with no email (added by hand), by their name as the deals import matches it."""
    rows = session.exec(
        select(Employee, Candidate).join(Candidate, col(Candidate.id) == Employee.candidate_id)
    ).all()
    out: dict[str, list[tuple[Employee, Candidate]]] = defaultdict(list)
    for e, person in rows:
        if not person.email:
            out[_name_key(person.name)].append((e, person))
    return out


def _changes(row: EmployeeRow, employee: Employee, person: Candidate) -> list[str]:
    now = {
        "name": person.name,
        "role": employee.role,
        "team": employee.team,
        "started_on": employee.started_on,
        "ended_on": employee.ended_on,
    }
    changed = [k for k, v in now.items() if getattr(row, k) != v]
    # Found by name: the file gives an email the employee had none of.
    return changed if person.email else ["email", *changed]


def plan_team_import(session: Session, *, data: bytes) -> TeamImport:
    """Sort a team file's rows into new employees, employees whose fields change (matched by
    email, or by exact name among employees with no email) and broken rows. Reads only."""
    parsed = parse_employees_csv(data, max_bytes=TEAM_FILE_MAX_BYTES, max_rows=TEAM_FILE_MAX_ROWS)
    plan = TeamImport(rejected=list(parsed.rejected), notes=parsed.notes, error=parsed.error)
    if parsed.error is not None:
        return plan
    team = _team_by_email(session)
    # An employee added by hand without an email is found by exact name, once: a name two
    # such employees share, or two rows give, is not guessed (the row is skipped, and says why).
    unnamed = _team_without_email(session)
    rows_by_name: dict[str, list[int]] = defaultdict(list)
    for row in parsed.rows:
        if row.email not in team:
            rows_by_name[_name_key(row.name)].append(row.line)
    for row in parsed.rows:
        found = team.get(row.email)
        if found is None:
            key = _name_key(row.name)
            namesakes = unnamed.get(key, [])
            if len(namesakes) > 1:
                plan.rejected.append(Rejected(row.line, "employee_name_shared", row.raw))
                continue
            if namesakes and len(rows_by_name[key]) > 1:
                lines = ", ".join(str(n) for n in rows_by_name[key])
                plan.rejected.append(
                    Rejected(row.line, "employee_name_rows", row.raw, {"rows": lines})
                )
                continue
            if not namesakes:
                plan.new.append(row)
                continue
            found = namesakes[0]
            assert found[0].id is not None
            plan.by_name[row.line] = found[0].id
        changed = _changes(row, *found)
        if changed:
            plan.updated.append((row, changed))
        else:
            plan.unchanged += 1
    plan.rejected.sort(key=lambda r: r.line)
    return plan


def import_team(session: Session, *, data: bytes) -> TeamImport:
    """Write what ``plan_team_import`` shows: broken rows are left out, the rest is created or
    updated. The same file again finds every row unchanged and writes nothing."""
    plan = plan_team_import(session, data=data)
    if plan.error is not None:
        return plan
    team = _team_by_email(session)
    for row in plan.new:
        add_employee(
            session,
            name=row.name,
            email=row.email,
            role=row.role,
            team=row.team,
            started_on=row.started_on,
            ended_on=row.ended_on,
            checked=True,  # new: matched no employee's email
        )
    for row, _changed in plan.updated:
        if row.line in plan.by_name:
            employee = session.get(Employee, plan.by_name[row.line])
            assert employee is not None
            person = session.get(Candidate, employee.candidate_id)
            assert person is not None
            person.email = row.email  # found by name: the file gives them their email
        else:
            employee, person = team[row.email]
        person.name = row.name
        employee.role, employee.team = row.role, row.team
        employee.started_on, employee.ended_on = row.started_on, row.ended_on
        session.add(person)
        session.add(employee)
    session.flush()
    match_waiting_deals(session)
    return plan


# --- assessing the current team -------------------------------------------------------------


def team_vacancy(session: Session, *, title: str, language: str) -> Vacancy:
    """The internal vacancy the team's assessment links belong to (made on first use): its
    links show the employee consent, and it is on no hiring page."""
    found = session.exec(
        select(Vacancy).where(Vacancy.kind == "team").order_by(col(Vacancy.id))
    ).first()
    if found is not None:
        return found
    # Both questionnaires: the evidence page needs each employee's type probabilities.
    vacancy = Vacancy(
        title=title[:200],
        language=language,
        kind="team",
        questionnaire_ids=list(QUESTIONNAIRE_CHOICES["both"]),
    )
    session.add(vacancy)
    session.flush()
    return vacancy


@dataclass(frozen=True)
class EmployeeLink:
    invitation: Invitation
    link: str  # shown once when there is no email to send it to
    emailed: bool


def _live_link(session: Session, *, employee: Employee, now: datetime) -> Invitation | None:
    rows = session.exec(
        select(Invitation)
        .join(Vacancy, col(Vacancy.id) == Invitation.vacancy_id)
        .where(
            Invitation.candidate_id == employee.candidate_id,
            Vacancy.kind == "team",
            col(Invitation.completed_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
    ).all()
    return next((r for r in rows if r.expires_at > now), None)


def invite_employee(
    session: Session,
    *,
    settings: Settings,
    employee: Employee,
    created_by: User | None,
    title: str,
    now: datetime | None = None,
) -> EmployeeLink:
    """A personal assessment link for a current employee, emailed when they have an address.
    A new link replaces one still open (the old one stops working); an employee whose
    assessment already counts (a hired candidate among them) gets none."""
    now = now or utcnow()
    if employee.invitation_id is not None:
        raise EmployeeError(N_("This employee's assessment already counts: no second one."))
    person = session.get(Candidate, employee.candidate_id)
    assert person is not None
    old = _live_link(session, employee=employee, now=now)
    if old is not None:
        old.revoked_at = now
        session.add(old)
    vacancy = team_vacancy(session, title=title, language=settings.default_language)
    new = invite_candidate(
        session,
        settings=settings,
        vacancy=vacancy,
        name=person.name,
        person=person,
        created_by=created_by,
        now=now,
    )
    if not person.email:
        return EmployeeLink(new.invitation, new.link, emailed=False)
    try:
        queue_email(
            session,
            settings=settings,
            invitation=new.invitation,
            to_email=person.email,
            to_name=person.name,
            vacancy_title=vacancy.title,
            link=new.link,
            kind="employee",
            contact_email=contact_for(
                session, settings=settings, created_by_id=created_by.id if created_by else None
            ),
            created_by=created_by,
            now=now,
        )
    except NoOrganisation:
        raise EmployeeError(NO_ORGANISATION) from None
    return EmployeeLink(new.invitation, new.link, emailed=True)


def employees_to_invite(session: Session, *, now: datetime) -> list[Employee]:
    """Everyone still on the team with an email, no result and no open link: whom "send to
    all" reaches."""
    rows = session.exec(
        select(Employee, Candidate)
        .join(Candidate, col(Candidate.id) == Employee.candidate_id)
        .where(col(Employee.invitation_id).is_(None), col(Candidate.email).is_not(None))
        .order_by(col(Employee.id))
    ).all()
    today = now.date()
    return [
        e
        for e, _person in rows
        if (e.ended_on is None or e.ended_on >= today)
        and _live_link(session, employee=e, now=now) is None
    ]


def mapping_named(session: Session, name: str) -> Mapping | None:
    if name in READY:
        return READY[name]
    saved = session.exec(select(CrmMapping).where(CrmMapping.name == name)).first()
    if saved is None:
        return None
    return Mapping(
        name=saved.name,
        columns={k: (v,) for k, v in saved.columns.items()},
        won=tuple(saved.won),
        lost=tuple(saved.lost),
        qualified=tuple(saved.qualified),
    )


def saved_mapping_names(session: Session) -> list[str]:
    """The mappings made on the mapping screen, by name, after the two ready ones."""
    return list(session.exec(select(CrmMapping.name).order_by(col(CrmMapping.name))).all())


def save_mapping(session: Session, *, mapping: Mapping) -> CrmMapping:
    """Keep a mapping made on the screen for the next import; the same name is replaced."""
    row = session.exec(select(CrmMapping).where(CrmMapping.name == mapping.name)).first()
    row = row or CrmMapping(name=mapping.name)
    row.columns = {f: titles[0] for f, titles in mapping.columns.items()}
    row.won, row.lost, row.qualified = (
        list(mapping.won),
        list(mapping.lost),
        list(mapping.qualified),
    )
    session.add(row)
    session.flush()
    return row


@dataclass
class DealImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Responsible names (as the CRM wrote them) with no employee yet, and their deal counts.
    unmatched: dict[str, int] = field(default_factory=dict)

    def audit_details(self, source: str) -> dict[str, Any]:
        """For the audit log: counts only (the names are personal data)."""
        return {
            "mapping": source,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "unmatched_names": len(self.unmatched),
        }


def _employee_keys(session: Session) -> dict[str, int]:
    """Emails and exact names (case and spacing aside) of the team, to their employee ids.
    A name two employees share matches neither: the admin resolves it by hand."""
    keys: dict[str, int] = {}
    shared: set[str] = set()
    rows = session.exec(
        select(Employee.id, Candidate.name, Candidate.email).join(
            Candidate, col(Candidate.id) == Employee.candidate_id
        )
    ).all()
    for emp_id, name, email in rows:
        assert emp_id is not None
        for key in (_name_key(name), (email or "").casefold()):
            if not key:
                continue
            if key in keys and keys[key] != emp_id:
                shared.add(key)
            keys[key] = emp_id
    return {k: v for k, v in keys.items() if k not in shared}


def _deal_keys(session: Session) -> dict[str, int]:
    """What a deal's responsible person is matched by: the team's emails and names, then the
    names an admin matched by hand before, for what those leave."""
    keys = _employee_keys(session)
    for alias in session.exec(select(CrmName)).all():
        keys.setdefault(alias.name_key, alias.employee_id)
    return keys


def import_deals(session: Session, *, data: bytes, mapping: Mapping) -> DealImport:
    """Every deal of the file, or none (DealFileError). The same file again changes nothing."""
    return store_deals(session, rows=parse_deals(data, mapping), source=mapping.name)


def store_deals(session: Session, *, rows: list[DealRow], source: str) -> DealImport:
    """Create or update each deal by (source, CRM id), matched to the team by email or name."""
    people = _deal_keys(session)
    existing = {d.crm_id: d for d in session.exec(select(Deal).where(Deal.source == source))}
    summary = DealImport()
    unmatched: dict[str, int] = defaultdict(int)
    for r in rows:
        employee_id = people.get(_name_key(r.responsible)) or people.get(r.responsible.casefold())
        values: dict[str, Any] = {
            "employee_id": employee_id,
            "responsible": "" if employee_id else r.responsible,
            "company": r.company,
            "amount": r.amount.quantize(Decimal("0.01")),
            "stage": r.stage,
            "outcome": r.outcome.value,
            "qualified": r.qualified,
            "created_on": r.created,
            "closed_on": r.closed,
            "products": list(r.products),
        }
        if employee_id is None:
            unmatched[r.responsible] += 1
        row = existing.get(r.deal_id)
        if row is None:
            session.add(Deal(source=source, crm_id=r.deal_id, **values))
            summary.created += 1
            continue
        if row.employee_id is not None and employee_id is None:
            # Matched by hand before: a later export keeps that match.
            values["employee_id"], values["responsible"] = row.employee_id, ""
            unmatched[r.responsible] -= 1
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if changed:
            for k, v in changed.items():
                setattr(row, k, v)
            summary.updated += 1
        else:
            summary.unchanged += 1
    summary.unmatched = {k: v for k, v in sorted(unmatched.items()) if v > 0}
    session.flush()
    return summary


def match_waiting_deals(session: Session) -> int:
    """Give deals still waiting under a CRM name to the employee that name or email now
    matches (one just added or imported); how many."""
    people = _deal_keys(session)
    waiting = session.exec(
        select(Deal).where(col(Deal.employee_id).is_(None), Deal.responsible != "")
    ).all()
    matched = 0
    for d in waiting:
        employee_id = people.get(_name_key(d.responsible)) or people.get(d.responsible.casefold())
        if employee_id:
            d.employee_id, d.responsible = employee_id, ""
            session.add(d)
            matched += 1
    session.flush()
    return matched


def unmatched_names(session: Session) -> dict[str, int]:
    rows = session.exec(
        select(Deal.responsible).where(col(Deal.employee_id).is_(None), Deal.responsible != "")
    ).all()
    out: dict[str, int] = defaultdict(int)
    for name in rows:
        out[name] += 1
    return dict(sorted(out.items()))


def resolve(session: Session, *, responsible: str, employee: Employee) -> int:
    """Give every unmatched deal of this responsible name to the employee, and remember the
    name for the next imports; how many deals."""
    assert employee.id is not None
    deals = session.exec(
        select(Deal).where(col(Deal.employee_id).is_(None), Deal.responsible == responsible)
    ).all()
    for d in deals:
        d.employee_id, d.responsible = employee.id, ""
    key = _name_key(responsible)[:200]
    if key:
        known = session.exec(select(CrmName).where(CrmName.name_key == key)).first()
        known = known or CrmName(name_key=key, employee_id=employee.id)
        known.employee_id = employee.id
        session.add(known)
    session.flush()
    return len(deals)


def team_figures(session: Session, *, period: str, lapse_months: int = 6) -> list[Figures]:
    deals = session.exec(select(Deal).where(col(Deal.employee_id).is_not(None))).all()
    return figures(
        (
            FigureDeal(
                person=d.employee_id or 0,
                company=d.company,
                deal_id=f"{d.source}:{d.crm_id}",
                amount=Decimal(d.amount),
                outcome=Outcome(d.outcome),
                qualified=d.qualified,
                created=d.created_on,
                closed=d.closed_on,
                products=tuple(d.products),
            )
            for d in deals
        ),
        period=period,
        lapse_months=lapse_months,
    )


def complete_figures(
    session: Session, *, period: str, today: date, lapse_months: int = 6
) -> list[Figures]:
    """``team_figures`` without the period still running on ``today``: a quarter exported
    halfway counts half its deals and gives clients half the time to buy again, which would
    pull down whoever has few periods (the newest hires) more than anyone."""
    running = period_of(today, period)
    rows = team_figures(session, period=period, lapse_months=lapse_months)
    return [f for f in rows if f.period < running]


def _extraversion_scales() -> tuple[str, str]:
    """The scale of the socionics EI dichotomy and of the I/E questionnaire's."""
    catalog = dict(product_questionnaires())
    soc, ie = (
        next(d.scale for d in catalog[qid].dichotomies if d.id == "EI")
        for qid in (SOCIONICS, EXTRAVERSION)
    )
    return soc, ie


def _reliability(session: Session, qid: str, scale: str) -> float:
    q = dict(product_questionnaires())[qid]
    cal = (calibration_for(session, q=q) or prior_calibration(q))[scale]
    return cal.reliability


def extraversion_correlation(session: Session) -> float | None:
    """The correlation of the true scores of the socionics EI scale and the I/E questionnaire's
    extraversion scale (``joint.construct_correlation``), over every stored pair, candidates and
    employees, with both scales complete; None below ``MIN_SAMPLE`` pairs (then the evidence
    reads extraversion from the socionics questionnaire alone)."""
    soc_scale, ie_scale = _extraversion_scales()
    catalog = dict(product_questionnaires())
    raw: dict[str, dict[int, float]] = {SOCIONICS: {}, EXTRAVERSION: {}}
    for qid, scale in ((SOCIONICS, soc_scale), (EXTRAVERSION, ie_scale)):
        # The database reads the few numbers out of the JSON: the page asks once per role.
        stored = col(Result.data)["scales"][scale]
        rows = session.exec(
            select(
                Result.invitation_id,
                stored["raw"].as_float(),
                stored["answered"].as_integer(),
                stored["total"].as_integer(),
            ).where(
                Result.questionnaire_id == qid,
                col(Result.questionnaire_version).in_(
                    same_scoring_versions(qid, catalog[qid].version)
                ),
            )
        ).all()
        raw[qid] = {
            i: value
            for i, value, answered, total in rows
            if value is not None and answered == total
        }
    both = sorted(raw[SOCIONICS].keys() & raw[EXTRAVERSION].keys())
    if len(both) < MIN_SAMPLE:
        return None
    return joint.construct_correlation(
        np.array([raw[SOCIONICS][i] for i in both]),
        np.array([raw[EXTRAVERSION][i] for i in both]),
        _reliability(session, SOCIONICS, soc_scale),
        _reliability(session, EXTRAVERSION, ie_scale),
    )


def _with_both_extraversions(
    poles: dict[str, float], soc: EngineResult, ie: EngineResult | None, rho: float | None
) -> dict[str, float]:
    """``poles`` with P(E) read from both questionnaires' extraversion (``questionnaires.joint``)
    when the person answered both and the installation knows how the two relate."""
    if ie is None or rho is None:
        return poles
    soc_d, ie_d = soc.dichotomies.get("EI"), ie.dichotomies.get("EI")
    if soc_d is None or ie_d is None:
        return poles
    soc_scale, ie_scale = _extraversion_scales()
    first = joint.latent_of(soc_d, soc.scales[soc_scale])
    second = joint.latent_of(ie_d, ie.scales[ie_scale])
    if first is None or second is None:
        return poles
    p = joint.p_high(soc_d, *joint.combine(*first, *second, rho))
    return poles if p is None else {**poles, "EI": p}


def type_probabilities_of(session: Session, *, invitation_ids: list[int]) -> dict[int, list[float]]:
    """The 16 type probabilities (in ``type_codes()`` order) of each completed assessment; where
    the person also answered the I/E questionnaire, its extraversion scale is read together with
    the socionics one (docs/outcomes.md, "Extraversion, measured twice")."""
    rows = session.exec(
        select(Result).where(
            col(Result.invitation_id).in_(invitation_ids),
            col(Result.questionnaire_id).in_((SOCIONICS, EXTRAVERSION)),
        )
    ).all()
    by_person: dict[tuple[int, str], EngineResult] = {
        (r.invitation_id, r.questionnaire_id): EngineResult.model_validate(r.data) for r in rows
    }
    rho = extraversion_correlation(session) if by_person else None
    codes = type_codes()
    out = {}
    for (invitation_id, qid), soc in by_person.items():
        if qid != SOCIONICS:
            continue
        poles = pole_p_high(soc)
        if poles is not None:
            ie = by_person.get((invitation_id, EXTRAVERSION))
            probs = type_probabilities(_with_both_extraversions(poles, soc, ie, rho))
            out[invitation_id] = [probs[c] for c in codes]
    return out


@dataclass(frozen=True)
class RoleOutcomes:
    role: str
    figure: str
    people_in_role: int
    assessed: int
    with_results: int
    evidence: RoleEvidence
    # Each type's share among the role's top third by the headline figure against the rest;
    # None with too few people.
    benchmark: list[TopThirdShare] | None = None
    # Each of the role's headline figures against each part of the assessment.
    associations: tuple[FigureAssociations, ...] = ()


@dataclass(frozen=True)
class FigureAssociations:
    figure: str
    people: int
    # "fit" (per 10 points of expected fit for the role) and each base dichotomy's high pole
    # (E, N, L, J; E read from both questionnaires where answered) -> outcome SDs per unit;
    # None: no spread to go by.
    effects: dict[str, Interval | None]


@dataclass(frozen=True)
class _Person:
    employee: Employee
    outcome: float  # the role's headline figure, standardised within the person's team
    tenure: float  # log(1 + months)
    probabilities: list[float]  # in type_codes() order


@dataclass(frozen=True)
class _Role:
    staff: list[Employee]
    assessed: list[Employee]
    probs: dict[int, list[float]]  # by invitation id


def _role(session: Session, role: str) -> _Role:
    """The role's employees, those assessed, and their type probabilities."""
    staff = list(session.exec(select(Employee).where(Employee.role == role)).all())
    assessed = [e for e in staff if e.invitation_id is not None]
    probs = type_probabilities_of(
        session, invitation_ids=[e.invitation_id for e in assessed if e.invitation_id]
    )
    return _Role(staff, assessed, probs)


def _people(team: _Role, *, figure: str, done: list[Figures], today: date) -> list[_Person]:
    """Assessed employees of the role with results: their figure averaged over their (complete)
    periods ``done``, standardised within their team (markets differ), and their tenure."""
    assessed, probs = team.assessed, team.probs
    per_person = headline_by_person(done, figure)
    chosen = [e for e in assessed if e.id in per_person and e.invitation_id in probs]
    outcomes = standardised_within(
        [per_person[e.id or 0] for e in chosen], [e.team for e in chosen]
    )
    return [
        _Person(
            employee=e,
            outcome=float(outcomes[i]),
            tenure=float(np.log(1 + max(((e.ended_on or today) - e.started_on).days, 0) / 30.4)),
            probabilities=probs[e.invitation_id or 0],
        )
        for i, e in enumerate(chosen)
    ]


def evidence_for_role(
    session: Session,
    *,
    role: str,
    figure: str | None = None,
    period: str = "quarter",
    today: date | None = None,
    lapse_months: int = 6,
) -> RoleOutcomes:
    figure = figure or HEADLINE[role][0]
    today = today or date.today()
    done = complete_figures(session, period=period, today=today, lapse_months=lapse_months)
    team = _role(session, role)
    people = _people(team, figure=figure, done=done, today=today)
    matrix = current(session).matrix
    codes = type_codes()
    fits = [matrix.fit(c, role) for c in codes]
    outcomes = np.array([p.outcome for p in people])
    probs = np.array([p.probabilities for p in people]).reshape(len(people), len(codes))
    evidence = role_evidence(
        role=role,
        codes=codes,
        prior_fit=fits,
        outcomes=outcomes,
        type_probabilities=probs,
        covariates=np.array([p.tenure for p in people]).reshape(-1, 1),
    )
    return RoleOutcomes(
        role=role,
        figure=figure,
        people_in_role=len(team.staff),
        assessed=len(team.assessed),
        with_results=len(people),
        evidence=evidence,
        benchmark=top_third(codes=codes, outcomes=outcomes, type_probabilities=probs),
        associations=tuple(
            _associations(_people(team, figure=f, done=done, today=today), f, fits)
            for f in HEADLINE[role]
        ),
    )


def _associations(people: list[_Person], figure: str, fits: list[int]) -> FigureAssociations:
    """One headline figure against the expected fit for the role and each letter's
    probability, one at a time, allowing for tenure (and team: outcomes are within-team)."""
    codes = type_codes()
    probs = np.array([p.probabilities for p in people]).reshape(len(people), len(codes))
    high = {
        d: np.array([get_type(c).sign(d) > 0 for c in codes], dtype=float) for d in BASE_DICHOTOMIES
    }
    effects = associations(
        outcomes=np.array([p.outcome for p in people]),
        predictors={
            "fit": probs @ np.array(fits, dtype=float) / 10,
            **{d: probs @ high[d] for d in BASE_DICHOTOMIES},
        },
        covariates=np.array([p.tenure for p in people]).reshape(-1, 1),
    )
    return FigureAssociations(figure, len(people), effects or {})


@dataclass(frozen=True)
class TeamOutcomes:
    people: int  # assessed employees with results, every role
    slope: Interval | None  # outcome SDs per 10 points of expected fit; None: too few people


def evidence_for_team(
    session: Session, *, period: str = "quarter", today: date | None = None, lapse_months: int = 6
) -> TeamOutcomes:
    """Everyone at once: does a higher expected fit for one's own role go with better results
    on that role's headline figure?"""
    matrix = current(session).matrix
    codes = type_codes()
    outcomes, fits, tenure = [], [], []
    today = today or date.today()
    done = complete_figures(session, period=period, today=today, lapse_months=lapse_months)
    for role in ROLES:
        people = _people(_role(session, role), figure=HEADLINE[role][0], done=done, today=today)
        role_fits = np.array([matrix.fit(c, role) for c in codes], dtype=float)
        for p in people:
            outcomes.append(p.outcome)
            fits.append(float(np.asarray(p.probabilities) @ role_fits))
            tenure.append(p.tenure)
    slope = fit_slope(
        outcomes=np.array(outcomes),
        expected_fit=np.array(fits),
        covariates=np.array(tenure).reshape(-1, 1),
    )
    return TeamOutcomes(people=len(outcomes), slope=slope)
