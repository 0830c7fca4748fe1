"""Re-scoring, asked for on the matrix page (admins only): every recommendation not made with
the matrix in force is computed again."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.responses import RedirectResponse, Response

from app.auth.deps import StaffAudit
from app.auth.permissions import require_action, staff_router
from app.db import SessionDep
from app.matrix.service import current
from app.models import User
from app.scoring.service import rescore_all

MatrixEditor = Annotated[User, Depends(require_action("matrix.edit"))]
router = staff_router("matrix.edit", prefix="/admin")


@router.post("/matrix/rescore")
def matrix_rescore(session: SessionDep, audit: StaffAudit, user: MatrixEditor) -> Response:
    count = rescore_all(session)
    in_force = current(session).version
    audit("matrix.rescore", in_force, details={"label": in_force.label, "rescored": count})
    return RedirectResponse(f"/admin/matrix?rescored={count}", status_code=303)
