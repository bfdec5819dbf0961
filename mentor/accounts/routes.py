"""Logging in and out, the language switch, invitations and password resets (public pages)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from starlette.responses import Response

from mentor.accounts import links, login_completion, mfa_login, service, sessions
from mentor.accounts.forms import LanguageForm, LoginForm, PasswordResetRequestForm, SetPasswordForm
from mentor.accounts.login_completion import LOCALE_COOKIE_MAX_AGE
from mentor.errors import DomainError, InvalidInput
from mentor.i18n import get_locale
from mentor.models import Locale, TokenPurpose
from mentor.web import csrf, flash
from mentor.web.deps import ClockDep, OptionalUser, SessionDep, SettingsDep, client_ip
from mentor.web.forms import FormFields, parse_form
from mentor.web.middleware import LOCALE_COOKIE
from mentor.web.responses import redirect, safe_next
from mentor.web.templating import render

router = APIRouter()


@router.get("/login")
def login_page(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    if user is not None:
        return redirect(request, safe_next(next))
    return render(request, "accounts/login.html", {"values": {"next": next or ""}, "errors": {}})


@router.post("/login")
def login(
    request: Request, db: SessionDep, settings: SettingsDep, clock: ClockDep, fields: FormFields
) -> Response:
    values = {"email": fields.get("email", ""), "next": fields.get("next", "")}
    try:
        form = parse_form(LoginForm, fields)
        user = service.authenticate(
            db,
            email=form.email,
            password=form.password,
            ip=client_ip(request),
            settings=settings,
            now=clock(),
        )
    except InvalidInput as error:
        return render(
            request,
            "accounts/login.html",
            {"values": values, "errors": error.field_errors},
            status_code=422,
        )
    except DomainError as error:
        db.commit()  # the failed attempt is recorded: it is what throttling counts
        return render(
            request,
            "accounts/login.html",
            {"values": values, "errors": {}, "form_error": error.message},
            status_code=error.status_code,
        )
    step = mfa_login.step_after_password(db, user=user, settings=settings)
    if step is not None:
        return login_completion.second_step(
            request, db, user=user, step=step, settings=settings, next_url=form.next, now=clock()
        )
    return login_completion.logged_in(request, db, user=user, settings=settings, next_url=form.next)


@router.post("/logout")
def logout(request: Request, db: SessionDep) -> Response:
    token = request.cookies.get(sessions.COOKIE_NAME)
    pending = request.cookies.get(mfa_login.COOKIE_NAME)
    if token or pending:
        login_completion.end_previous_session(request, db)
        db.commit()
    request.state.login_session = None
    csrf.renew(request)
    flash.add(request, "logged_out")
    response = redirect(request, "/login")
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
    response.delete_cookie(mfa_login.COOKIE_NAME, path="/")
    return response


@router.post("/language")
def change_language(
    request: Request, db: SessionDep, user: OptionalUser, settings: SettingsDep, fields: FormFields
) -> Response:
    try:
        form = parse_form(LanguageForm, fields)
    except InvalidInput:
        return redirect(request, "/")
    if user is not None:
        user.locale = Locale(form.locale)
        db.commit()
    flash.add(request, "language_changed")
    response = redirect(request, safe_next(form.next))
    response.set_cookie(
        LOCALE_COOKIE,
        form.locale,
        max_age=LOCALE_COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )
    return response


@router.get("/password-reset")
def password_reset_request_page(request: Request) -> Response:
    return render(request, "accounts/password_reset_request.html", {"values": {}, "errors": {}})


@router.post("/password-reset")
def password_reset_request(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    fields: FormFields,
) -> Response:
    try:
        form = parse_form(PasswordResetRequestForm, fields)
    except InvalidInput as error:
        return render(
            request,
            "accounts/password_reset_request.html",
            {"values": fields, "errors": error.field_errors},
            status_code=422,
        )
    links.request_password_reset(
        db,
        email=form.email,
        locale=get_locale(),
        settings=settings,
        ip=client_ip(request),
        now=clock(),
    )
    db.commit()
    flash.add(request, "password_reset_sent", level="info")
    return redirect(request, "/login")


def _set_password_page(
    request: Request,
    *,
    token: str,
    purpose: TokenPurpose,
    errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    template = (
        "accounts/accept_invitation.html"
        if purpose is TokenPurpose.INVITATION
        else "accounts/password_reset.html"
    )
    return render(request, template, {"token": token, "errors": errors}, status_code=status_code)


def _token_page(request: Request, db: SessionDep, token: str, purpose: TokenPurpose) -> Response:
    try:
        links.find_valid_token(db, token=token, purpose=purpose)
    except DomainError as error:
        return render(
            request, "accounts/token_invalid.html", {"message": error.message}, status_code=400
        )
    return _set_password_page(request, token=token, purpose=purpose, errors={})


def _use_token(
    request: Request, db: SessionDep, fields: dict[str, str], token: str, purpose: TokenPurpose
) -> Response:
    try:
        form = parse_form(SetPasswordForm, fields)
        links.set_password_with_token(
            db,
            token=token,
            purpose=purpose,
            password=form.password,
            password_repeat=form.password_repeat,
        )
    except InvalidInput as error:
        return _set_password_page(
            request, token=token, purpose=purpose, errors=error.field_errors, status_code=422
        )
    except DomainError as error:
        return render(
            request, "accounts/token_invalid.html", {"message": error.message}, status_code=400
        )
    db.commit()
    flash.add(request, "password_set")
    return redirect(request, "/login")


@router.get("/invitation/{token}")
def invitation_page(request: Request, db: SessionDep, token: str) -> Response:
    return _token_page(request, db, token, TokenPurpose.INVITATION)


@router.post("/invitation/{token}")
def accept_invitation(request: Request, db: SessionDep, fields: FormFields, token: str) -> Response:
    return _use_token(request, db, fields, token, TokenPurpose.INVITATION)


@router.get("/password-reset/{token}")
def password_reset_page(request: Request, db: SessionDep, token: str) -> Response:
    return _token_page(request, db, token, TokenPurpose.PASSWORD_RESET)


@router.post("/password-reset/{token}")
def password_reset(request: Request, db: SessionDep, fields: FormFields, token: str) -> Response:
    return _use_token(request, db, fields, token, TokenPurpose.PASSWORD_RESET)
