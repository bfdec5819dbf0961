"""An ambassador's requests for access and erasure (GDPR Art. 15 and 17), through the admin's
pages and `mentor privacy export|erase --ambassador`: a canary ambassador (the canary in their
name, address, phone, profile, a check-in note and a certificate) is in the export from every
table it was written to, with no pupil's name and no secret; after the erasure the canary is in
no table and — on a SQLite file — not in its bytes. An ambassador whose match is kept for a
pupil still present is anonymised: the match, the meeting and the pupil stay."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.db import make_engine, make_sessionmaker
from mentor.migrations import upgrade
from mentor.models import (
    Ambassador,
    AuditEvent,
    ExitRespondent,
    Match,
    MatchState,
    MeetingLog,
    PrivacyRequest,
    PrivacyRequestKind,
    Pupil,
    Role,
    TotpCredential,
    User,
)
from mentor.privacy.ambassador_erasure import ambassador_erasure_plan
from tests.conftest import FakeClock
from tests.factories import (
    make_ambassador,
    make_ambassador_certificate,
    make_ambassador_check_in,
    make_ambassador_interest,
    make_exit_answer,
    make_login_session,
    make_match,
    make_meeting,
    make_meeting_log,
    make_meeting_participant,
    make_privacy_request,
    make_pupil,
    make_recovery_code,
    make_totp_credential,
    make_user,
)
from tests.privacy.canary import MARK, PHONE, PHONE_DIGITS, canary_columns
from tests.privacy.files import app_on, mentor
from tests.privacy.test_erasure import _raw, deleted_between, row_counts
from tests.throwaway_database import BACKENDS, throwaway_database
from tests.web import csrf_token, log_in_as, sign_in

URL = "/admin/privacy"
REASON = "Ambassadørens e-mail af 30.11.2026"
CANARIES = {
    "full_name": "Qzxsara Qzxholm",
    "email": "qzxsara@example.dk",
    "about": "Qzxom mig: jeg går på HTX og elsker robotter.",
    "note": "Qzxcheckin: det går godt med mentorforløbet.",
    "certificate": "Qzxbevis for mentorarbejde",
}
# The pupil's data: never in the ambassador's export.
PUPIL_NAME = ("Pernille", "Elevsensen")
PUPIL_TEXT = "Pernilles referat: vi talte om HTX."


@dataclass
class CanaryAmbassador:
    ambassador_id: int
    user_id: int
    pupil_id: int
    match_id: int | None


def make_canary_ambassador(db: Session, *, matched: bool) -> CanaryAmbassador:
    """The canary ambassador; ``matched``: with a match and a logged meeting of a pupil."""
    user = make_user(
        db, role=Role.AMBASSADOR, full_name=CANARIES["full_name"], email=CANARIES["email"]
    )
    ambassador = make_ambassador(db, user=user, phone=PHONE, about=CANARIES["about"])
    make_ambassador_interest(db, ambassador=ambassador)
    make_ambassador_certificate(db, ambassador=ambassador, name=CANARIES["certificate"])
    make_totp_credential(db, user=user)
    make_recovery_code(db, user=user)
    make_login_session(db, user=user)
    pupil = make_pupil(db, first_name=PUPIL_NAME[0], last_name=PUPIL_NAME[1])
    match_id = None
    if matched:
        match = make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.ACCEPTED)
        meeting = make_meeting(db, ambassador=ambassador, school_id=pupil.school_id)
        make_meeting_participant(db, meeting=meeting, pupil=pupil, match=match)
        make_meeting_log(db, meeting=meeting, summary=PUPIL_TEXT)
        make_exit_answer(db, match=match, respondent=ExitRespondent.PUPIL, comment=PUPIL_TEXT)
        match_id = match.id
    make_ambassador_check_in(db, ambassador=ambassador, match_id=match_id, note=CANARIES["note"])
    return CanaryAmbassador(ambassador.id, user.id, pupil.id, match_id)


def _assert_full_and_clean(text: str, db: Session, canary: CanaryAmbassador) -> None:
    for value in CANARIES.values():
        assert value in text, value
    assert PHONE in text
    for name in PUPIL_NAME:
        assert name not in text
    assert "Pernilles" not in text
    secret = db.scalars(select(TotpCredential.secret)).one()
    assert secret not in text
    assert "code_hash" not in text
    assert "token_hash" not in text
    assert "password_hash" not in text


def _erase(client: TestClient, request_id: int, **data: str) -> Response:
    path = f"{URL}/{request_id}"
    return client.post(f"{path}/erase", data={**data, "csrf_token": csrf_token(client, path)})


def test_registering_a_request_about_an_ambassador(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    ambassador = make_ambassador(db)
    log_in_as(client, db, Role.ADMIN)
    form = {
        "kind": "access",
        "subject": "ambassador",
        "number": str(ambassador.id),
        "requested_by": "Ambassadøren selv, pr. e-mail",
        "received_on": clock.now.strftime("%d.%m.%Y"),
        "csrf_token": csrf_token(client, URL),
    }

    unknown = client.post(URL, data={**form, "number": "999999999"})
    done = client.post(URL, data=form)

    assert unknown.status_code == 422
    assert (
        '<p class="field-error" id="number-error">Der er ingen ambassadør med dette nummer.</p>'
        in unknown.text
    )
    assert done.status_code == 303
    request = db.scalars(select(PrivacyRequest)).one()
    assert (request.pupil_id, request.ambassador_id, request.subject_label) == (
        None,
        ambassador.id,
        f"ambassador #{ambassador.id}",
    )
    listed = client.get(URL).text
    assert f"Ambassadør nr. {ambassador.id}" in listed
    page = client.get(done.headers["location"]).text
    assert f"Ambassadør nr. {ambassador.id}" in page
    read = db.scalars(select(AuditEvent).where(AuditEvent.action == "read")).one()
    assert (read.object_type, read.object_id) == ("ambassador", str(ambassador.id))


def test_the_export_holds_the_canary_and_no_pupil_and_no_secret(
    client: TestClient, db: Session
) -> None:
    canary = make_canary_ambassador(db, matched=True)
    request = make_privacy_request(db, ambassador_id=canary.ambassador_id)
    admin = log_in_as(client, db, Role.ADMIN)

    as_json = client.get(f"{URL}/{request.id}/export.json")
    as_html = client.get(f"{URL}/{request.id}/export.html")

    assert as_json.status_code == as_html.status_code == 200
    exported = as_json.json()
    assert exported["ambassador_id"] == canary.ambassador_id
    assert exported["account"]["two_step_login"] == "set up"
    assert exported["account"]["unused_recovery_codes"] == 1
    tables = exported["tables"]
    assert {
        "user_account",
        "ambassador",
        "ambassador_interest",
        "ambassador_certificate",
        "ambassador_check_in",
        "match",
        "meeting",
        "login_session",
        "totp_credential",
        "recovery_code",
    } <= set(tables)
    assert "pupil_id" not in tables["match"][0]
    assert tables["match"][0]["id"] == canary.match_id
    assert "meeting_log" not in tables
    assert "exit_answer" not in tables
    _assert_full_and_clean(json.dumps(exported, ensure_ascii=False), db, canary)
    _assert_full_and_clean(as_html.text.replace("&#39;", "'"), db, canary)
    assert f"Data om ambassadør nr. {canary.ambassador_id}" in as_html.text
    exports = db.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(e.actor_id, e.object_type, e.object_id) for e in exports] == [
        (admin.id, "ambassador", str(canary.ambassador_id))
    ] * 2
    # The next export shows who read the data.
    again = client.get(f"{URL}/{request.id}/export.json").json()
    assert [e["actor"] for e in again["audit_events"] if e["action"] == "export"] == [
        admin.full_name
    ] * 2


def test_erasing_an_unmatched_ambassador_deletes_them_and_leaves_the_canary_nowhere(
    client: TestClient, db: Session, clock: FakeClock
) -> None:
    canary = make_canary_ambassador(db, matched=False)
    request = make_privacy_request(
        db, ambassador_id=canary.ambassador_id, kind=PrivacyRequestKind.ERASURE
    )
    plan = ambassador_erasure_plan(db, canary.ambassador_id)
    assert not plan.anonymised
    admin = log_in_as(client, db, Role.ADMIN)
    page = client.get(f"{URL}/{request.id}")
    assert CANARIES["full_name"] in page.text
    assert "<code>ambassador_certificate</code></th><td>1</td>" in page.text
    before = row_counts(db)

    response = _erase(client, request.id, reason=REASON, confirmed="1")

    assert response.status_code == 303
    assert deleted_between(before, row_counts(db)) == plan.deleted
    assert {"ambassador", "user_account", "ambassador_check_in", "totp_credential"} <= set(
        plan.deleted
    )
    assert canary_columns(db) == set()
    assert db.get(Pupil, canary.pupil_id) is not None
    erased = db.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).one()
    assert (erased.actor_id, erased.object_type, erased.object_id, erased.pupil_id) == (
        admin.id,
        "ambassador",
        str(canary.ambassador_id),
        None,
    )
    assert erased.details == {"request_id": request.id, "reason": REASON, "anonymised": False}
    kept = db.get_one(PrivacyRequest, request.id)
    assert (kept.ambassador_id, kept.subject_label) == (
        None,
        f"ambassador #{canary.ambassador_id}",
    )
    assert (kept.completed_at, kept.completed_by_id) == (clock.now, admin.id)
    done = client.get(f"{URL}/{request.id}").text
    assert "ikke længere i programmet" in done
    assert f"Ambassadør nr. {canary.ambassador_id}" in done


def test_an_ambassador_whose_match_is_kept_for_a_pupil_is_anonymised(
    client: TestClient, db: Session
) -> None:
    canary = make_canary_ambassador(db, matched=True)
    request = make_privacy_request(
        db, ambassador_id=canary.ambassador_id, kind=PrivacyRequestKind.ERASURE
    )
    plan = ambassador_erasure_plan(db, canary.ambassador_id)
    log_in_as(client, db, Role.ADMIN)
    page = client.get(f"{URL}/{request.id}")
    assert "anonymiseret for altid" in page.text

    response = _erase(client, request.id, reason=REASON, confirmed="1")

    assert response.status_code == 303
    assert plan.anonymised
    assert {"match": 1, "meeting": 1, "ambassador": 1, "user_account": 1}.items() <= (
        plan.kept.items()
    )
    assert canary_columns(db) == set()
    db.expire_all()
    match = db.get_one(Match, canary.match_id)
    assert (match.pupil_id, match.ambassador_id) == (canary.pupil_id, canary.ambassador_id)
    pupil = db.get_one(Pupil, canary.pupil_id)
    assert (pupil.first_name, pupil.last_name) == PUPIL_NAME
    assert db.scalars(select(MeetingLog.summary)).all() == [PUPIL_TEXT]
    user = db.get_one(User, canary.user_id)
    assert (user.full_name, user.is_active, user.password_hash) == (
        f"#{canary.user_id}",
        False,
        None,
    )
    erased = db.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).one()
    assert erased.details == {"request_id": request.id, "reason": REASON, "anonymised": True}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": REASON}, "Sæt flueben for at bekræfte"),
        ({"reason": "Qzxsara bad om det", "confirmed": "1"}, "Udelad ambassadørens navn"),
        ({"reason": "Skrev fra qzxsara@example.dk", "confirmed": "1"}, "Udelad ambassadørens"),
        ({"reason": "CPR 010310-1234", "confirmed": "1"}, "CPR"),
        ({"reason": " ", "confirmed": "1"}, "Feltet skal udfyldes."),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_erased(
    client: TestClient, db: Session, data: dict[str, str], message: str
) -> None:
    canary = make_canary_ambassador(db, matched=False)
    request = make_privacy_request(
        db, ambassador_id=canary.ambassador_id, kind=PrivacyRequestKind.ERASURE
    )
    log_in_as(client, db, Role.ADMIN)

    response = _erase(client, request.id, **data)

    assert response.status_code == 422
    assert "field-error" in response.text
    assert message in response.text
    db.expire_all()
    assert db.get(Ambassador, canary.ambassador_id) is not None
    assert db.scalar(select(func.count()).where(AuditEvent.action == "erase")) == 0


def test_other_roles_and_posts_without_csrf_are_refused(client: TestClient, db: Session) -> None:
    ambassador = make_ambassador(db)
    access = make_privacy_request(db, ambassador=ambassador)
    erasure = make_privacy_request(db, ambassador=ambassador, kind=PrivacyRequestKind.ERASURE)
    for role in (Role.AMBASSADOR, Role.COUNSELLOR, Role.COORDINATOR):
        client.cookies.clear()
        log_in_as(client, db, role)
        token = csrf_token(client, "/")
        for path in (f"{access.id}", f"{access.id}/export.json", f"{access.id}/export.html"):
            assert client.get(f"{URL}/{path}").status_code == 403, (role, path)
        for path in (f"{access.id}/complete", f"{erasure.id}/erase"):
            posted = client.post(
                f"{URL}/{path}", data={"reason": REASON, "confirmed": "1", "csrf_token": token}
            )
            assert posted.status_code == 403, (role, path)
    client.cookies.clear()
    assert client.get(f"{URL}/{access.id}/export.json").status_code in (303, 401)
    log_in_as(client, db, Role.ADMIN)
    no_token = client.post(f"{URL}/{erasure.id}/erase", data={"reason": REASON, "confirmed": "1"})
    assert no_token.status_code == 403
    db.expire_all()
    assert db.get(Ambassador, ambassador.id) is not None


def test_on_a_sqlite_file_the_erased_canary_is_not_in_its_bytes(
    tmp_path: Path, settings: Settings, clock: FakeClock
) -> None:
    path = tmp_path / "erase.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    with app_on(url, settings, clock) as (client, db):
        canary = make_canary_ambassador(db, matched=True)
        request = make_privacy_request(
            db, ambassador_id=canary.ambassador_id, kind=PrivacyRequestKind.ERASURE
        )
        admin = make_user(db, role=Role.ADMIN)
        db.commit()
        assert b"Qzxsara" in _raw(path)
        sign_in(client, db, db.get_one(User, admin.id))
        db.commit()

        response = _erase(client, request.id, reason=REASON, confirmed="1")

        assert response.status_code == 303
        raw = _raw(path).lower()
        assert MARK.encode() not in raw
        assert PHONE_DIGITS.encode() not in raw.replace(b" ", b"")
        assert canary_columns(db) == set()
        db.commit()


@dataclass
class Database:
    url: str
    engine: Engine
    canary: CanaryAmbassador
    path: Path | None


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with throwaway_database(request.param, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            with make_sessionmaker(engine)() as db:
                canary = make_canary_ambassador(db, matched=False)
                db.commit()
            path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else None
            yield Database(url=url, engine=engine, canary=canary, path=path)
        finally:
            engine.dispose()


def _mentor(database: Database, *args: str) -> subprocess.CompletedProcess[str]:
    return mentor(database.url, "privacy", *args)


def test_the_command_line_exports_and_erases_an_ambassador(
    database: Database, tmp_path: Path
) -> None:
    number = str(database.canary.ambassador_id)
    exported = _mentor(
        database, "export", "--ambassador", number, "--output", str(tmp_path / "a.json")
    )
    both = _mentor(
        database,
        *("export", "--ambassador", number, "--pupil", "1", "--output", str(tmp_path / "b")),
    )
    neither = _mentor(database, "export", "--output", str(tmp_path / "c.json"))
    unknown = _mentor(database, "erase", "--ambassador", "999999", "--reason", REASON, "--yes")
    named = _mentor(
        database, "erase", "--ambassador", number, "--reason", "Qzxholm ville det", "--yes"
    )

    assert exported.returncode == 0, exported.stderr
    text = (tmp_path / "a.json").read_text(encoding="utf-8")
    with make_sessionmaker(database.engine)() as db:
        _assert_full_and_clean(text, db, database.canary)
    assert both.stderr.strip() == "error: give exactly one of --pupil ID and --ambassador ID"
    assert neither.stderr.strip() == both.stderr.strip()
    assert unknown.stderr.strip() == "error: no ambassador with the number 999999"
    assert "may not name the ambassador" in named.stderr
    for result in (both, neither, unknown, named):
        assert result.returncode == 1
        assert len(result.stderr.strip().splitlines()) == 1

    erased = _mentor(database, "erase", "--ambassador", number, "--reason", REASON, "--yes")

    assert erased.returncode == 0, erased.stderr
    assert "ambassador: 1 deleted" in erased.stdout.splitlines()
    assert "user_account: 1 deleted" in erased.stdout.splitlines()
    with make_sessionmaker(database.engine)() as db:
        assert canary_columns(db) == set()
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).one()
        assert (event.actor_id, event.object_type, event.object_id, event.details) == (
            None,
            "ambassador",
            number,
            {"reason": REASON, "anonymised": False},
        )
    if database.path is not None:
        raw = _raw(database.path).lower()
        assert MARK.encode() not in raw
        assert PHONE_DIGITS.encode() not in raw.replace(b" ", b"")
