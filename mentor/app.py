"""``create_app(settings)``: wiring only."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker

from mentor import health
from mentor.accounts import account_routes as own_account_routes
from mentor.accounts import admin_routes as account_admin_routes
from mentor.accounts import routes as account_routes
from mentor.ambassadors import bulk_invite_routes as ambassador_bulk_invite_routes
from mentor.ambassadors import certificate_routes
from mentor.ambassadors import joining_routes as ambassador_joining_routes
from mentor.ambassadors import profile_routes as ambassador_profile_routes
from mentor.ambassadors import proposals_routes as ambassador_proposals_routes
from mentor.ambassadors import vetting_routes as ambassador_vetting_routes
from mentor.catalogue import calendar_routes as school_calendar_routes
from mentor.catalogue import routes as catalogue_routes
from mentor.config import PROJECT_ROOT, Settings, get_settings
from mentor.db import Clock, make_engine, make_sessionmaker, utcnow
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
from mentor.pupils import import_routes as pupil_import_routes
from mentor.pupils import notes_routes
from mentor.pupils import routes as pupil_routes
from mentor.questionnaire import pupil_routes as questionnaire_pupil_routes
from mentor.questionnaire import routes as questionnaire_routes
from mentor.web import errors
from mentor.web.deps import load_user, require_user, verify_csrf
from mentor.web.middleware import LocaleMiddleware, SecurityHeadersMiddleware


def create_app(
    settings: Settings | None = None,
    *,
    session_factory: sessionmaker[Session] | None = None,
    clock: Clock = utcnow,
) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Ambassadør", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    # The time as routes see it (``ClockDep``); tests replace it to move time.
    app.state.clock = clock
    app.state.session_factory = session_factory or make_sessionmaker(
        make_engine(settings.database_url)
    )

    # Every page knows who is asking and checks the CSRF token of every state change.
    page_dependencies = [Depends(load_user), Depends(verify_csrf)]
    public = APIRouter(dependencies=page_dependencies)
    public.include_router(home_routes.router)
    public.include_router(account_routes.router)
    public.include_router(questionnaire_pupil_routes.router)
    public.include_router(ambassador_joining_routes.public_router)
    public.include_router(calendar_routes.public_router)
    public.include_router(feedback_routes.public_router)
    public.include_router(match_exit_routes.public_router)
    public.include_router(certificate_routes.public_router)

    # Everything else requires login: a route is public only by being added above.
    protected = APIRouter(dependencies=[*page_dependencies, Depends(require_user)])
    protected.include_router(own_account_routes.router)
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

    app.include_router(health.router)
    app.include_router(public)
    app.include_router(protected)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")

    errors.install(app)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(LocaleMiddleware)
    return app
