"""The FastAPI application: ``create_app(settings)``; the database engine lives in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.middleware.sessions import SessionMiddleware

from app.auth.routes import router as auth_router
from app.candidate.routes import router as candidate_router
from app.config import Settings, load_settings
from app.db import make_engine
from app.errors import install_error_handlers
from app.reports.routes import router as reports_router
from app.staff.routes import router as staff_router
from app.web import STATIC
from questionnaires.loader import product_questionnaires
from questionnaires.schema import Questionnaire

SESSION_COOKIE = "rolefit_session"


def load_questionnaires() -> dict[str, Questionnaire]:
    """Every product questionnaire, validated; a bad file raises QuestionnaireError naming it."""
    return dict(product_questionnaires())


def create_app(
    settings: Settings | None = None, *, questionnaires: dict[str, Questionnaire] | None = None
) -> FastAPI:
    settings = settings or load_settings()
    catalog = questionnaires if questionnaires is not None else load_questionnaires()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = make_engine(settings.db_url)
        try:
            yield
        finally:
            app.state.engine.dispose()

    app = FastAPI(
        title="rolefit", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.settings = settings
    app.state.questionnaires = catalog

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_hours * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        # Candidate links carry their token in the path: never send it on as a referrer.
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.url.path.startswith("/a/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz")
    def healthz(request: Request) -> Response:
        try:
            with request.app.state.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    app.include_router(auth_router)
    app.include_router(staff_router)
    app.include_router(reports_router)
    app.include_router(candidate_router)
    install_error_handlers(app)
    return app
