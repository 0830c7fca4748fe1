"""One unit of work per request (app/db.py): the request's session commits once, after the
handler and before the response is sent; an exception or a returned error rolls back; no
route commits by itself, and every route that takes the session is a ``UnitOfWork`` route."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.audit.service import Audit, record
from app.db import SessionDep, UnitOfWork, get_session, keep_on_error
from app.invitations.invite import Person
from app.invitations.service import create_invitation
from app.main import create_app
from app.models import AuditEvent, Organisation, Vacancy
from tests.factories import make_vacancy
from tests.htmlq import csrf_of

APP = Path(__file__).resolve().parents[2] / "app"
ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "api_route"}


class WatchResponses:
    """ASGI wrapper that calls ``look()`` the moment a response starts to be sent: what it
    reads through its own connection is what a client could see at that moment."""

    def __init__(self, app: ASGIApp, look: Callable[[Scope], object]) -> None:
        self.app, self.look, self.seen = app, look, []  # type: list[object]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.seen.append((message["status"], self.look(scope)))
            await send(message)

        await self.app(scope, receive, watched)


def audit_count(engine: Engine, action: str) -> int:
    with Session(engine) as other:  # another connection: sees only what is committed
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        return other.exec(query).one()


# --- the real application ----------------------------------------------------------------


def test_a_post_is_committed_before_its_303_reaches_the_client(
    settings: Any, db: Session, engine: Engine, staff_user: Any
) -> None:
    from tests.webflow import STAFF_PASSWORD, login

    def look(scope: Scope) -> object:
        if scope["method"] != "POST" or scope["path"] != "/vacancies":
            return None
        with Session(engine) as other:
            row = other.exec(select(Vacancy).where(Vacancy.title == "Seen at once")).first()
        return row is not None and audit_count(engine, "vacancy.create") == 1

    watcher = WatchResponses(create_app(settings), look)
    with TestClient(watcher) as client:
        login(client, staff_user.email, STAFF_PASSWORD)
        form = client.get("/vacancies/new")
        data = {"title": "Seen at once", "placement": "hunter", "language": "en"}
        r = client.post("/vacancies", data=data | {"csrf_token": csrf_of(form.text)})
        assert r.status_code == 200  # the redirect was followed, to the vacancy's page
        assert "Seen at once" in r.text
    assert (303, True) in watcher.seen


def test_a_streaming_export_is_audited_and_committed_before_its_body_starts(
    settings: Any, db: Session, engine: Engine, staff_user: Any
) -> None:
    from tests.webflow import STAFF_PASSWORD, login

    vacancy = make_vacancy(db, title="Exported", created_by=staff_user)

    def look(scope: Scope) -> object:
        if not scope["path"].endswith("/export.csv"):
            return None
        return audit_count(engine, "vacancy.export_csv")

    watcher = WatchResponses(create_app(settings), look)
    with TestClient(watcher) as client:
        login(client, staff_user.email, STAFF_PASSWORD)
        r = client.get(f"/vacancies/{vacancy.id}/export.csv")
        assert r.status_code == 200
    assert (200, 1) in watcher.seen


def test_a_form_returned_with_errors_stores_nothing(staff: TestClient, db: Session) -> None:
    form = staff.get("/vacancies/new")
    data = {"title": "  ", "placement": "astronaut", "language": "en"}
    assert staff.post("/vacancies", data=data | {"csrf_token": csrf_of(form.text)}).status_code
    assert db.exec(select(func.count()).select_from(Vacancy)).one() == 0
    assert db.exec(select(func.count()).select_from(AuditEvent)).one() == 0


def test_a_refusal_answered_with_a_redirect_keeps_nothing_the_service_wrote_first(
    staff: TestClient, db: Session, settings: Any
) -> None:
    """A new link needs an email, which needs the organisation: ``resend`` has already stored
    the new token when it finds none and refuses. The refusal is a 303 back to the vacancy,
    which the unit of work would commit, so the route rolls back (the old link still works)."""
    vacancy = make_vacancy(db)
    invitation, _link = create_invitation(
        db,
        settings=settings,
        vacancy=vacancy,
        invitee=Person("Anna", email="a@example.com", language="en"),
        created_by=None,
    )
    db.commit()
    old_hash = invitation.token_hash
    token = csrf_of(staff.get(f"/vacancies/{vacancy.id}").text)
    db.delete(db.get(Organisation, 1))
    db.commit()
    r = staff.post(f"/invitations/{invitation.id}/resend", data={"csrf_token": token})
    assert r.status_code == 200  # the vacancy's page, with the refusal as its notice
    db.refresh(invitation)
    assert invitation.token_hash == old_hash
    assert db.exec(select(func.count()).select_from(AuditEvent)).one() == 0


def test_every_route_of_the_app_that_can_take_a_session_is_a_unit_of_work(
    settings: Any, db: Session
) -> None:
    app = create_app(settings)
    routes: list[APIRoute] = []

    def walk(items: list[Any]) -> None:
        for route in items:
            if isinstance(route, APIRoute):
                routes.append(route)
            elif hasattr(route, "original_router"):  # an included router
                walk(route.original_router.routes)

    def takes_session(dependant: Any) -> bool:
        return dependant.call is get_session or any(map(takes_session, dependant.dependencies))

    walk(app.routes)
    with_session = [r for r in routes if takes_session(r.dependant)]
    assert len(with_session) > 80  # the walk finds the routers' routes and their dependencies
    assert [r.path for r in with_session if not isinstance(r, UnitOfWork)] == []


def _route_modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(
            isinstance(d, ast.Call)
            and isinstance(d.func, ast.Attribute)
            and d.func.attr in ROUTE_METHODS
            for fn in ast.walk(tree)
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
            for d in fn.decorator_list
        ):
            yield path, tree


def test_no_route_module_commits_the_session() -> None:
    """Not in a handler nor in a helper beside it: the unit of work commits."""
    modules = list(_route_modules())
    assert len(modules) > 15  # the scan finds the routes
    commits = [
        f"{path.relative_to(APP.parent)}:{node.lineno}"
        for path, tree in modules
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    ]
    assert commits == []


def test_no_route_repeats_the_keyword_audit_call() -> None:
    """Routes name an action and its object (``audit("vacancy.close", vacancy)``); the
    session, the user and the address come with the request's ``Audit``."""
    calls = [
        f"{path.relative_to(APP.parent)}:{node.lineno}"
        for path, tree in _route_modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "record"
    ]
    assert calls == []


# --- the rule, on a small app of UnitOfWork routes ---------------------------------------


def _event(session: Session, request: Request, action: str) -> None:
    Audit(session, None, request, actor_label="test")(action, object_type="test")


@pytest.fixture
def toy(engine: Engine, db: Session) -> Iterator[tuple[TestClient, list[int]]]:
    """Routes that write one audit event each, then end in every way a request can end."""
    router = APIRouter(route_class=UnitOfWork)
    committed_before_body: list[int] = []

    @router.post("/ok")
    def ok(request: Request, session: SessionDep) -> Response:
        _event(session, request, "test.ok")
        return RedirectResponse("/next", status_code=303)

    @router.post("/raise")
    def raises(request: Request, session: SessionDep) -> Response:
        _event(session, request, "test.raise")
        raise HTTPException(status_code=409)

    @router.post("/bug")
    def bug(request: Request, session: SessionDep) -> Response:
        _event(session, request, "test.bug")
        raise RuntimeError("a bug")

    @router.post("/refused")
    def refused(request: Request, session: SessionDep) -> Response:
        _event(session, request, "test.refused")
        return Response("no", status_code=422)

    @router.post("/refused-but-kept")
    def refused_but_kept(request: Request, session: SessionDep) -> Response:
        _event(session, request, "test.kept")
        keep_on_error(request)
        return Response("slow down", status_code=429)

    @router.get("/stream")
    def stream(request: Request, session: SessionDep) -> Response:
        _event(session, request, "test.stream")

        def body() -> Iterator[bytes]:
            committed_before_body.append(audit_count(engine, "test.stream"))
            yield b"data"

        return StreamingResponse(body())

    plain = APIRouter()

    @plain.post("/not-a-unit")
    def not_a_unit(request: Request, session: SessionDep) -> Response:
        record(session, actor=None, action="test.lost", object_type="test", request=request)
        return Response("stored?")

    app = FastAPI()
    app.state.engine = engine
    app.include_router(router)
    app.include_router(plain)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, committed_before_body


def test_a_successful_request_commits_its_writes(toy, engine: Engine) -> None:
    client, _ = toy
    assert client.post("/ok", follow_redirects=False).status_code == 303
    assert audit_count(engine, "test.ok") == 1


def test_a_raised_http_exception_rolls_back(toy, engine: Engine) -> None:
    client, _ = toy
    assert client.post("/raise").status_code == 409
    assert audit_count(engine, "test.raise") == 0


def test_a_failing_handler_rolls_back(toy, engine: Engine) -> None:
    client, _ = toy
    assert client.post("/bug").status_code == 500
    assert audit_count(engine, "test.bug") == 0


def test_a_returned_error_response_rolls_back(toy, engine: Engine) -> None:
    client, _ = toy
    assert client.post("/refused").status_code == 422
    assert audit_count(engine, "test.refused") == 0


def test_an_error_response_keeps_its_writes_when_the_handler_asks(toy, engine: Engine) -> None:
    client, _ = toy
    assert client.post("/refused-but-kept").status_code == 429
    assert audit_count(engine, "test.kept") == 1


def test_a_streaming_body_starts_after_the_commit(toy, engine: Engine) -> None:
    client, committed_before_body = toy
    assert client.get("/stream").content == b"data"
    assert committed_before_body == [1]


def test_a_route_outside_a_unit_of_work_cannot_open_the_session(toy, engine: Engine) -> None:
    client, _ = toy
    assert client.post("/not-a-unit").status_code == 500
    assert audit_count(engine, "test.lost") == 0


def test_an_audit_names_the_object_and_its_vacancy_from_the_model(db: Session) -> None:
    vacancy = make_vacancy(db)
    event = Audit(db, None, None, actor_label="command line")("vacancy.close", vacancy)
    assert (event.object_type, event.object_id, event.vacancy_id) == (
        "vacancy",
        str(vacancy.id),
        vacancy.id,
    )
    with pytest.raises(ValueError):
        Audit(db, None)("vacancy.close")
    db.rollback()
    assert (
        db.exec(select(func.count()).select_from(AuditEvent).where(col(AuditEvent.id) > 0)).one()
        == 0
    )
