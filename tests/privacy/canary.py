"""A pupil whose every personal text holds a canary, written the way the data really arrives:
imported from a CSV, the questionnaire answered by link, a meeting logged, feedback given by
link and a note written, all over HTTP; the consent, an exit answer and a mail by factories.
And a scan of every text and JSON column of every table for the canaries."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.db import utcnow
from mentor.models import (
    ConsentMethod,
    ConsentState,
    ExitRespondent,
    MatchState,
    Organisation,
    Pupil,
    Role,
    User,
)
from tests.conftest import FakeClock
from tests.database_scan import columns_holding
from tests.factories import (
    make_ambassador,
    make_counsellor_school,
    make_exit_answer,
    make_interest,
    make_match,
    make_meeting,
    make_meeting_participant,
    make_meeting_topic,
    make_outbox_email,
    make_programme,
    make_school,
    make_user,
)
from tests.questionnaire.helpers import link_for
from tests.web import csrf_token, sign_in

# Every canary holds this mark (case-insensitively), and nothing else in the tests' data does.
MARK = "qzx"
CANARIES = {
    "first_name": "Qzxfrida",
    "last_name": "Qzxensen",
    "class_name": "8.Qzxa",
    "guardian_name": "Qzxmor Qzxensen",
    "guardian_email": "qzxmor@example.dk",
    "email": "qzxelev@example.dk",
    "consent_given_by": "Qzxmor selv",
    "conversation_wish": "Qzxønske: hvordan er en dag på HTX?",
    "summary": "Qzxreferat: vi talte om HTX og EUX.",
    "comment": "Qzxfeedback: godt at høre om HTX.",
    "note": "Qzxnote: ringede hjem til moren.",
    "exit": "Qzxexit: jeg søger HTX.",
    "mail": "Om Qzxfrida Qzxensen",
}
# Not text: found by digits.
PHONE = "29 87 65 43"
PHONE_DIGITS = "29876543"

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_FEEDBACK_LINK = re.compile(r"https://testserver(/f/[A-Za-z0-9_-]+)")


@dataclass
class CanaryPupil:
    pupil_id: int
    school: Organisation
    coordinator: User
    counsellor: User
    ambassador_user: User
    meeting_id: int


def _nothing() -> None:
    pass


def _as(client: TestClient, db: Session, user: User, settle: Callable[[], None]) -> None:
    client.cookies.clear()
    sign_in(client, db, user)
    settle()


def _import(client: TestClient, db: Session, school: Organisation) -> None:
    c = CANARIES
    rows = [
        "Elevnummer;Fornavn;Efternavn;Klassetrin;Klasse;Forælder;Forælders e-mail;"
        "Forælders telefon;Elevens e-mail",
        f"Q1;{c['first_name']};{c['last_name']};8;{c['class_name']};{c['guardian_name']};"
        f"{c['guardian_email']};{PHONE};{c['email']}",
    ]
    data = ("\n".join(rows) + "\n").encode("utf-8")
    preview = client.post(
        "/pupils/import",
        data={"csrf_token": csrf_token(client, "/pupils/import"), "school_id": str(school.id)},
        files={"file": ("elever.csv", data, "application/octet-stream")},
    )
    assert preview.status_code == 200, preview.text
    fields = {name: html.unescape(value) for name, value in _HIDDEN.findall(preview.text)}
    done = client.post("/pupils/import/commit", data=fields)
    assert done.status_code == 303, done.text


def make_canary_pupil(
    client: TestClient, db: Session, clock: FakeClock, settle: Callable[[], None] = _nothing
) -> CanaryPupil:
    """The canary pupil. ``settle`` runs before each request: on a database the app does not
    share the test's transaction with, it commits what the test wrote."""
    school = make_school(db)
    coordinator = make_user(db, role=Role.COORDINATOR, organisation_id=school.id)
    counsellor = make_user(db, role=Role.COUNSELLOR, full_name="Karen Vejleder")
    make_counsellor_school(db, counsellor=counsellor, school=school)
    ambassador_user = make_user(db, role=Role.AMBASSADOR, full_name="Sara Holm")
    ambassador = make_ambassador(db, user=ambassador_user)

    _as(client, db, coordinator, settle)
    _import(client, db, school)
    pupil = db.scalars(select(Pupil).where(Pupil.school_id == school.id)).one()
    # The consent as the coordinator records it (a factory's write: the form has tests).
    pupil.consent_state = ConsentState.GIVEN
    pupil.consent_given_by = CANARIES["consent_given_by"]
    pupil.consent_method = ConsentMethod.PAPER
    pupil.consent_at = utcnow()
    db.flush()

    # The questionnaire, answered by its link.
    interest, programme = make_interest(db), make_programme(db)
    link = link_for(client, db, pupil, coordinator)
    settle()
    client.cookies.clear()
    answered = client.post(
        link,
        data={
            "interest": [str(interest.id)],
            "programme_1": str(programme.id),
            "language": ["da"],
            "conversation_wish": CANARIES["conversation_wish"],
            "wants_alumnus": "yes",
            "csrf_token": csrf_token(client, link),
        },
    )
    assert answered.status_code in (200, 303), answered.text

    # A meeting, logged by the ambassador.
    match = make_match(db, pupil=pupil, ambassador=ambassador, state=MatchState.ACCEPTED)
    meeting = make_meeting(
        db, ambassador=ambassador, school=school, starts_at=clock.now + timedelta(hours=2)
    )
    make_meeting_participant(db, meeting=meeting, pupil=pupil, match=match)
    topic = make_meeting_topic(db, label_en="Programmes", label_da="Uddannelser")
    clock.advance(hours=3)
    _as(client, db, ambassador_user, settle)
    logged = client.post(
        f"/meetings/{meeting.id}/log",
        data={
            f"attendance_{pupil.id}": "present",
            "topic": [topic.code],
            "summary": CANARIES["summary"],
            "csrf_token": csrf_token(client, "/"),
        },
    )
    assert logged.status_code == 303, logged.text

    # The pupil's feedback, by the link the coordinator hands out.
    _as(client, db, coordinator, settle)
    page = client.get("/school/feedback")
    [path] = _FEEDBACK_LINK.findall(page.text)
    client.cookies.clear()
    feedback = client.post(
        path,
        data={
            "rating": "4",
            "helped": "partly",
            "comment": CANARIES["comment"],
            "csrf_token": csrf_token(client, "/"),
        },
    )
    assert feedback.status_code in (200, 303), feedback.text

    # The counsellor's note.
    _as(client, db, counsellor, settle)
    noted = client.post(
        f"/pupils/{pupil.id}/notes",
        data={"body": CANARIES["note"], "csrf_token": csrf_token(client, "/")},
    )
    assert noted.status_code == 303, noted.text
    client.cookies.clear()

    make_exit_answer(
        db, match=match, respondent=ExitRespondent.PUPIL, comment=CANARIES["exit"], rating=5
    )
    make_outbox_email(
        db,
        to_address="vejleder@example.dk",
        subject=CANARIES["mail"],
        body_text=f"Hej\n\n{CANARIES['mail']} har brug for opfølgning.\n",
    )
    settle()
    return CanaryPupil(
        pupil_id=pupil.id,
        school=school,
        coordinator=coordinator,
        counsellor=counsellor,
        ambassador_user=ambassador_user,
        meeting_id=meeting.id,
    )


def canary_columns(db: Session) -> set[tuple[str, str]]:
    """Every (table, column) of text or JSON whose value holds a canary (or the phone number)."""
    return columns_holding(db, (MARK, PHONE_DIGITS, PHONE))
