"""The role-fit matrix editor (admins only): edit, version history, diff. Its re-score button
posts to ``app.scoring.routes``: scoring uses the matrix, so the matrix cannot call scoring."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from app.auth.deps import StaffAudit
from app.auth.permissions import require_action, staff_router
from app.db import SessionDep
from app.matrix.service import (
    MatrixFormErrors,
    current,
    diff,
    form_values,
    matrix_of,
    previous_version,
    save_edit,
    versions,
)
from app.models import MatrixVersion, User
from app.web import render, staff_language
from socionics.matrix import GROUP_NAMES, ROLE_NAMES, MatrixError
from socionics.model import types

MatrixEditor = Annotated[User, Depends(require_action("matrix.edit"))]
router = staff_router("matrix.edit", prefix="/admin")


async def form_fields(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


def _editor(
    request: Request,
    session: SessionDep,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    note: str = "",
    status_code: int = 200,
) -> Response:
    lang = staff_language(request)
    in_force = current(session)
    ctx = {
        "in_force": in_force,
        "values": values or form_values(in_force.matrix),
        "errors": errors or {},
        "general": general or [],
        "note": note,
        "warnings": in_force.matrix.warnings(),
        "types": types(),
        "roles": [(r, ROLE_NAMES[r].get(lang)) for r in in_force.matrix.roles],
        "groups": [(g, GROUP_NAMES[g].get(lang)) for g in GROUP_NAMES],
        "versions": versions(session),
        "saved": request.query_params.get("saved") == "1",
        "rescored": request.query_params.get("rescored"),
    }
    return render(request, "staff/matrix.html", ctx, status_code=status_code)


@router.get("/matrix")
def matrix_page(request: Request, session: SessionDep) -> Response:
    # Also stores the file's version if it was seen for the first time just now.
    return _editor(request, session)


@router.post("/matrix")
def matrix_save(
    request: Request,
    session: SessionDep,
    audit: StaffAudit,
    user: MatrixEditor,
    form: Annotated[dict[str, str], Depends(form_fields)],
) -> Response:
    note = (form.get("note") or "").strip()[:500]
    in_force_id = current(session).version.id
    try:
        saved = save_edit(session, form=form, user=user, note=note)
    except MatrixFormErrors as exc:
        session.rollback()
        return _editor(
            request,
            session,
            values=form,
            errors=exc.errors,
            general=exc.general,
            note=note,
            status_code=422,
        )
    if saved.id != in_force_id:  # an unchanged matrix stores (and changes) nothing
        audit(
            "matrix.edit", saved, details={"label": saved.label, "previous_version_id": in_force_id}
        )
    return RedirectResponse("/admin/matrix?saved=1", status_code=303)


@router.get("/matrix/versions/{version_id}")
def matrix_version(request: Request, session: SessionDep, version_id: int) -> Response:
    row = session.get(MatrixVersion, version_id)
    if row is None:
        raise HTTPException(status_code=404)
    before = previous_version(session, version_id=version_id)
    try:
        changes = diff(matrix_of(before), matrix_of(row)) if before else []
    except MatrixError:  # a stored version that no longer validates: show it without a diff
        changes = []
    lang = staff_language(request)
    ctx = {
        "version": row,
        "previous": before,
        "changes": changes,
        "role_names": {r: n.get(lang) for r, n in ROLE_NAMES.items()},
        "group_names": {g: n.get(lang) for g, n in GROUP_NAMES.items()},
    }
    return render(request, "staff/matrix_version.html", ctx)
