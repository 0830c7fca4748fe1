"""The admin statistics page: reliability, item-total correlations and norms."""

from __future__ import annotations

import math

from fastapi import Request
from fastapi.responses import Response

from app.auth.permissions import staff_router
from app.db import SessionDep
from app.stats.service import questionnaire_statistics
from app.web import render
from questionnaires.engine import scale_range
from questionnaires.schema import AgreementItem, BipolarItem, Questionnaire


def fmt(x: float | None, digits: int) -> str:
    """A statistic for the page: a dash where it cannot be computed (too few responses)."""
    if x is None or math.isnan(x):
        return "–"
    return f"{x:.{digits}f}"


def scale_name(q: Questionnaire, scale: str, language: str) -> str:
    """A scale by its name in the reader's language, as the report names it, not its id."""
    for s in q.scales:
        if s.id == scale and s.name is not None:
            return s.name.get(language)
    return scale


def item_label(q: Questionnaire, item_id: str, language: str) -> str:
    """An item by its number and its words, as the candidate saw it."""
    for n, item in enumerate(q.items, start=1):
        if item.id != item_id:
            continue
        if isinstance(item, AgreementItem):
            words = [item.text]
        elif isinstance(item, BipolarItem):
            words = [item.left, item.right]
        else:
            words = [o.text for o in item.options]
        shown = " — ".join(w.get(language) for w in words if w is not None)
        return f"{n}. {shown}" if shown else str(n)
    return item_id


router = staff_router("stats.view", prefix="/admin")


@router.get("/stats")
def stats_page(request: Request, session: SessionDep) -> Response:
    catalog = request.app.state.questionnaires
    ctx = {
        "stats": questionnaire_statistics(session, catalog=catalog),
        "fmt": fmt,
        "scale_name": scale_name,
        "scale_range": scale_range,
        "item_label": item_label,
    }
    return render(request, "staff/stats.html", ctx)
