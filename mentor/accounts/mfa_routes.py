"""Two-step verification pages: the second step of a login (public, under the pending login's
cookie) and the user's own settings (/account/two-step)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from starlette.responses import Response

from mentor.accounts import login_completion, mfa, mfa_login
from mentor.accounts.forms import CodeForm, EnrolmentForm, RecoveryCodesForm, SecondFactorForm
from mentor.errors import InvalidInput
from mentor.i18n import lazy_gettext
from mentor.models import PendingLogin, PendingStep, User
from mentor.web import flash
from mentor.web.deps import ClockDep, CurrentUser, SessionDep, SettingsDep, client_ip
from mentor.web.forms import FormFields, parse_form
from mentor.web.responses import redirect, safe_next
from mentor.web.templating import render

public_router = APIRouter()
router = APIRouter(prefix="/account/two-step")

ACCOUNT_URL = "/account/two-step"
# Fewer than this many unused recovery codes left: the user is told to make new ones.
LOW_RECOVERY_CODES = 3


def _pending(
    request: Request, db: SessionDep, clock: ClockDep, step: PendingStep
) -> PendingLogin | None:
    return mfa_login.resolve(
        db, token=request.cookies.get(mfa_login.COOKIE_NAME), step=step, now=clock()
    )


def _start_again(request: Request, message: str) -> Response:
    flash.add(request, message, level="error")
    response = redirect(request, "/login")
    response.delete_cookie(mfa_login.COOKIE_NAME, path="/")
    return response


def _enrol_page(
    request: Request,
    *,
    enrolment: mfa.Enrolment,
    action: str,
    forced: bool,
    errors: Mapping[str, object],
    status_code: int = 200,
) -> Response:
    context = {"enrolment": enrolment, "action": action, "forced": forced, "errors": errors}
    return render(request, "accounts/mfa_enrol.html", context, status_code=status_code)


def _recovery_codes_page(request: Request, *, codes: list[str], continue_url: str) -> Response:
    # Shown in this response, never after a redirect: the codes exist nowhere else in clear.
    context = {"codes": codes, "continue_url": continue_url}
    return render(request, "accounts/mfa_recovery_codes.html", context)


# --- the second step of a login -------------------------------------------------------------


def _code_page(request: Request, errors: Mapping[str, object], status_code: int = 200) -> Response:
    return render(request, "accounts/login_code.html", {"errors": errors}, status_code=status_code)


@public_router.get("/login/code")
def code_page(request: Request, db: SessionDep, clock: ClockDep) -> Response:
    if _pending(request, db, clock, PendingStep.CODE) is None:
        return _start_again(request, "login_step_expired")
    return _code_page(request, {})


@public_router.post("/login/code")
def check_code(
    request: Request, db: SessionDep, settings: SettingsDep, clock: ClockDep, fields: FormFields
) -> Response:
    now, ip = clock(), client_ip(request)
    pending = _pending(request, db, clock, PendingStep.CODE)
    credential = mfa.credential_of(db, user_id=pending.user_id) if pending else None
    if pending is None or credential is None:
        return _start_again(request, "login_step_expired")
    try:
        form = parse_form(SecondFactorForm, fields)
        if not (form.code or form.recovery_code):
            raise InvalidInput({"code": lazy_gettext("Type the 6-digit code from the app.")})
        if form.recovery_code:
            field = "recovery_code"
            right = mfa.use_recovery_code(
                db,
                credential=credential,
                code=form.recovery_code,
                now=now,
                settings=settings,
                ip=ip,
            )
        else:
            field = "code"
            right = mfa.check_code(
                db, credential=credential, code=form.code, now=now, settings=settings
            )
    except InvalidInput as error:
        return _code_page(request, error.field_errors, status_code=422)
    except mfa.CodesThrottled as error:
        return _throttled(request, db, error)
    if not right:
        used_up = mfa_login.count_wrong_code(db, pending=pending, ip=ip, now=now)
        db.commit()
        if used_up:
            return _start_again(request, "login_step_failed")
        message = mfa.WRONG_RECOVERY_CODE if field == "recovery_code" else mfa.WRONG_CODE
        return _code_page(request, {field: message}, status_code=400)
    user, next_url = pending.user, pending.next_url
    db.delete(pending)
    left = mfa.unused_recovery_codes(db, user_id=user.id)
    done = login_completion.logged_in(request, db, user=user, settings=settings, next_url=next_url)
    if field == "recovery_code" and left < LOW_RECOVERY_CODES:
        flash.add(request, "recovery_codes_low", level="info", count=str(left))
        flash.commit(request, done)
    return done


def _throttled(request: Request, db: SessionDep, error: mfa.CodesThrottled) -> Response:
    """Too many wrong codes for the account: the step ends; the login page says how long."""
    mfa_login.end(db, token=request.cookies.get(mfa_login.COOKIE_NAME))
    db.commit()
    context: dict[str, object] = {"values": {}, "errors": {}, "form_error": error.message}
    response = render(request, "accounts/login.html", context, status_code=error.status_code)
    response.delete_cookie(mfa_login.COOKIE_NAME, path="/")
    return response


@public_router.get("/login/set-up")
def forced_enrol_page(
    request: Request, db: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Response:
    pending = _pending(request, db, clock, PendingStep.ENROL)
    if pending is None:
        return _start_again(request, "login_step_expired")
    enrolment = mfa.new_enrolment(user=pending.user, settings=settings)
    return _enrol_page(request, enrolment=enrolment, action="/login/set-up", forced=True, errors={})


@public_router.post("/login/set-up")
def forced_enrol(
    request: Request, db: SessionDep, settings: SettingsDep, clock: ClockDep, fields: FormFields
) -> Response:
    pending = _pending(request, db, clock, PendingStep.ENROL)
    if pending is None:
        return _start_again(request, "login_step_expired")
    user, next_url = pending.user, pending.next_url
    codes = _confirm_posted_enrolment(
        request, db, settings, clock, user, fields, action="/login/set-up", forced=True
    )
    if isinstance(codes, Response):
        return codes
    db.delete(pending)
    token = login_completion.start_session(request, db, user=user, settings=settings)
    db.commit()
    flash.add(request, "logged_in", name=user.full_name)
    response = _recovery_codes_page(request, codes=codes, continue_url=safe_next(next_url))
    login_completion.set_session_cookies(response, token=token, user=user, settings=settings)
    return response


def _confirm_posted_enrolment(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    user: User,
    fields: FormFields,
    *,
    action: str,
    forced: bool,
) -> list[str] | Response:
    """The recovery codes of a confirmed enrolment, or the enrolment page again with the error
    (the same secret, so the app already set up keeps working)."""
    enrolment = mfa.enrolment_from_form(
        user=user,
        settings=settings,
        secret=fields.get("secret", ""),
        signature=fields.get("signature", ""),
    )
    try:
        form = parse_form(EnrolmentForm, fields)
        return mfa.confirm_enrolment(
            db, user=user, enrolment=enrolment, code=form.code, now=clock(), ip=client_ip(request)
        )
    except InvalidInput as error:
        db.rollback()
        return _enrol_page(
            request,
            enrolment=enrolment,
            action=action,
            forced=forced,
            errors=error.field_errors,
            status_code=422,
        )


# --- the user's own settings ----------------------------------------------------------------


def _settings_page(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: User,
    *,
    errors: Mapping[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    if not mfa.has_second_factor(db, user_id=user.id):
        enrolment = mfa.new_enrolment(user=user, settings=settings)
        return _enrol_page(
            request,
            enrolment=enrolment,
            action=f"{ACCOUNT_URL}/enrol",
            forced=False,
            errors=errors or {},
            status_code=status_code,
        )
    context = {
        "recovery_codes_left": mfa.unused_recovery_codes(db, user_id=user.id),
        "required": mfa.is_required(user, settings),
        "errors": errors or {},
    }
    return render(request, "accounts/mfa.html", context, status_code=status_code)


@router.get("")
def two_step_page(
    request: Request, db: SessionDep, settings: SettingsDep, user: CurrentUser
) -> Response:
    return _settings_page(request, db, settings, user)


@router.post("/enrol")
def enrol(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    user: CurrentUser,
    fields: FormFields,
) -> Response:
    if mfa.has_second_factor(db, user_id=user.id):
        return redirect(request, ACCOUNT_URL)
    codes = _confirm_posted_enrolment(
        request, db, settings, clock, user, fields, action=f"{ACCOUNT_URL}/enrol", forced=False
    )
    if isinstance(codes, Response):
        return codes
    db.commit()
    return _recovery_codes_page(request, codes=codes, continue_url=ACCOUNT_URL)


@router.post("/recovery-codes")
def renew_recovery_codes(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    user: CurrentUser,
    fields: FormFields,
) -> Response:
    if not mfa.has_second_factor(db, user_id=user.id):
        return redirect(request, ACCOUNT_URL)
    try:
        form = parse_form(RecoveryCodesForm, fields)
        codes = mfa.new_recovery_codes(
            db,
            user=user,
            code=form.renew_code,
            now=clock(),
            settings=settings,
            ip=client_ip(request),
        )
    except (InvalidInput, mfa.CodesThrottled) as error:
        return _code_refused(request, db, settings, user, error, field="renew_code")
    db.commit()
    return _recovery_codes_page(request, codes=codes, continue_url=ACCOUNT_URL)


@router.post("/turn-off")
def turn_off(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    user: CurrentUser,
    fields: FormFields,
) -> Response:
    try:
        form = parse_form(CodeForm, fields)
        mfa.turn_off(
            db, user=user, code=form.code, now=clock(), settings=settings, ip=client_ip(request)
        )
    except (InvalidInput, mfa.CodesThrottled) as error:
        return _code_refused(request, db, settings, user, error, field="code")
    db.commit()
    flash.add(request, "mfa_turned_off")
    return redirect(request, "/account")


def _code_refused(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    user: User,
    error: InvalidInput | mfa.CodesThrottled,
    *,
    field: str,
) -> Response:
    """The settings page again with why the code was refused, next to the form's ``field``."""
    db.commit()  # a wrong code counts against the throttle
    if isinstance(error, InvalidInput):
        message = next(iter(error.field_errors.values()))
    else:
        message = error.message
    return _settings_page(request, db, settings, user, errors={field: message}, status_code=422)
