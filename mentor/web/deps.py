"""Dependencies every route shares: the database session, the logged-in user, the CSRF check.

``get_db`` opens one Session per request; the route commits once (STYLE.md, "one commit point").
``load_user`` runs for every request (an app-wide dependency), so pages, the CSRF check and error
pages all know who is asking; ``require_user`` is what the protected router adds.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from mentor.accounts.sessions import COOKIE_NAME, resolve_session, write_bookkeeping
from mentor.config import Settings
from mentor.db import Clock, begin_writing, read_by_default, utcnow
from mentor.errors import LoginRequired
from mentor.models import User
from mentor.notifications.delivery import deliver_in_background
from mentor.notifications.service import OUTBOX_PENDING
from mentor.policy import Permission, authorize
from mentor.web import csrf


def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# The dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` dependency in its
# thread pool, a hand-over between threads on every request for a value at hand.
async def get_settings_dep(request: Request) -> Settings:
    return app_settings(request)


def get_db(request: Request) -> Iterator[Session]:
    factory = request.app.state.session_factory
    with factory() as session:
        if request.method in csrf.SAFE_METHODS:
            # A page reads without waiting for writers; what it writes (the session's idle
            # clock, its audit events) goes in a short writing transaction of its own
            # (mentor.db.begin_writing), never in the reading one.
            read_by_default(session)
        yield session
        outbox_pending = session.info.pop(OUTBOX_PENDING, False)
    # Runs after the response is sent, once the request's transaction is over (a writer's turn
    # is given back before delivery writes): mail a committed action queued goes out now, so no
    # route has to remember it (what fails stays in the outbox for `mentor mail send`).
    if outbox_pending:
        deliver_in_background(factory, request.app.state.settings)


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
# The app's clock (``create_app(clock=...)``): routes pass ``clock()`` to the services, so a
# test moves time by giving the app another clock.
ClockDep = Annotated[Clock, Depends(get_clock)]
SessionDep = Annotated[Session, Depends(get_db)]


def load_user(request: Request, db: SessionDep, settings: SettingsDep) -> User | None:
    request.state.user = None
    request.state.login_session = None
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    # Who is asking is read as a reader whatever the method (on SQLite a POST's transactions
    # begin as writers, in their turn), and that transaction ends here: nothing — above all no
    # writer's turn — is held while the request waits for a thread for its next step.
    db.connection(execution_options={"sqlite_begin": "DEFERRED"})
    # The session's own clock, not the app's: a test that moves the app's clock a day on
    # should not log its user out.
    resolved = resolve_session(db, token=token, settings=settings, now=utcnow())
    db.commit()
    if resolved.needs_write:
        # Session bookkeeping (the idle clock, dropping an ended session) is its own small unit
        # of work, committed before the route starts its own.
        begin_writing(db)
        write_bookkeeping(db, resolved)
        db.commit()
    login_session = resolved.login_session
    if login_session is None:
        return None
    request.state.user = login_session.user
    request.state.login_session = login_session
    return login_session.user


OptionalUser = Annotated[User | None, Depends(load_user)]


async def verify_csrf(request: Request, _user: OptionalUser) -> None:
    await csrf.verify(request)


async def require_user(user: OptionalUser) -> User:
    if user is None:
        raise LoginRequired()
    return user


CurrentUser = Annotated[User, Depends(require_user)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def allowed(permission: Permission) -> Callable[[User], Coroutine[Any, Any, User]]:
    """A dependency that lets the request through only when the policy grants ``permission``."""

    async def check(user: CurrentUser) -> User:
        authorize(user, permission)
        return user

    return check
