"""Logging in with a second factor (TOTP) through HTTP, checked against the database."""

from __future__ import annotations

import re

import pyotp
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor.accounts import mfa_login
from mentor.accounts.sessions import COOKIE_NAME
from mentor.config import Settings
from mentor.models import (
    AuditEvent,
    LoginAttempt,
    LoginSession,
    PendingLogin,
    RecoveryCode,
    Role,
    TotpCredential,
    User,
)
from tests.conftest import FakeClock
from tests.factories import make_totp_credential
from tests.web import PASSWORD, csrf_token, make_user_with_password, post_form

SECRET_FIELD = re.compile(r'name="secret" value="([A-Z2-7]+)"')
RENEW_URL = "/account/two-step/recovery-codes"
RECOVERY_CODE = re.compile(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>")


def _count(db: Session, model: type, *where: object) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def _password(client: TestClient, user: User, next_url: str = "") -> str:
    """The password step; returns where it sends the browser."""
    response = post_form(
        client,
        "/login",
        {"email": user.email, "password": PASSWORD, "next": next_url},
        token_from="/",
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


def _code(client: TestClient, **fields: str) -> Response:
    return client.post(
        "/login/code", data={**fields, "csrf_token": csrf_token(client, "/login/code")}
    )


def _enrolled(db: Session, role: Role) -> tuple[User, pyotp.TOTP]:
    user = make_user_with_password(db, role)
    credential = make_totp_credential(db, user=user)
    return user, pyotp.TOTP(credential.secret)


def test_a_counsellor_sets_up_an_app_before_the_login_is_complete(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    user = make_user_with_password(db, Role.COUNSELLOR)

    assert _password(client, user, "/followup") == "/login/set-up"
    assert _count(db, LoginSession) == 0
    # A pending login is not a session: no other page opens.
    assert client.get("/account").headers["location"].startswith("/login?next=")
    page = client.get("/login/set-up")
    assert page.status_code == 200
    assert "Opsæt totrinsbekræftelse" in page.text
    assert "<svg" in page.text
    assert 'autocomplete="one-time-code"' in page.text
    assert 'inputmode="numeric"' in page.text
    secret = SECRET_FIELD.search(page.text).group(1)  # type: ignore[union-attr]
    signature = re.search(r'name="signature" value="(\w+)"', page.text).group(1)  # type: ignore[union-attr]

    token = csrf_token(client, "/login/set-up")
    fields = {"secret": secret, "signature": signature, "csrf_token": token}
    wrong = client.post("/login/set-up", data={**fields, "code": "000000"})
    assert wrong.status_code == 422
    assert "Koden passer ikke" in wrong.text
    assert _count(db, TotpCredential) == 0

    done = client.post("/login/set-up", data={**fields, "code": pyotp.TOTP(secret).at(clock.now)})

    assert done.status_code == 200
    codes = RECOVERY_CODE.findall(done.text)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert 'href="/followup"' in done.text  # on to where the user was going
    stored = db.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))
    hashes = set(stored)
    assert len(hashes) == 10
    assert not any(
        code in hash_ or code.replace("-", "") in hash_ for code in codes for hash_ in hashes
    )
    assert _count(db, TotpCredential, TotpCredential.user_id == user.id) == 1
    assert _count(db, PendingLogin) == 0
    assert _count(db, LoginSession, LoginSession.user_id == user.id) == 1
    assert _count(db, AuditEvent, AuditEvent.action == "mfa_enrol") == 1
    assert client.get("/followup").status_code == 200


def test_a_secret_the_server_did_not_offer_is_not_set_up(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    user = make_user_with_password(db, Role.COUNSELLOR)
    _password(client, user)
    chosen = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

    response = post_form(
        client,
        "/login/set-up",
        {"secret": chosen, "signature": "0" * 64, "code": pyotp.TOTP(chosen).at(clock.now)},
        token_from="/login/set-up",
    )

    assert response.status_code == 422
    assert chosen not in response.text  # a new secret is offered instead
    assert _count(db, TotpCredential) == 0


def test_an_enrolled_user_logs_in_with_a_code_once(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    user, app = _enrolled(db, Role.COUNSELLOR)

    assert _password(client, user, "/followup") == "/login/code"
    page = client.get("/login/code")
    assert "Totrinsbekræftelse" in page.text
    assert 'autocomplete="one-time-code"' in page.text
    code = app.at(clock.now)
    response = _code(client, code=code)

    assert response.status_code == 303
    assert response.headers["location"] == "/followup"
    assert _count(db, LoginSession, LoginSession.user_id == user.id) == 1
    assert client.get("/followup").status_code == 200

    # The same code again, from another browser, within its 30 seconds: refused.
    client.cookies.clear()
    _password(client, user)
    again = _code(client, code=code)
    assert again.status_code == 400
    assert "Koden er forkert eller allerede brugt" in again.text
    clock.advance(seconds=30)
    assert _code(client, code=app.at(clock.now)).status_code == 303


def test_a_recovery_code_works_once(client: TestClient, db: Session, clock: FakeClock) -> None:
    user = make_user_with_password(db, Role.COORDINATOR)
    # The coordinator sets up an app from their account (optional for the role).
    _password(client, user)  # no second step: logged in
    page = client.get("/account/two-step")
    secret = SECRET_FIELD.search(page.text).group(1)  # type: ignore[union-attr]
    signature = re.search(r'name="signature" value="(\w+)"', page.text).group(1)  # type: ignore[union-attr]
    shown = post_form(
        client,
        "/account/two-step/enrol",
        {"secret": secret, "signature": signature, "code": pyotp.TOTP(secret).at(clock.now)},
        token_from="/account/two-step",
    )
    recovery = RECOVERY_CODE.findall(shown.text)[0]
    post_form(client, "/logout", {})

    assert _password(client, user) == "/login/code"
    used = _code(client, recovery_code=recovery.upper().replace("-", " "))
    assert used.status_code == 303
    assert _count(db, RecoveryCode, RecoveryCode.used_at.is_not(None)) == 1
    assert _count(db, AuditEvent, AuditEvent.action == "recovery_code_used") == 1
    post_form(client, "/logout", {})

    _password(client, user)
    refused = _code(client, recovery_code=recovery)
    assert refused.status_code == 400
    assert "Gendannelseskoden er forkert eller allerede brugt" in refused.text
    assert _count(db, LoginSession, LoginSession.user_id == user.id) == 0


def test_wrong_codes_count_as_failed_logins_and_end_the_step(
    client: TestClient, db: Session
) -> None:
    user, _app = _enrolled(db, Role.ADMIN)
    _password(client, user)

    for _ in range(mfa_login.MAX_WRONG_CODES - 1):
        assert _code(client, code="123 456").status_code == 400
    last = _code(client, code="123456")

    assert last.headers["location"] == "/login"
    assert "For mange forkerte koder" in client.get("/login").text
    assert _count(db, PendingLogin) == 0
    assert _count(db, LoginAttempt, LoginAttempt.succeeded.is_(False)) == mfa_login.MAX_WRONG_CODES
    assert _count(db, LoginSession) == 0


def test_wrong_codes_are_throttled_per_account_across_logins(
    client: TestClient, db: Session, clock: FakeClock, settings: Settings
) -> None:
    user, app = _enrolled(db, Role.ADMIN)
    credential = db.scalars(select(TotpCredential)).one()
    credential.failures = settings.login_max_failures_per_account
    credential.failed_since = clock.now
    db.flush()
    _password(client, user)

    response = _code(client, code=app.at(clock.now))

    assert response.status_code == 429
    assert "For mange forkerte koder" in response.text
    assert _count(db, LoginSession) == 0
    clock.advance(seconds=settings.login_failure_window + 1)
    _password(client, user)
    assert _code(client, code=app.at(clock.now)).status_code == 303


def test_the_second_step_expires_in_minutes(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    user, app = _enrolled(db, Role.COUNSELLOR)
    _password(client, user)
    token = csrf_token(client, "/login/code")
    clock.advance(minutes=11)

    response = client.post("/login/code", data={"code": app.at(clock.now), "csrf_token": token})

    assert response.headers["location"] == "/login"
    assert "Login tog for lang tid" in client.get("/login").text
    assert _count(db, LoginSession) == 0


def test_cancelling_the_second_step_ends_it(client: TestClient, db: Session) -> None:
    user, _app = _enrolled(db, Role.COUNSELLOR)
    _password(client, user)

    post_form(client, "/logout", {}, token_from="/login/code")

    assert _count(db, PendingLogin) == 0
    assert client.get("/login/code").headers["location"] == "/login"


def test_without_required_roles_a_counsellor_logs_in_with_the_password(
    client: TestClient, db: Session, settings: Settings
) -> None:
    settings.mfa_required_roles = ""
    user = make_user_with_password(db, Role.COUNSELLOR)

    assert _password(client, user, "/followup") == "/followup"
    assert _count(db, LoginSession, LoginSession.user_id == user.id) == 1


def test_an_unknown_role_in_the_setting_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown role counselor"):
        Settings(_env_file=None, mfa_required_roles="admin,counselor")  # type: ignore[call-arg]
    assert Settings(_env_file=None, mfa_required_roles=" Admin ,").mfa_required_roles == "admin"  # type: ignore[call-arg]
    assert Settings(_env_file=None).mfa_required_roles == "admin,counsellor"  # type: ignore[call-arg]


def test_logging_in_again_ends_the_session_the_browser_had(client: TestClient, db: Session) -> None:
    first = make_user_with_password(db, Role.COORDINATOR)
    second = make_user_with_password(db, Role.COORDINATOR)
    _password(client, first)
    old_token = client.cookies.get(COOKIE_NAME)
    assert _count(db, LoginSession, LoginSession.user_id == first.id) == 1

    # Someone else logs in at the same computer; then the first person again.
    _password(client, second)
    assert _count(db, LoginSession, LoginSession.user_id == first.id) == 0
    _password(client, first)
    _password(client, first)

    assert _count(db, LoginSession, LoginSession.user_id == second.id) == 0
    assert _count(db, LoginSession, LoginSession.user_id == first.id) == 1
    client.cookies.set(COOKIE_NAME, old_token or "", domain="testserver.local")
    assert "Log ind" in client.get("/").text


def test_an_enrolled_coordinator_turns_it_off_with_a_code_and_a_counsellor_cannot(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    coordinator, app = _enrolled(db, Role.COORDINATOR)
    _password(client, coordinator)
    _code(client, code=app.at(clock.now))
    assert "Du har 0 ubrugte gendannelseskoder" in client.get("/account/two-step").text

    clock.advance(seconds=30)
    wrong = post_form(client, "/account/two-step/turn-off", {"code": "000000"})
    assert wrong.status_code == 422
    done = post_form(client, "/account/two-step/turn-off", {"code": app.at(clock.now)})
    assert done.headers["location"] == "/account"
    assert _count(db, TotpCredential) == 0
    assert _count(db, AuditEvent, AuditEvent.action == "mfa_disable") == 1

    counsellor, app = _enrolled(db, Role.COUNSELLOR)
    client.cookies.clear()
    _password(client, counsellor)
    clock.advance(seconds=30)
    _code(client, code=app.at(clock.now))
    page = client.get("/account/two-step")
    assert "kræver totrinsbekræftelse" in page.text
    clock.advance(seconds=30)
    refused = post_form(client, "/account/two-step/turn-off", {"code": app.at(clock.now)})
    assert refused.status_code == 422
    assert _count(db, TotpCredential, TotpCredential.user_id == counsellor.id) == 1


def test_new_recovery_codes_replace_the_old_ones(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    user, app = _enrolled(db, Role.COUNSELLOR)
    _password(client, user)
    _code(client, code=app.at(clock.now))

    clock.advance(seconds=30)
    first = post_form(client, "/account/two-step/recovery-codes", {"renew_code": app.at(clock.now)})
    clock.advance(seconds=30)
    second = post_form(
        client, "/account/two-step/recovery-codes", {"renew_code": app.at(clock.now)}
    )

    assert first.status_code == second.status_code == 200
    old, new = RECOVERY_CODE.findall(first.text), RECOVERY_CODE.findall(second.text)
    assert len(new) == 10
    assert not set(old) & set(new)
    assert _count(db, RecoveryCode, RecoveryCode.user_id == user.id) == 10


@pytest.mark.parametrize("typed", ["", "000000", "the code just used"])
def test_new_recovery_codes_need_a_current_code_from_the_app(
    client: TestClient, db: Session, clock: FakeClock, typed: str
) -> None:
    user, app = _enrolled(db, Role.COUNSELLOR)
    _password(client, user)
    _code(client, code=app.at(clock.now))
    before = set(db.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    code = app.at(clock.now) if typed == "the code just used" else typed

    refused = post_form(client, RENEW_URL, {"renew_code": code})

    assert refused.status_code == 422
    assert 'id="renew_code-error"' in refused.text
    assert not RECOVERY_CODE.findall(refused.text)
    db.expire_all()
    after = set(db.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    assert after == before
