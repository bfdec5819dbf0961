"""Canaries: what an ambassador must never see, planted and then looked for everywhere they can go.

A unique string sits in the guardian's name, e-mail and phone, in who gave the consent, in a
counsellor's note, in the pupil's last name, and in the name of another ambassador's mentee. The
ambassador then loads every page the app has (with and without htmx, in both languages, with the
ids of the planted objects), answers the forms, and reads the e-mails sent to them: no canary
may appear anywhere.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor.config import Settings
from mentor.matches import service
from mentor.models import OutboxEmail, Role, User
from mentor.web.middleware import LOCALE_COOKIE
from tests.factories import make_ambassador, make_match, make_note, make_pupil, make_user
from tests.site.authorization_matrix import PATH_VALUES
from tests.site.test_authorization import app_routes
from tests.web import csrf_token, sign_in

PARAMETER = re.compile(r"{(\w+)(?::\w+)?}")
CANARIES = {
    "guardian_name": "Kanarie-Vaerge-7Q1",
    "guardian_email": "kanarie-mail-7q2@example.dk",
    "guardian_phone": "+45 7Q3 7Q3",
    "consent_given_by": "Kanarie-Samtykke-7Q4",
    "last_name": "Kanarie-Efternavn-7Q5",
    "note": "Kanarie-Notat-7Q6",
    "other_mentee": "Kanarie-Andenselev-7Q7",
    "other_last": "Kanarie-Andetnavn-7Q8",
}


def _plant(db: Session, settings: Settings) -> tuple[User, dict[str, str]]:
    user = make_user(db, role=Role.AMBASSADOR)
    ambassador = make_ambassador(db, user=user, capacity=3)
    pupil = make_pupil(
        db,
        first_name="Yasmin",
        last_name=CANARIES["last_name"],
        guardian_name=CANARIES["guardian_name"],
        guardian_email=CANARIES["guardian_email"],
        guardian_phone=CANARIES["guardian_phone"],
        consent_given_by=CANARIES["consent_given_by"],
    )
    make_note(db, pupil=pupil, body=CANARIES["note"])
    waiting = service.propose(
        db,
        pupil=pupil,
        ambassador=ambassador,
        score=0.8,
        explanation={"reasons": [{"feature": "interest_similarity", "contribution": 0.5}]},
        model_version="baseline-1",
        actor=None,
        settings=settings,
    )
    accepted_pupil = make_pupil(db, first_name="Malthe", guardian_name=CANARIES["guardian_name"])
    make_note(db, pupil=accepted_pupil, body=CANARIES["note"])
    accepted = make_match(db, pupil=accepted_pupil, ambassador=ambassador, state="accepted")
    other_pupil = make_pupil(
        db, first_name=CANARIES["other_mentee"], last_name=CANARIES["other_last"]
    )
    others = [
        make_match(db, pupil=other_pupil, state="accepted"),
        make_match(db, pupil=make_pupil(db, first_name=CANARIES["other_mentee"])),
    ]
    ids = {
        "pupil_id": str(pupil.id),
        "match_id": str(waiting.id),
        "accepted_match_id": str(accepted.id),
        "other_match_id": str(others[1].id),
        "other_pupil_id": str(other_pupil.id),
    }
    return user, ids


def _urls(app: FastAPI, db: Session, ids: dict[str, str]) -> list[str]:
    urls: list[str] = []
    for method, path in sorted(app_routes(app)):
        if method != "GET":
            continue
        names = PARAMETER.findall(path)
        if "pupil_id" in names:
            choices = [ids["pupil_id"], ids["other_pupil_id"]]
            urls += [path.replace("{pupil_id:int}", value) for value in choices]
            continue
        if "match_id" in names:
            for key in ("match_id", "accepted_match_id", "other_match_id"):
                urls.append(PARAMETER.sub(ids[key], path))
            continue
        urls.append(PARAMETER.sub(lambda m: PATH_VALUES[m.group(1)](db), path))
    return urls


def _assert_clean(text: str, where: str) -> None:
    for field, canary in CANARIES.items():
        assert canary.lower() not in text.lower(), f"{field} canary on {where}"


def test_no_canary_reaches_anything_an_ambassador_can_load(
    app: FastAPI, db: Session, settings: Settings, client: TestClient
) -> None:
    user, ids = _plant(db, settings)
    sign_in(client, db, user)

    mentees = client.get("/ambassador/mentees")
    assert "Yasmin" in mentees.text  # the page does show them
    assert "Malthe" in mentees.text
    loaded = 0
    for locale in ("da", "en"):
        client.cookies.set(LOCALE_COOKIE, locale, domain="testserver.local")
        for url in _urls(app, db, ids):
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url, headers=headers)
                _assert_clean(response.text, f"GET {url} {headers} ({response.status_code})")
                _assert_clean(str(response.headers), f"headers of GET {url}")
                loaded += 1
    assert loaded > 20

    # The answers to the forms, failed and successful.
    token = csrf_token(client, "/ambassador/mentees")
    for match_id in (ids["match_id"], ids["other_match_id"]):
        failed = client.post(f"/ambassador/mentees/{match_id}/decline", data={"csrf_token": token})
        _assert_clean(failed.text, f"failed decline of {match_id}")
    for action in ("accept", "decline"):
        for key in ("other_match_id", "accepted_match_id"):
            response = client.post(
                f"/ambassador/mentees/{ids[key]}/{action}",
                data={"csrf_token": token, "category": "poor_fit"},
            )
            _assert_clean(response.text, f"{action} of {key}")
    accepted = client.post(
        f"/ambassador/mentees/{ids['match_id']}/accept", data={"csrf_token": token}
    )
    assert accepted.status_code == 303
    _assert_clean(client.get("/ambassador/mentees").text, "the page after accepting")

    mails = db.scalars(select(OutboxEmail).where(OutboxEmail.to_address == user.email)).all()
    assert mails, "the proposal e-mail was queued"
    for mail in mails:
        _assert_clean(f"{mail.subject}\n{mail.body_text}", f"e-mail {mail.subject}")
