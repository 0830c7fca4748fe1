"""The audit log for administrators: filter by actor, action, object and dates; read only.
It lives with the staff accounts, not in ``app/audit/``: the audit record sits below ``auth``
(signing in is recorded), and this page needs ``auth``'s permission checks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from app.audit.details import details_in_words
from app.audit.service import ACTION_NAMES, ACTIONS, OBJECT_NAMES, AuditFilter, search
from app.auth.permissions import staff_router
from app.db import SessionDep
from app.db import utcnow as _utcnow
from app.web import render

router = staff_router("audit.view")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_utcnow().tzinfo)


@router.get("/admin/audit")
def audit(request: Request, session: SessionDep) -> Response:
    p = request.query_params
    since, until = _day(p.get("from", "")), _day(p.get("to", ""))
    bad_dates = (p.get("from") and since is None) or (p.get("to") and until is None)
    try:
        page = max(1, int(p.get("page", "1")))
    except ValueError:
        page = 1
    where = AuditFilter(
        actor=p.get("actor", "").strip()[:254],
        action=p.get("action", "") if p.get("action", "") in ACTIONS else "",
        object_type=p.get("object_type", "").strip()[:32],
        object_id=p.get("object_id", "").strip()[:64],
        since=_start(since) if since else None,
        until=_start(until) + timedelta(days=1) if until else None,  # "to" is inclusive
        page=page,
    )
    result = search(session, where=where)
    values = {
        k: p.get(k, "") for k in ("actor", "action", "object_type", "object_id", "from", "to")
    }

    def link(**changes: object) -> str:
        merged = {**values, **{k: str(v) for k, v in changes.items()}}
        return urlencode({k: v for k, v in merged.items() if v})

    ctx = {
        "result": result,
        "values": values,
        "actions": ACTIONS,
        "action_names": ACTION_NAMES,
        "object_names": OBJECT_NAMES,
        "details_in_words": details_in_words,
        "bad_dates": bad_dates,
        "link": link,
    }
    return render(request, "staff/audit.html", ctx)
