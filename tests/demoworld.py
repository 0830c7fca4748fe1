"""The demo's data, loaded through the demo's own services, and every staff page to visit with
it: for the tests that walk all staff pages (layout in a browser, no internal codes in Russian).

The staff URLs come from the app's own routes, so a new page is visited as soon as it exists;
a page whose URL needs a value the world does not have fails the walk, naming it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from app.candidate.service import finish, record_consent, save_answers
from app.config import Settings
from app.db import utcnow
from app.demo import add_demo_candidates
from app.invitations.invite import invite_candidate
from app.invitations.service import set_open_link
from app.main import create_app, load_questionnaires
from app.matrix.service import current, form_values, save_edit
from app.models import FitRecord, Invitation, User
from app.outcomes.demo import add_demo_team
from app.staff.service import create_vacancy
from questionnaires.simulate import leaning_answers
from tests.factories import make_user
from tests.webflow import token_of

ADMIN_EMAIL = "ada@example.com"
ADMIN_PASSWORD = "demo world password"
# Candidates' links, the API and public pages are not staff pages; downloads are files.
NOT_STAFF = ("/a/", "/join/", "/api/", "/static", "/healthz", "/login", "/logout", "/organisation/")
DOWNLOADS = (".zip", ".csv", ".xlsx", ".json", ".pdf")
# A stored email, shown as its raw text; the outbox page that lists them is visited.
SKIPPED = {"/outbox/{name}"}


@dataclass
class DemoWorld:
    params: dict[str, Any]
    # Pages that need a query to show what they are for.
    queries: dict[str, str] = field(default_factory=dict)
    fresh_token: str = ""  # a link not yet opened
    done_token: str = ""  # a candidate who has answered everything
    open_token: str = ""  # the vacancy's open registration link

    def staff_urls(self, settings: Settings) -> list[str]:
        urls = []
        for path in staff_get_paths(settings):
            missing = set(re.findall(r"{(\w+)}", path)) - self.params.keys()
            assert not missing, f"{path}: give tests/demoworld.py a real {missing}"
            urls.append(path.format(**self.params) + self.queries.get(path, ""))
        return urls


def _get_routes(routes: list[Any], prefix: str = "") -> Iterator[str]:
    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI's lazily included routers
        if inner is not None:
            sub = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            yield from _get_routes(inner.routes, prefix + sub)
        elif "GET" in (getattr(route, "methods", None) or ()):
            yield prefix + route.path


def staff_get_paths(settings: Settings) -> list[str]:
    paths = set(_get_routes(create_app(settings).routes))
    return sorted(
        p
        for p in paths
        if not p.startswith(NOT_STAFF) and not p.endswith(DOWNLOADS) and p not in SKIPPED
    )


def _completed_link(db: Session, settings: Settings, vacancy, admin: User) -> str:
    new = invite_candidate(
        db, settings=settings, vacancy=vacancy, name="Вера Тестова", created_by=admin
    )
    catalog = load_questionnaires()
    rng = random.Random(7)
    now = utcnow()
    record_consent(db, invitation=new.invitation, now=now, version=settings.consent_version)
    for qid in new.invitation.questionnaire_ids:
        q = catalog[qid]
        answers = leaning_answers(q, {d.scale: True for d in q.dichotomies}, rng=rng)
        save_answers(db, invitation=new.invitation, questionnaire_id=qid, answers=answers, now=now)
    finish(db, invitation=new.invitation, catalog=catalog, now=now)
    return new.link


def load_demo(db: Session, settings: Settings) -> DemoWorld:
    """The demo vacancy and its candidates, the sales team with a year of deals, an open link,
    one more completed candidate, and a second matrix version that moves a type's group."""
    admin = make_user(db, email=ADMIN_EMAIL, password=ADMIN_PASSWORD, role="admin")
    catalog = load_questionnaires()
    vacancy = create_vacancy(
        db,
        title="Клиентский менеджер (B2B)",
        placement="farmer",
        language="ru",
        questionnaire_ids=["introversion_extraversion", "socionics_16"],
        created_by=admin,
    )
    fresh_link = add_demo_candidates(
        db, settings=settings, vacancy=vacancy, admin=admin, catalog=catalog
    )
    add_demo_team(db, settings=settings, admin=admin, catalog=catalog)
    set_open_link(db, vacancy=vacancy, enabled=True)
    done_link = _completed_link(db, settings, vacancy, admin)
    form = form_values(current(db).matrix)
    form["group-LII"], form["fit-LII-farmer"] = "client_operations", "40"
    edited = save_edit(db, form=form, user=admin, note="Аналитик: клиентская работа")
    db.commit()
    completed = db.exec(
        select(Invitation)
        .join(FitRecord, FitRecord.invitation_id == Invitation.id)  # type: ignore[arg-type]
        .where(Invitation.vacancy_id == vacancy.id)
        .order_by(Invitation.id)  # type: ignore[arg-type]
    ).all()
    assert len(completed) >= 4
    return DemoWorld(
        params={
            "vacancy_id": vacancy.id,
            "invitation_id": completed[0].id,
            "candidate_id": completed[0].candidate_id,
            "version_id": edited.id,
            "kind": "consent",
            "language": "ru",
        },
        queries={
            "/vacancies/{vacancy_id}/compare": "?" + "&".join(f"id={i.id}" for i in completed[:4]),
            # Results: the completed demo candidate and any other whose name holds it.
            "/search": "?q=ВЕРА",
        },
        fresh_token=token_of(fresh_link),
        done_token=token_of(done_link),
        open_token=vacancy.open_token or "",
    )
