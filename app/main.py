"""The FastAPI application: ``create_app(settings)``; the database engine lives in the lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from app.api.pages import router as api_keys_router
from app.api.routes import router as api_router
from app.auth.permissions import template_globals
from app.auth.sessions import StaffSessionMiddleware
from app.candidate.routes import add_routes as add_candidate_routes
from app.compare.routes import router as compare_router
from app.config import Settings, load_settings
from app.dashboard.routes import router as dashboard_router
from app.db import make_engine
from app.decisions.routes import router as decisions_router
from app.experience.routes import router as experience_router
from app.exports.routes import router as exports_router
from app.invitations.routes import public_router as join_router
from app.invitations.routes import router as invitations_router
from app.invitations.worker import mail_worker
from app.login.routes import router as login_router
from app.matrix.routes import router as matrix_router
from app.organisation.routes import public_router as organisation_public_router
from app.organisation.routes import router as organisation_router
from app.outcomes.routes import hire_router
from app.outcomes.routes import router as outcomes_router
from app.privacy import worker as retention_worker
from app.privacy.routes import router as privacy_router
from app.reports.routes import router as reports_router
from app.scoring.routes import router as scoring_router
from app.security.headers import SecurityHeadersMiddleware
from app.security.methods import AllowedMethodsMiddleware
from app.security.nulbytes import NulByteMiddleware
from app.security.ratelimit import RateLimitMiddleware, make_limiter, storage_kind
from app.security.sizelimit import BodySizeLimitMiddleware
from app.staff.routes import router as staff_router
from app.stats.routes import router as stats_router
from app.users.audit_log import router as audit_router
from app.users.routes import router as users_router
from app.web import STATIC, templates, warm_up
from app.web.errors import install_error_handlers
from app.web.problems import install_problem_handlers
from app.webhooks import worker as webhook_worker
from app.webhooks.routes import router as webhooks_router
from app.writer import Direct, Writer
from questionnaires.loader import product_questionnaires
from questionnaires.schema import Questionnaire

SESSION_COOKIE = "rolefit_session"
# ZIP exports pull their chunks in threads of their own (app/exports/routes.py); each download
# being built holds one while it waits for a PDF from the worker processes.
EXPORT_THREADS = 4


def load_questionnaires() -> dict[str, Questionnaire]:
    """Every product questionnaire, validated; a bad file raises QuestionnaireError naming it."""
    return dict(product_questionnaires())


def group_commit(settings: Settings) -> bool:
    """Whether candidate requests go through the group-commit writer (``GROUP_COMMIT``)."""
    # "auto" is the writer on both databases: on PostgreSQL too it measured faster than a
    # connection per request (bench/load/README.md, "PostgreSQL").
    return settings.group_commit != "off"


def create_app(
    settings: Settings | None = None, *, questionnaires: dict[str, Questionnaire] | None = None
) -> FastAPI:
    settings = settings or load_settings()
    catalog = questionnaires if questionnaires is not None else load_questionnaires()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = make_engine(settings.db_url, pool_size=settings.request_threads + 6)
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        app.state.export_limiter = anyio.CapacityLimiter(EXPORT_THREADS)
        warm_up()
        writer = Writer(app.state.engine) if group_commit(settings) else None
        app.state.writer = writer or Direct(app.state.engine)
        app.state.limiter = make_limiter(
            engine=app.state.engine,
            storage=storage_kind(
                settings.rate_limit_storage, db_url=settings.db_url, redis_url=settings.redis_url
            ),
            redis_url=settings.redis_url,
            prefix=settings.rate_limit_prefix,
            writer=writer,
        )
        stop = asyncio.Event()
        # The background workers the settings turn on; each returns once ``stop`` is set.
        workers: list[asyncio.Task[None]] = []
        if settings.webhook_worker:
            webhooks = webhook_worker.run(
                app.state.engine,
                poll_seconds=settings.webhook_poll_seconds,
                stop=stop,
                allow_private=settings.webhook_allow_private,
            )
            workers.append(asyncio.create_task(webhooks))
        if settings.mail_worker:
            workers.append(asyncio.create_task(mail_worker(app.state.engine, settings, stop)))
        if settings.retention_worker:
            workers.append(
                asyncio.create_task(retention_worker.run(app.state.engine, settings, stop))
            )
        try:
            yield
        finally:
            stop.set()
            for worker in workers:
                await worker
            await app.state.limiter.aclose()
            # Queued writes are run before the connections go.
            await asyncio.to_thread(app.state.writer.close)
            app.state.engine.dispose()

    app = FastAPI(
        title="rolefit", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.settings = settings
    app.state.questionnaires = catalog

    app.add_middleware(
        StaffSessionMiddleware,
        secret_key=settings.session_secret,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_hours * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )

    # Outermost last: headers wrap everything (413 and 429 pages too); bodies are size-checked
    # before anything reads them; rate limits are counted before the session is decoded.
    app.add_middleware(AllowedMethodsMiddleware)
    app.add_middleware(NulByteMiddleware)
    app.add_middleware(RateLimitMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_body=settings.max_body_bytes,
        max_upload=settings.max_upload_bytes,
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz")
    def healthz(request: Request) -> Response:
        # A dead writer thread would leave every candidate request failing: not healthy.
        if not request.app.state.writer.alive:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        try:
            with request.app.state.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    # First: candidates' clicks are most of the traffic, and routes are tried in order.
    add_candidate_routes(app)
    app.include_router(login_router)
    app.include_router(staff_router)
    app.include_router(reports_router)
    app.include_router(matrix_router)
    app.include_router(scoring_router)
    app.include_router(outcomes_router)
    app.include_router(hire_router)
    app.include_router(stats_router)
    # Issue 6: permissions, dashboard, decisions, comparison, exports, audit log, users.
    templates.env.globals.update(template_globals())
    app.include_router(dashboard_router)
    app.include_router(decisions_router)
    app.include_router(compare_router)
    app.include_router(exports_router)
    app.include_router(audit_router)
    app.include_router(users_router)
    app.include_router(invitations_router)
    app.include_router(join_router)
    app.include_router(api_router)
    app.include_router(api_keys_router)
    app.include_router(webhooks_router)
    app.include_router(privacy_router)
    app.include_router(organisation_router)
    app.include_router(experience_router)
    app.include_router(organisation_public_router)
    install_error_handlers(app)
    # After the HTML handlers: /api/ paths answer RFC 9457 problems instead.
    install_problem_handlers(app)
    return app
