"""``create_app(settings)``: wiring only."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from mentor import health
from mentor.accounts import account_routes as own_account_routes
from mentor.accounts import admin_routes as account_admin_routes
from mentor.accounts import mfa_routes
from mentor.accounts import routes as account_routes
from mentor.ambassadors import bulk_invite_routes as ambassador_bulk_invite_routes
from mentor.ambassadors import certificate_routes
from mentor.ambassadors import joining_routes as ambassador_joining_routes
from mentor.ambassadors import profile_routes as ambassador_profile_routes
from mentor.ambassadors import proposals_routes as ambassador_proposals_routes
from mentor.ambassadors import vetting_routes as ambassador_vetting_routes
from mentor.audit import routes as audit_routes
from mentor.catalogue import calendar_routes as school_calendar_routes
from mentor.catalogue import routes as catalogue_routes
from mentor.config import PROJECT_ROOT, Environment, Settings, get_settings
from mentor.db import REQUEST_THREADS, Clock, make_engine, make_sessionmaker, utcnow
from mentor.exports import routes as export_routes
from mentor.followup import caseload_routes, report_routes, school_year_routes
from mentor.followup import dashboard_routes as followup_routes
from mentor.home import routes as home_routes
from mentor.matches import closing_routes, handoff_routes, scoring_routes
from mentor.matches import exit_routes as match_exit_routes
from mentor.matches import rematch_routes as match_rematch_routes
from mentor.matches import routes as matching_routes
from mentor.meetings import calendar_routes, feedback_routes, log_routes, proposal_routes
from mentor.meetings import resolve_routes as flag_resolve_routes
from mentor.meetings import routes as meeting_routes
from mentor.organisations import routes as organisation_routes
from mentor.privacy import routes as privacy_routes
from mentor.pupils import import_routes as pupil_import_routes
from mentor.pupils import notes_routes
from mentor.pupils import routes as pupil_routes
from mentor.questionnaire import pupil_routes as questionnaire_pupil_routes
from mentor.questionnaire import routes as questionnaire_routes
from mentor.web import errors
from mentor.web.admission import RequestAdmission
from mentor.web.deps import require_user, verify_csrf
from mentor.web.middleware import LocaleAndSecurityHeadersMiddleware
from mentor.web.templating import environment


def _add_routes_flat(app: FastAPI, router: APIRouter) -> None:
    """Add every route of ``router`` (and of the routers it includes) to the app itself.

    ``include_router`` keeps each included router as a branch that is matched lazily: a request
    walks the branches (and re-checks each one's version) at every level, three times over, and
    a late route such as /admin/school-year cost over a millisecond to find. Added one by one,
    with the prefixes and dependencies of every level already combined (FastAPI's own route
    contexts), a request is matched by one pass over plain routes, in the same order.
    """
    for route in iter_route_contexts(router.routes):
        original = route.original_route
        if not isinstance(original, APIRoute) or route.path is None:
            raise TypeError(f"only API routes can be added flat, not {original!r}")
        methods = set(route.methods or ())
        if "GET" in methods:
            methods.add("HEAD")  # a HEAD asks for a GET's headers (uptime checks, link checkers)
        app.router.add_api_route(
            route.path,
            original.endpoint,
            methods=methods,
            name=route.name,
            dependencies=route.dependencies,
            response_class=route.response_class,
            response_model=route.response_model,
            status_code=route.status_code,
            responses=route.responses,
            include_in_schema=route.include_in_schema,
        )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # The thread pool of sync routes and dependencies, sized with the SQLite pool (mentor.db).
    anyio.to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
    if app.state.settings.env is not Environment.TEST:
        _settle_garbage_collector()
    yield


# A collection of the oldest generation looks at every object the process holds (the ORM's,
# the routes', the templates': hundreds of thousands), a pause of tens of milliseconds for
# whichever requests are at work: the slowest 1 % of pages. What exists once the app has started
# lives as long as the process, so it is frozen out of the collector's sight, and the young
# generation is collected less often (measured in bench/web_bench.py: p99 down by a third).
# Not in the tests, whose apps come and go within one process.
GC_THRESHOLDS = (10_000, 50, 100)


def _settle_garbage_collector() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


class MentorApp(FastAPI):
    """FastAPI, with the locale and the security headers outside everything else.

    Middleware added the usual way runs inside Starlette's error middleware, so the page of a
    crash went out without the headers; wrapped here, every response has them.
    """

    hsts_seconds = 0

    def build_middleware_stack(self) -> ASGIApp:
        return LocaleAndSecurityHeadersMiddleware(
            super().build_middleware_stack(), hsts_seconds=self.hsts_seconds
        )


def create_app(
    settings: Settings | None = None,
    *,
    session_factory: sessionmaker[Session] | None = None,
    clock: Clock = utcnow,
) -> FastAPI:
    settings = settings or get_settings()
    app = MentorApp(
        title="Ambassadør", docs_url=None, redoc_url=None, openapi_url=None, lifespan=_lifespan
    )
    app.hsts_seconds = settings.hsts_seconds
    app.state.settings = settings
    # The time as routes see it (``ClockDep``); tests replace it to move time.
    app.state.clock = clock
    app.state.session_factory = session_factory or make_sessionmaker(
        make_engine(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
    )

    # Every page knows who is asking and checks the CSRF token of every state change:
    # ``verify_csrf`` loads the user first (naming ``load_user`` here as well would only make
    # FastAPI walk its dependencies once more on every request).
    page_dependencies = [Depends(verify_csrf)]
    public = APIRouter(dependencies=page_dependencies)
    public.include_router(home_routes.router)
    public.include_router(account_routes.router)
    public.include_router(mfa_routes.public_router)
    public.include_router(questionnaire_pupil_routes.router)
    public.include_router(ambassador_joining_routes.public_router)
    public.include_router(calendar_routes.public_router)
    public.include_router(feedback_routes.public_router)
    public.include_router(match_exit_routes.public_router)
    public.include_router(certificate_routes.public_router)

    # Everything else requires login: a route is public only by being added above.
    protected = APIRouter(dependencies=[*page_dependencies, Depends(require_user)])
    protected.include_router(own_account_routes.router)
    protected.include_router(mfa_routes.router)
    protected.include_router(account_admin_routes.router)
    # Before the meeting pages: /meetings/{id}.ics is a file, not a page.
    protected.include_router(calendar_routes.router)
    protected.include_router(organisation_routes.router)
    protected.include_router(catalogue_routes.router)
    protected.include_router(school_calendar_routes.router)
    protected.include_router(questionnaire_routes.router)
    protected.include_router(pupil_import_routes.router)
    protected.include_router(pupil_routes.router)
    protected.include_router(ambassador_bulk_invite_routes.router)
    protected.include_router(ambassador_vetting_routes.router)
    protected.include_router(ambassador_joining_routes.router)
    protected.include_router(ambassador_profile_routes.router)
    protected.include_router(ambassador_proposals_routes.router)
    protected.include_router(certificate_routes.router)
    protected.include_router(certificate_routes.school_router)
    protected.include_router(proposal_routes.router)
    protected.include_router(meeting_routes.router)
    protected.include_router(log_routes.router)
    protected.include_router(feedback_routes.router)
    protected.include_router(matching_routes.router)
    protected.include_router(scoring_routes.router)
    protected.include_router(closing_routes.router)
    protected.include_router(notes_routes.router)
    protected.include_router(flag_resolve_routes.router)
    protected.include_router(match_rematch_routes.router)
    protected.include_router(match_exit_routes.router)
    protected.include_router(caseload_routes.router)
    protected.include_router(followup_routes.router)
    protected.include_router(followup_routes.admin_router)
    protected.include_router(school_year_routes.router)
    protected.include_router(handoff_routes.router)
    protected.include_router(export_routes.router)
    protected.include_router(report_routes.router)
    protected.include_router(audit_routes.router)
    protected.include_router(privacy_routes.router)

    for router in (health.router, public, protected):
        _add_routes_flat(app, router)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")

    errors.install(app)
    app.add_middleware(RequestAdmission, limit=settings.max_concurrent_requests)
    if settings.trusted_proxy_list:
        # Outermost of the added layers: every later one sees the client the proxy names.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    # Templates are read once per process; in development an edited one shows on the next page.
    environment().auto_reload = settings.env is Environment.DEVELOPMENT
    return app
