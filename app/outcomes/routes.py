"""The current team: employees, CRM deal imports, and "Does the matrix predict our results?"."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, Field
from sqlmodel import Session, col, func, select
from starlette.datastructures import UploadFile

from app.audit.service import Audit
from app.auth.deps import StaffAudit
from app.auth.permissions import require_action, role_may, staff_router
from app.charts.evidence import EffectRow, effect_intervals
from app.db import SessionDep, get_or_404, utcnow
from app.i18n import N_, template_callables, translations
from app.invitations import pending_imports
from app.matrix.service import current, next_label, store_version
from app.models import (
    AuditEvent,
    Candidate,
    Deal,
    Employee,
    FitRecord,
    Invitation,
    User,
    Vacancy,
)
from app.outcomes.crm import (
    FIELDS,
    MAX_STAGES,
    READY,
    REQUIRED,
    DealFileError,
    Problem,
    guess_columns,
    guess_stage,
    mapping_from_choices,
    read_table,
    stage_values,
)
from app.outcomes.figures import HEADLINE, period_of, period_start
from app.outcomes.service import (
    MIN_SAMPLE,
    ROLES,
    TEAM_FILE_MAX_BYTES,
    EmployeeError,
    EmployeeLink,
    RoleOutcomes,
    add_employee,
    employee_of,
    employees_to_invite,
    evidence_for_role,
    evidence_for_team,
    extraversion_correlation,
    hire,
    import_deals,
    import_team,
    invite_employee,
    mapping_named,
    plan_team_import,
    resolve,
    save_mapping,
    saved_mapping_names,
    team_figures,
    unmatched_names,
)
from app.privacy.service import withdraw_assessment
from app.web import TEMPLATES, render, staff_language, templates
from app.web.labels import type_code
from socionics.evidence import LEVEL, MIN_PEOPLE, TypeEvidence
from socionics.matrix import matrix_from_dict

router = staff_router("team.view", prefix="/team")
# A hired candidate joins the team from their report (/invitations/{id}/hire).
hire_router = staff_router("team.manage")
Manager = Annotated[User, Depends(require_action("team.manage"))]
MAX_FILE_BYTES = 5_000_000


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


class EmployeeForm(BaseModel):
    """An employee's fields, as the team page adds and edits them and a hire records them
    (each form sends the ones it has; the others stay empty)."""

    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    role: str = Field("", max_length=32)
    team: str = Field("", max_length=100)
    started_on: str = Field("", max_length=10)
    ended_on: str = Field("", max_length=10)

    def dates(self) -> tuple[date, date | None] | None:
        """The start and the end (None: still employed), or None if a date is not YYYY-MM-DD."""
        start, end = _date(self.started_on), _date(self.ended_on)
        if start is None or (self.ended_on.strip() and end is None):
            return None
        return start, end


def _team_page(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
    new_link: tuple[str, str] | None = None,
) -> Response:
    rows = session.exec(
        select(Employee, Candidate)
        .join(Candidate, col(Candidate.id) == Employee.candidate_id)
        .order_by(col(Employee.role), col(Candidate.name))
    ).all()
    types = dict(
        session.exec(
            select(FitRecord.invitation_id, FitRecord.type_code).where(
                col(FitRecord.invitation_id).in_(
                    [e.invitation_id for e, _ in rows if e.invitation_id]
                )
            )
        ).all()
    )
    deals = dict(
        session.exec(select(Deal.employee_id, func.count()).group_by(col(Deal.employee_id))).all()
    )
    ctx = {
        "rows": rows,
        "types": types,
        "deals": deals,
        "roles": ROLES,
        "unmatched": unmatched_names(session),
        "links": _open_links(session),
        "to_invite": len(employees_to_invite(session, now=utcnow())),
        "new_link": new_link,
        "values": values or {"role": "farmer", "started_on": date.today().isoformat()},
        "error": error,
    }
    return render(request, "staff/team.html", ctx, status_code=status_code)


def _open_links(session: SessionDep) -> dict[int, Invitation]:
    """Employees' assessment links not yet completed, revoked or expired, by candidate id."""
    now = utcnow()
    rows = session.exec(
        select(Invitation)
        .join(Vacancy, col(Vacancy.id) == Invitation.vacancy_id)
        .where(
            Vacancy.kind == "team",
            col(Invitation.completed_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
    ).all()
    return {r.candidate_id: r for r in rows if r.expires_at > now}


@router.get("")
def team(request: Request, session: SessionDep) -> Response:
    return _team_page(request, session)


def _team_title(request: Request) -> str:
    return translations(staff_language(request)).gettext(N_("Assessment of the current team"))


def _invite(
    request: Request, session: Session, audit: Audit, user: User, row: Employee, *, title: str
) -> EmployeeLink:
    """One employee's link, made and audited (``EmployeeError`` if they get none)."""
    sent = invite_employee(
        session, settings=request.app.state.settings, employee=row, created_by=user, title=title
    )
    audit("employee.invite", row, details={"invitation_id": sent.invitation.id})
    return sent


@router.post("/employees/{employee_id}/invite")
def invite(
    request: Request, session: SessionDep, audit: StaffAudit, user: Manager, employee_id: int
) -> Response:
    """A personal assessment link for one employee: emailed, or shown once without an email."""
    row = get_or_404(session, Employee, employee_id)
    try:
        sent = _invite(request, session, audit, user, row, title=_team_title(request))
    except EmployeeError as exc:
        session.rollback()
        return _team_page(request, session, error=str(exc), status_code=409)
    if sent.emailed:
        return RedirectResponse("/team?invited=1", status_code=303)
    person = session.get(Candidate, row.candidate_id)
    return _team_page(request, session, new_link=(person.name if person else "", sent.link))


@router.post("/invite-all")
def invite_all(request: Request, session: SessionDep, audit: StaffAudit, user: Manager) -> Response:
    """A link to every employee with an email, no result and no open link."""
    title = _team_title(request)
    count = 0
    for row in employees_to_invite(session, now=utcnow()):
        try:
            _invite(request, session, audit, user, row, title=title)
        except EmployeeError as exc:
            session.rollback()
            return _team_page(request, session, error=str(exc), status_code=409)
        count += 1
    return RedirectResponse(f"/team?invited={count}", status_code=303)


@router.post("/employees/{employee_id}/withdraw")
def withdraw(
    request: Request,
    session: SessionDep,
    user: Manager,
    employee_id: int,
    confirm: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """The employee withdrew consent (by email, say): their assessment is erased; they stay
    on the team. Recorded by the service as ``employee.withdraw``."""
    row = get_or_404(session, Employee, employee_id)
    if confirm != "yes":
        error = N_("Tick the box to confirm: the erased assessment cannot be restored.")
        return _team_page(request, session, error=error, status_code=422)
    withdraw_assessment(session, employee=row, actor=user, now=utcnow())
    return RedirectResponse("/team?withdrawn=1", status_code=303)


@router.post("/employees")
def add(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: Manager,
    form: Annotated[EmployeeForm, Form()],
) -> Response:
    values = form.model_dump()
    dates = form.dates()
    if dates is None:
        return _team_page(
            request, session, values=values, error=N_("Enter dates as YYYY-MM-DD."), status_code=422
        )
    try:
        row = add_employee(
            session,
            name=form.name,
            email=form.email,
            role=form.role,
            team=form.team,
            started_on=dates[0],
            ended_on=dates[1],
        )
    except EmployeeError as exc:
        return _team_page(request, session, values=values, error=str(exc), status_code=422)
    audit("employee.create", row, details={"role": form.role})
    return RedirectResponse("/team?added=1", status_code=303)


@router.post("/employees/{employee_id}")
def edit(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: Manager,
    employee_id: int,
    form: Annotated[EmployeeForm, Form()],
) -> Response:
    row = get_or_404(session, Employee, employee_id)
    if form.role not in ROLES:
        return _team_page(
            request, session, error=N_("Choose the employee's role."), status_code=422
        )
    dates = form.dates()
    if dates is None:
        return _team_page(request, session, error=N_("Enter dates as YYYY-MM-DD."), status_code=422)
    if dates[1] and dates[1] < dates[0]:
        error = N_("The end date is before the start date.")
        return _team_page(request, session, error=error, status_code=422)
    before = {"role": row.role, "team": row.team, "dates": (row.started_on, row.ended_on)}
    row.role, row.team, (row.started_on, row.ended_on) = form.role, form.team.strip(), dates
    session.add(row)
    after = {"role": row.role, "team": row.team, "dates": (row.started_on, row.ended_on)}
    changed = sorted(k for k in before if before[k] != after[k])
    audit("employee.update", row, details={"role": form.role, "fields": changed})
    return RedirectResponse("/team?saved=1", status_code=303)


# Pending team files are kept under this "vacancy" number: no vacancy has id 0.
TEAM_FILES = 0


def _import_page(request: Request, ctx: dict[str, Any], status_code: int = 200) -> Response:
    base = {
        "plan": None,
        "report": None,
        "gone": False,
        "missing_file": False,
        "role_names": ROLE_NAMES,
        "max_kb": TEAM_FILE_MAX_BYTES // 1000,
    }
    return render(request, "staff/team_import.html", base | ctx, status_code=status_code)


@router.get("/import")
def import_form(request: Request, user: Manager) -> Response:
    return _import_page(request, {})


@router.post("/import")
async def import_upload(request: Request, session: SessionDep, user: Manager) -> Response:
    """Step one: what the file would do. Nothing is written; the file waits (in
    DATA_DIR/imports, readable by the server only) for the confirmation."""
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_page(request, {"missing_file": True}, 422)
    try:
        # One byte past the limit is enough for the reader to refuse the file by its size.
        data = await upload.read(TEAM_FILE_MAX_BYTES + 1)
    finally:
        await upload.close()
    plan = plan_team_import(session, data=data)
    if plan.error is not None:
        return _import_page(request, {"report": plan}, 422)
    settings = request.app.state.settings
    upload_id = pending_imports.store(settings, vacancy_id=TEAM_FILES, data=data)
    return _import_page(request, {"plan": plan, "upload_id": upload_id})


@router.post("/import/confirm")
def import_confirm(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: Manager,
    upload: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Step two: write it. The stored file is taken once, so a second confirmation (a double
    click, the back button) finds nothing and writes nothing."""
    settings = request.app.state.settings
    data = pending_imports.take(settings, vacancy_id=TEAM_FILES, upload_id=upload)
    if data is None:
        return _import_page(request, {"gone": True}, 409)
    report = import_team(session, data=data)
    if report.error is not None:
        session.rollback()
        return _import_page(request, {"report": report}, 422)
    audit("employee.import", object_type="team", details=report.audit_details())
    return _import_page(request, {"report": report, "done": True})


@router.post("/deals/resolve")
def resolve_name(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: Manager,
    responsible: Annotated[str, Form(max_length=200)] = "",
    employee_id: Annotated[int, Form()] = 0,
) -> Response:
    employee = session.get(Employee, employee_id)
    if employee is None:
        return _team_page(request, session, error=N_("Choose an employee."), status_code=422)
    count = resolve(session, responsible=responsible, employee=employee)
    audit("deals.resolve", employee, details={"deals": count})
    return RedirectResponse("/team?resolved=1", status_code=303)


def _deals_page(
    request: Request, session: SessionDep, ctx: dict[str, object], status_code: int = 200
) -> Response:
    total = session.exec(select(func.count()).select_from(Deal)).one()
    return render(
        request,
        "staff/team_deals.html",
        {
            "mappings": [*READY, *saved_mapping_names(session)],
            "saved": None,
            "total": total,
            "error": None,
            "problems": None,
            "summary": None,
            **ctx,
        },
        status_code=status_code,
    )


@router.get("/deals")
def deals_form(request: Request, session: SessionDep) -> Response:
    return _deals_page(request, session, {})


@router.post("/deals")
async def deals_upload(
    request: Request, session: SessionDep, audit: StaffAudit, user: Manager
) -> Response:
    form = await request.form()
    upload = form.get("file")
    mapping = mapping_named(session, str(form.get("mapping") or ""))
    if mapping is None:
        return _deals_page(
            request, session, {"error": N_("Choose the CRM the file comes from.")}, 422
        )
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _deals_page(request, session, {"error": N_("Choose a file to import.")}, 422)
    try:
        data = await upload.read(MAX_FILE_BYTES + 1)
    finally:
        await upload.close()
    if len(data) > MAX_FILE_BYTES:
        return _deals_page(request, session, {"error": N_("The file is larger than 5 MB.")}, 422)
    try:
        summary = import_deals(session, data=data, mapping=mapping)
    except DealFileError as exc:
        session.rollback()
        return _deals_page(request, session, {"problems": exc.problems}, 422)
    audit("deals.import", object_type="deals", details=summary.audit_details(mapping.name))
    return _deals_page(request, session, {"summary": summary, "mapping": mapping.name})


@router.get("/figures")
def figures_page(request: Request, session: SessionDep) -> Response:
    """Every employee's ЦКП figures, by period, grouped by role."""
    period = _period(request.query_params.get("period"))
    # One figure for every role, or (none chosen) each role's headline figures.
    figure = request.query_params.get("figure", "")
    figure = figure if figure in FIGURE_NAMES else ""
    rows = team_figures(session, period=period, lapse_months=_lapse(request))
    periods = sorted({f.period for f in rows})[-6:]
    by_person = {(f.person, f.period): f for f in rows}
    people = session.exec(
        select(Employee, Candidate)
        .join(Candidate, col(Candidate.id) == Employee.candidate_id)
        .order_by(col(Candidate.name))
    ).all()
    ctx = {
        "period": period,
        "periods": periods,
        # Still running: shown, marked, and left out of the evidence page.
        "running": period_of(date.today(), period),
        "roles": ROLES,
        "role_names": ROLE_NAMES,
        "figure_names": FIGURE_NAMES,
        "figure_definitions": FIGURE_DEFINITIONS,
        "lapse_months": _lapse(request),
        "figure": figure,
        "headline": {r: (figure,) if figure else HEADLINE[r] for r in ROLES},
        "people": people,
        "cell": by_person,
        "period_labels": {p: period_label(p, staff_language(request)) for p in periods},
    }
    return render(request, "staff/team_figures.html", ctx)


def period_label(period: str, language: str) -> str:
    """A period key as its reader writes it: "Q1 2026" / "1-й кв. 2026", "March 2026" /
    "март 2026" (Babel's stand-alone forms: a heading names the period on its own)."""
    pattern = "qqq y" if "Q" in period else "LLLL y"
    return format_date(period_start(period), pattern, locale=language)


ROLE_NAMES = {
    "scout": N_("Scout"),
    "hunter": N_("Hunter"),
    "closer": N_("Closer"),
    "farmer": N_("Client manager (farmer)"),
    "sales_operations": N_("Sales operations"),
}
FIGURE_NAMES = {
    "won_deals": N_("won deals"),
    "revenue": N_("revenue"),
    "new_clients": N_("new clients"),
    "first_deal_revenue": N_("revenue from first deals"),
    "repeat_share": N_("share of repeat sales"),
    "retention": N_("client retention"),
    "purchase_frequency": N_("purchases per client"),
    "average_deal": N_("average deal"),
    "reactivated": N_("reactivated clients"),
    "breadth": N_("products per client"),
    "qualified_leads": N_("qualified leads"),
}


# What the figures page's "How each figure is counted" says of each (figures.py's definitions,
# in a reader's words; docs/outcomes.md gives the same table). "reactivated" is in the template:
# its pause is REACTIVATION_MONTHS, a number to put in the sentence.
FIGURE_DEFINITIONS = {
    "won_deals": N_("Deals the employee won that were closed in the period."),
    "revenue": N_("The total amount of those won deals."),
    "new_clients": N_("Won deals that are the client's very first won deal in the imported data."),
    "first_deal_revenue": N_("The total amount of those first deals."),
    "repeat_share": N_(
        "Of the period's won deals, the share whose client had already won a deal before, "
        "with this employee or with anyone else."
    ),
    "retention": N_(
        "Of the clients who bought from the employee in the period before, the share who "
        "bought from them again in this one; empty when nobody bought in the period before."
    ),
    "purchase_frequency": N_(
        "Won deals divided by the number of different clients who bought in the period."
    ),
    "average_deal": N_("Revenue divided by the number of won deals; empty without won deals."),
    "breadth": N_(
        "How many different products each buying client took in the period, on average; empty "
        "when the export has no products."
    ),
    "qualified_leads": N_(
        "Deals created in the period that reached the qualified stage or were won."
    ),
}


def _chart(outcome: RoleOutcomes, language: str, *, fluid: bool = True) -> Markup | None:
    ev = outcome.evidence
    if not ev.enough:
        return None
    t = translations(language).gettext
    rows = [
        EffectRow(
            label=type_code(te.code, language, latin=True),
            mean=te.effect.mean,
            low=te.effect.low,
            high=te.effect.high,
            moved=te.moved,
        )
        for te in sorted(ev.types, key=lambda te: -te.prior_fit)
    ]
    return effect_intervals(
        rows,
        title=t(N_("Each type's results in this role, with 90% intervals")),
        desc=t(
            N_(
                "Types ordered by the matrix's fit for the role, best first; each dot is the "
                "type's results relative to the average type, in standard deviations, with its "
                "interval."
            )
        ),
        axis=t(N_("worse ← results, standard deviations → better")),
        fluid=fluid,
    )


PREDICTOR_NAMES = {
    "fit": N_("Fit for the role, +10"),
    "EI": N_("Extraversion (E)"),
    "SN": N_("Intuition (N)"),
    "LF": N_("Logic (L)"),
    "RI": N_("Rationality (J)"),
}


def _association_charts(
    outcome: RoleOutcomes, language: str, *, fluid: bool = True
) -> list[tuple[str, Markup]]:
    """Each headline figure against the assessment: a chart per figure, a row per predictor."""
    if not outcome.evidence.enough:
        return []
    t = translations(language).gettext
    charts = []
    for fa in outcome.associations:
        rows = [
            EffectRow(label=t(PREDICTOR_NAMES[name]), mean=iv.mean, low=iv.low, high=iv.high)
            for name, iv in fa.effects.items()
            if iv is not None
        ]
        if not rows:
            continue
        figure = t(FIGURE_NAMES[fa.figure])
        chart = effect_intervals(
            rows,
            title=t(N_("%(figure)s and the assessment, with 90%% intervals")) % {"figure": figure},
            desc=t(
                N_(
                    "Each row: how much better (right) or worse (left) people do on this figure, "
                    "in standard deviations: per 10 points more fit for the role, or at the pole "
                    "named rather than its opposite."
                )
            ),
            axis=t(N_("worse ← results, standard deviations → better")),
            fluid=fluid,
            label_width=150,
        )
        charts.append((fa.figure, chart))
    return charts


def _proposal(roles: list[RoleOutcomes]) -> tuple[list[str], str]:
    """The moved cells, as the new version's note words them, and a short key naming this
    proposal: what the page showed is what an accept or a reject acts on."""
    moved = [
        f"{t.code}/{r.role}: {t.prior_fit}→{t.proposed_fit} (n≈{t.people:.0f}{_span(t)})"
        for r in roles
        for t in r.evidence.moved
    ]
    cells = ";".join(
        f"{t.code}/{r.role}:{t.prior_fit}>{t.proposed_fit}" for r in roles for t in r.evidence.moved
    )
    return moved, hashlib.sha256(cells.encode()).hexdigest()[:12] if cells else ""


def _span(t: TypeEvidence) -> str:
    """The moved cell's interval on the 0-100 scale, for the new version's note."""
    iv = t.fit_interval
    return f", {round(LEVEL * 100)}%: {iv.low:.0f}–{iv.high:.0f}" if iv else ""


def _rejection(session: Session, key: str) -> AuditEvent | None:
    """The latest rejection of this very proposal, if an administrator rejected it."""
    if not key:
        return None
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.action == "evidence.reject")
        .order_by(col(AuditEvent.id).desc())
    ).all()
    return next((e for e in events if (e.details or {}).get("proposal") == key), None)


def _period(value: str | None) -> str:
    return value if value in ("month", "quarter") else "quarter"


def _lapse(request: Request) -> int:
    """REACTIVATION_MONTHS: how long a client's pause must be for a purchase to reactivate."""
    return int(request.app.state.settings.reactivation_months)


def _evidence_by_role(request: Request, session: Session, period: str) -> list[RoleOutcomes]:
    lapse = _lapse(request)
    return [evidence_for_role(session, role=r, period=period, lapse_months=lapse) for r in ROLES]


def _evidence_context(request: Request, session: SessionDep, *, fluid: bool) -> dict[str, Any]:
    period = _period(request.query_params.get("period"))
    roles = _evidence_by_role(request, session, period)
    language = staff_language(request)
    _moved, key = _proposal(roles)
    return {
        "proposal": key,
        "rejected": _rejection(session, key),
        "roles": roles,
        "charts": {r.role: _chart(r, language, fluid=fluid) for r in roles},
        "association_charts": {
            r.role: _association_charts(r, language, fluid=fluid) for r in roles
        },
        "moved_count": sum(len(r.evidence.moved) for r in roles),
        "role_names": ROLE_NAMES,
        "figure_names": FIGURE_NAMES,
        "team": evidence_for_team(session, period=period, lapse_months=_lapse(request)),
        "extraversion": extraversion_correlation(session),
        "extraversion_need": MIN_SAMPLE,
        "period": period,
        "headline": HEADLINE,
        "min_people": MIN_PEOPLE,
        "level": round(LEVEL * 100),
        "matrix": current(session),
        "may_accept": role_may(request.state.user.role, "matrix.edit"),
    }


@router.get("/evidence")
def evidence(request: Request, session: SessionDep) -> Response:
    return render(
        request, "staff/team_evidence.html", _evidence_context(request, session, fluid=True)
    )


@router.get("/evidence.pdf")
def evidence_pdf(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
) -> Response:
    """The evidence page as a document to hand round (WeasyPrint, A4)."""
    from weasyprint import HTML

    language = staff_language(request)
    ctx = _evidence_context(request, session, fluid=False)
    html = templates.get_template("pdf/evidence.html").render(
        {**ctx, **template_callables(language), "lang": language, "generated": date.today()}
    )
    pdf = HTML(string=html, base_url=str(TEMPLATES / "pdf")).write_pdf()
    audit("evidence.export_pdf", object_type="team", details={"period": ctx["period"]})
    name = f"rolefit-evidence-{date.today().isoformat()}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


ProposalKey = Annotated[str, Form(max_length=64)]
PeriodField = Annotated[str, Form(max_length=16)]


def _shown_proposal(
    request: Request, session: Session, user: User, *, period: str, proposal: str
) -> tuple[list[RoleOutcomes], list[str]] | Response:
    """The proposal of the period the page showed, or a redirect back to the page if there is
    none now or it is no longer the one shown (new deals or results came in meanwhile)."""
    if not role_may(user.role, "matrix.edit"):
        raise HTTPException(status_code=403)
    roles = _evidence_by_role(request, session, period)
    moved, key = _proposal(roles)
    if not moved:
        return RedirectResponse(f"/team/evidence?period={period}&unchanged=1", status_code=303)
    if key != proposal:
        return RedirectResponse(f"/team/evidence?period={period}&changed=1", status_code=303)
    return roles, moved


@router.post("/evidence/accept")
def accept(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: Manager,
    period: PeriodField = "quarter",
    proposal: ProposalKey = "",
) -> Response:
    """The proposal as a new matrix version: every moved cell at its proposed fit. Results are
    re-scored only when an admin chooses to, as after any matrix edit."""
    period = _period(period)
    shown = _shown_proposal(request, session, user, period=period, proposal=proposal)
    if isinstance(shown, Response):
        return shown
    roles, moved = shown
    in_force = current(session)
    data = in_force.matrix.to_dict()
    for r in roles:
        for t in r.evidence.moved:
            data["types"][t.code]["fit"][r.role] = t.proposed_fit
    data["version"] = next_label(session)
    matrix = matrix_from_dict(data, source="evidence")
    note = ("evidence: " + "; ".join(moved))[:500]
    saved = store_version(session, matrix=matrix, author=user.email, user=user, note=note)
    audit(
        "matrix.edit",
        saved,
        details={
            "label": saved.label,
            "previous_version_id": in_force.version.id,
            "cells": len(moved),
        },
    )
    return RedirectResponse("/admin/matrix?saved=1", status_code=303)


@router.post("/evidence/reject")
def reject(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: Manager,
    period: PeriodField = "quarter",
    proposal: ProposalKey = "",
) -> Response:
    """The administrator declines the proposal: the matrix stays; the rejection is recorded,
    and the page says so for as long as the evidence proposes the same cells."""
    period = _period(period)
    shown = _shown_proposal(request, session, user, period=period, proposal=proposal)
    if isinstance(shown, Response):
        return shown
    _roles, moved = shown
    audit(
        "evidence.reject",
        object_type="team",
        details={"period": period, "proposed_cells": len(moved), "proposal": proposal},
    )
    return RedirectResponse(f"/team/evidence?period={period}&rejected=1", status_code=303)


def _hire_page(
    request: Request,
    session: SessionDep,
    invitation: Invitation,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    vacancy = session.get(Vacancy, invitation.vacancy_id)
    person = session.get(Candidate, invitation.candidate_id)
    role = vacancy.placement if vacancy and vacancy.placement in ROLES else "farmer"
    ctx = {
        "invitation": invitation,
        "person": person,
        # Already on the team: the page says so instead of offering the form again.
        "employee": employee_of(session, candidate_id=invitation.candidate_id),
        "roles": ROLES,
        "role_names": ROLE_NAMES,
        "values": {"role": role, "started_on": date.today().isoformat(), "team": ""},
        "error": error,
    }
    return render(request, "staff/team_hire.html", ctx, status_code=status_code)


def _completed(session: SessionDep, invitation_id: int) -> Invitation:
    """A candidate's finished assessment: an employee's (the team's vacancy) is no hire."""
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.completed_at is None:
        raise HTTPException(status_code=404)
    vacancy = session.get(Vacancy, invitation.vacancy_id)
    if vacancy is None or vacancy.kind != "hiring":
        raise HTTPException(status_code=404)
    return invitation


@hire_router.get("/invitations/{invitation_id}/hire")
def hire_form(request: Request, session: SessionDep, invitation_id: int) -> Response:
    return _hire_page(request, session, _completed(session, invitation_id))


@hire_router.post("/invitations/{invitation_id}/hire")
def hire_post(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: Manager,
    invitation_id: int,
    form: Annotated[EmployeeForm, Form()],
) -> Response:
    invitation = _completed(session, invitation_id)
    if employee_of(session, candidate_id=invitation.candidate_id) is not None:
        # A second submission (the back button, a second tab) adds no one: say so.
        return _hire_page(request, session, invitation, status_code=409)
    start = _date(form.started_on)  # a hire has no end yet: the form sends none
    if start is None:
        return _hire_page(
            request, session, invitation, error=N_("Enter dates as YYYY-MM-DD."), status_code=422
        )
    try:
        row = hire(session, invitation=invitation, role=form.role, team=form.team, started_on=start)
    except EmployeeError as exc:
        return _hire_page(request, session, invitation, error=str(exc), status_code=422)
    audit(
        "employee.create",
        row,
        vacancy_id=invitation.vacancy_id,
        details={"role": row.role, "from_invitation": invitation.id},
    )
    return RedirectResponse("/team?added=1", status_code=303)


# --- the mapping screen: any other CRM or 1C, in three steps ---------------------------------
# 1. upload an export; 2. choose the column of each field; 3. say what each stage value means.
# The file waits in DATA_DIR/imports between the steps (as a CSV preview does); saving the
# mapping imports it, and the mapping is offered on the import page from then on.


def _mapping_page(request: Request, ctx: dict[str, Any], status_code: int = 200) -> Response:
    base: dict[str, Any] = {
        "step": "upload",
        "fields": FIELDS,
        "required": REQUIRED,
        "problems": None,
        "name": "",
    }
    return render(request, "staff/team_mapping.html", base | ctx, status_code=status_code)


def _stored_table(request: Request, upload: str) -> list[list[str]] | None:
    data = pending_imports.peek(request.app.state.settings, vacancy_id=None, upload_id=upload)
    return None if data is None else read_table(data)


def _chosen_columns(form: Any, header: list[str]) -> dict[str, int]:
    chosen: dict[str, int] = {}
    for name in FIELDS:
        value = str(form.get(f"col_{name}") or "")
        if value.isdigit() and int(value) < len(header):
            chosen[name] = int(value)
    return chosen


_GONE = Problem(
    0,
    N_(
        "The uploaded file is no longer here (over a day old, or imported already). "
        "Upload it again."
    ),
)


@router.get("/deals/mapping")
def mapping_form(request: Request, user: Manager) -> Response:
    return _mapping_page(request, {})


@router.post("/deals/mapping")
async def mapping_upload(request: Request, user: Manager) -> Response:
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _mapping_page(
            request, {"problems": [Problem(0, N_("Choose a file to import."))]}, 422
        )
    try:
        data = await upload.read(MAX_FILE_BYTES + 1)
    finally:
        await upload.close()
    if len(data) > MAX_FILE_BYTES:
        problems = [Problem(0, N_("The file is larger than 5 MB."))]
        return _mapping_page(request, {"problems": problems}, 422)
    try:
        table = read_table(data)
    except DealFileError as exc:
        return _mapping_page(request, {"problems": exc.problems}, 422)
    if len(table) < 2:
        problems = [Problem(0, N_("The file has a header but no deals."))]
        return _mapping_page(request, {"problems": problems}, 422)
    upload_id = pending_imports.store(request.app.state.settings, vacancy_id=None, data=data)
    return _mapping_step(request, "columns", upload_id, table, guess_columns(table[0]), "")


def _mapping_step(
    request: Request,
    step: str,
    upload: str,
    table: list[list[str]],
    chosen: dict[str, int],
    name: str,
    problems: list[Problem] | None = None,
    stages: list[tuple[str, str]] | None = None,
) -> Response:
    """The columns or the stages step of the stored file ``upload``, with what was chosen so
    far; a step shown again with ``problems`` answers 422."""
    ctx = {
        "step": step,
        "upload": upload,
        "header": table[0],
        "sample": table[1:4],
        "chosen": chosen,
        "name": name,
        "stages": stages,
        "problems": problems,
    }
    return _mapping_page(request, ctx, 422 if problems else 200)


@router.post("/deals/mapping/stages")
async def mapping_stages(request: Request, user: Manager) -> Response:
    form = await request.form()
    upload, name = str(form.get("upload") or ""), str(form.get("name") or "")
    table = _stored_table(request, upload)
    if table is None:
        return _mapping_page(request, {"problems": [_GONE]}, 409)
    chosen = _chosen_columns(form, table[0])
    try:
        # Checked now with a stand-in stage, so column mistakes come back on this step.
        mapping_from_choices(name=name, header=table[0], columns=chosen, stages={"": "won"})
        values = stage_values(table, chosen["stage"])
    except DealFileError as exc:
        return _mapping_step(request, "columns", upload, table, chosen, name, exc.problems)
    guessed = [(v, guess_stage(v)) for v in values]
    return _mapping_step(request, "stages", upload, table, chosen, name.strip(), stages=guessed)


@router.post("/deals/mapping/save")
async def mapping_save(
    request: Request, session: SessionDep, audit: StaffAudit, user: Manager
) -> Response:
    form = await request.form()
    upload, name = str(form.get("upload") or ""), str(form.get("name") or "")
    settings = request.app.state.settings
    table = _stored_table(request, upload)
    if table is None:
        return _mapping_page(request, {"problems": [_GONE]}, 409)
    chosen = _chosen_columns(form, table[0])
    stages = {
        str(form.get(f"value_{i}") or ""): str(form.get(f"means_{i}") or "")
        for i in range(MAX_STAGES + 1)
        if form.get(f"value_{i}") is not None
    }
    try:
        mapping = mapping_from_choices(name=name, header=table[0], columns=chosen, stages=stages)
        data = pending_imports.peek(settings, vacancy_id=None, upload_id=upload) or b""
        summary = import_deals(session, data=data, mapping=mapping)
    except DealFileError as exc:
        session.rollback()
        return _mapping_step(
            request,
            "stages",
            upload,
            table,
            chosen,
            name.strip(),
            exc.problems,
            list(stages.items()),
        )
    # Taken only now: a second click of "Save" finds the file gone and imports nothing twice.
    if pending_imports.take(settings, vacancy_id=None, upload_id=upload) is None:
        session.rollback()
        return _mapping_page(request, {"problems": [_GONE]}, 409)
    row = save_mapping(session, mapping=mapping)
    audit(
        "deals.mapping_save",
        object_type="deals",
        object_id=row.id,
        details={"fields": len(mapping.columns)},
    )
    audit("deals.import", object_type="deals", details=summary.audit_details(mapping.name))
    return _deals_page(
        request, session, {"summary": summary, "mapping": mapping.name, "saved": mapping.name}
    )
